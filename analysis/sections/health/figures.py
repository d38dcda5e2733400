"""The health section's figure: /api/health/ client time as server handler + waiting."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from analysis.core.aggregate import Point, by_endpoint
from analysis.core.figstyle import (
    USERS_AXIS,
    LegendOnce,
    base_layout,
    facets,
    series_colors,
    values,
)


def health_decomposition(pts: Sequence[Point]) -> go.Figure | None:
    """/api/health/ mean client time as stacked bars: server handler + waiting, per users and
    worker count, one panel per strategy."""
    hp = by_endpoint(pts, "health")
    if not hp:
        return None
    fig, cols = facets(hp, ["health"], lambda _e, h: h)
    series = sorted({p.series for p in hp})
    legend = LegendOnce()
    for j, h in enumerate(cols, start=1):
        for k, s in enumerate(series):
            line = sorted(
                (p for p in hp if p.hashing == h and p.series == s), key=lambda p: p.users
            )
            if not line:
                continue
            x = [f"{p.users} u" for p in line]
            server = values(line, "joined_server_ms")
            for part, y, base, shade in (
                ("server handler", server, None, 1.0),
                ("waiting (client − server)", values(line, "joined_wait_ms"), server, 0.45),
            ):
                name = f"{s}: {part}"
                fig.add_trace(
                    go.Bar(
                        x=x,
                        y=y,
                        base=base,
                        name=name,
                        legendgroup=name,
                        showlegend=legend(name),
                        offsetgroup=str(k),
                        marker={"color": series_colors(series)[s], "opacity": shade},
                        hovertemplate=f"{h} {s}<br>%{{x}}<br>{part} %{{y:.2f}} ms<extra></extra>",
                    ),
                    row=1,
                    col=j,
                )
        fig.update_xaxes(title_text=USERS_AXIS, row=1, col=j)
        fig.update_yaxes(title_text="mean /api/health/ time (ms)" if j == 1 else None, row=1, col=j)
    fig.update_layout(barmode="group")
    return base_layout(
        fig, "/api/health/ while registrations run: client time = server handler + waiting", 460
    )
