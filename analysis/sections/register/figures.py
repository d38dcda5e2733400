"""The register section's figure: measured latency against the closed-loop model (configured
workers, and for blocking also the workers that served)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from analysis.core.aggregate import Point, by_endpoint
from analysis.core.figstyle import (
    USERS_AXIS,
    LegendOnce,
    base_layout,
    error_bars,
    facets,
    series_colors,
    values,
)


def model_with_workers_used(line: Sequence[Point]) -> list[float] | None:
    """Model R of a blocking multi-worker line with c = min(workers used, cores), as a worker
    the load never reached hashes nothing; None for other lines or when no point knows its
    workers used."""
    if not line or line[0].hashing != "blocking" or line[0].workers < 2:
        return None
    if all(p.workers_used is None for p in line):
        return None
    return [p.model(served=True).response_ms for p in line]


def registration_model(pts: Sequence[Point]) -> go.Figure | None:
    """Register avg (solid) and p95 (dotted) vs users beside the closed-loop model R = N/X
    (dashed), one panel per strategy."""
    rp = [p for p in by_endpoint(pts, "register") if p.hash_ms == p.hash_ms and p.hash_ms]
    if not rp:
        return None
    fig, cols = facets(rp, ["register"], lambda _e, h: h)
    colors = series_colors([p.series for p in rp])
    legend = LegendOnce()
    for j, h in enumerate(cols, start=1):
        for s in sorted({p.series for p in rp if p.hashing == h}):
            line = sorted(
                (p for p in rp if p.hashing == h and p.series == s), key=lambda p: p.users
            )
            x = [p.users for p in line]
            model = [p.model().response_ms for p in line]
            traces = [
                (f"{s} · avg", values(line, "avg_ms"), "solid", error_bars(line, "avg_ms")),
                (f"{s} · p95", values(line, "p95_ms"), "dot", error_bars(line, "p95_ms")),
                (f"{s} · model R", model, "dash", None),
            ]
            used = model_with_workers_used(line)
            if used is not None:
                traces.append((f"{s} · model R, workers used", used, "dashdot", None))
            for name, y, dash, err in traces:
                fig.add_trace(
                    go.Scatter(
                        x=x,
                        y=y,
                        name=name,
                        legendgroup=name,
                        showlegend=legend(name),
                        mode="lines" if "model" in name else "lines+markers",
                        error_y=err,
                        line={
                            "color": colors[s],
                            "dash": dash,
                            "width": 1.2 if "model" in name else 2,
                        },
                        hovertemplate=f"{h} {name}<br>%{{x}} users<br>%{{y:.0f}} ms<extra></extra>",
                    ),
                    row=1,
                    col=j,
                )
        fig.update_xaxes(title_text=USERS_AXIS, row=1, col=j)
        fig.update_yaxes(title_text="registration time (ms)" if j == 1 else None, row=1, col=j)
    fig.update_xaxes(tickvals=sorted({p.users for p in rp}))
    return base_layout(
        fig, "Registration latency vs users, beside the closed-loop model R = N·S / min(N, c)", 480
    )
