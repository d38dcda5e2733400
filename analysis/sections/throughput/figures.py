"""The throughput section's figure: register rps against users, the model's X and the ceiling."""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.aggregate import Point, by_endpoint, strategies
from analysis.core.figstyle import (
    USERS_AXIS,
    LegendOnce,
    base_layout,
    error_bars,
    series_colors,
    values,
)
from analysis.core.fixes import FixRow


def throughput_figure(pts: Sequence[Point], rows: Sequence[FixRow]) -> go.Figure | None:
    """Register rps vs users per strategy panel, the model X dashed, the ceiling as a line."""
    rp = by_endpoint(pts, "register")
    if not rp:
        return None
    cols = strategies(rp)
    fig = make_subplots(
        rows=1, cols=len(cols), subplot_titles=cols, shared_yaxes=True, horizontal_spacing=0.04
    )
    colors = series_colors([p.series for p in rp])
    legend = LegendOnce()
    for j, h in enumerate(cols, start=1):
        for s in sorted({p.series for p in rp if p.hashing == h}):
            line = sorted(
                (p for p in rp if p.hashing == h and p.series == s), key=lambda p: p.users
            )
            x = [p.users for p in line]
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=values(line, "rps"),
                    name=f"{s} · measured",
                    legendgroup=f"{s}m",
                    showlegend=legend(f"{s} · measured"),
                    mode="lines+markers",
                    error_y=error_bars(line, "rps"),
                    line={"color": colors[s], "width": 2},
                    hovertemplate=f"{h} {s}<br>%{{x}} users<br>%{{y:.2f}} req/s<extra></extra>",
                ),
                row=1,
                col=j,
            )
            if all(p.hash_ms == p.hash_ms and p.hash_ms for p in line):
                fig.add_trace(
                    go.Scatter(
                        x=x,
                        y=[p.model().throughput_rps for p in line],
                        name=f"{s} · model X",
                        legendgroup=f"{s}x",
                        showlegend=legend(f"{s} · model X"),
                        mode="lines",
                        line={"color": colors[s], "dash": "dash", "width": 1.2},
                        hovertemplate="model %{y:.2f} req/s<extra></extra>",
                    ),
                    row=1,
                    col=j,
                )
        ceiling = next((r.ceiling_rps for r in rows if r.hashing == h), math.nan)
        if not math.isnan(ceiling):
            xs = sorted({p.users for p in rp})
            fig.add_trace(
                go.Scatter(
                    x=[xs[0], xs[-1]],
                    y=[ceiling, ceiling],
                    mode="lines",
                    name="ceiling cores / S",
                    legendgroup="ceiling",
                    showlegend=legend("ceiling"),
                    line={"color": "#c0392b", "dash": "dot"},
                    hovertemplate="ceiling %{y:.2f} req/s<extra></extra>",
                ),
                row=1,
                col=j,
            )
        fig.update_xaxes(title_text=USERS_AXIS, row=1, col=j)
    fig.update_yaxes(title_text="registrations per second", row=1, col=1, rangemode="tozero")
    fig.update_xaxes(tickvals=sorted({p.users for p in rp}))
    return base_layout(fig, "Registration throughput vs users, against the machine's ceiling", 460)
