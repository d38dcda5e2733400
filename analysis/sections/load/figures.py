"""The load section's figure: client percentiles per endpoint and strategy against users."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from analysis.core.aggregate import Point, by_endpoint
from analysis.core.figstyle import (
    STAT_DASH,
    STAT_NAME,
    USERS_AXIS,
    LegendOnce,
    base_layout,
    error_bars,
    facets,
    series_colors,
    values,
)

ENDPOINT_TITLE = {
    "health": "GET /api/health/",
    "register": "POST /api/users/register/",
    "login": "POST /api/users/login/",
}


def responsiveness(pts: Sequence[Point]) -> go.Figure | None:
    """Client avg/p50/p95/p99 vs users: rows = endpoint, columns = strategy, a colour per line
    (worker count), a dash per statistic, log y, failures marked."""
    if not pts:
        return None
    endpoints = [e for e in ("health", "register", "login") if by_endpoint(pts, e)]
    endpoints += sorted({p.endpoint for p in pts} - set(endpoints))
    fig, cols = facets(pts, endpoints, lambda e, h: f"{ENDPOINT_TITLE.get(e, e)} · {h}")
    colors = series_colors([p.series for p in pts])
    legend = LegendOnce()
    for i, e in enumerate(endpoints, start=1):
        for j, h in enumerate(cols, start=1):
            here = [p for p in pts if p.endpoint == e and p.hashing == h]
            for s in sorted({p.series for p in here}):
                line = sorted((p for p in here if p.series == s), key=lambda p: p.users)
                for stat, dash in STAT_DASH.items():
                    name = f"{s} · {STAT_NAME[stat]}"
                    fig.add_trace(
                        go.Scatter(
                            x=[p.users for p in line],
                            y=values(line, stat),
                            name=name,
                            legendgroup=name,
                            showlegend=legend(name),
                            mode="lines+markers",
                            line={
                                "color": colors[s],
                                "dash": dash,
                                "width": 2 if stat == "p95_ms" else 1.2,
                            },
                            marker={"size": 5},
                            error_y=error_bars(line, stat),
                            hovertemplate=f"{h} {s}<br>%{{x}} users<br>{STAT_NAME[stat]} "
                            "%{y:.1f} ms<extra></extra>",
                        ),
                        row=i,
                        col=j,
                    )
                bad = [p for p in line if p.failures]
                if bad:
                    fig.add_trace(
                        go.Scatter(
                            x=[p.users for p in bad],
                            y=values(bad, "p99_ms"),
                            mode="markers",
                            name="had failures",
                            legendgroup="fail",
                            showlegend=legend("had failures"),
                            marker={"symbol": "x", "size": 12, "color": "black"},
                            text=[f"{p.failures} failed of {p.requests}" for p in bad],
                            hovertemplate="%{text}<extra></extra>",
                        ),
                        row=i,
                        col=j,
                    )
            fig.update_yaxes(
                type="log", row=i, col=j, title_text="client latency (ms, log)" if j == 1 else None
            )
            fig.update_xaxes(row=i, col=j, title_text=USERS_AXIS if i == len(endpoints) else None)
    fig.update_xaxes(tickvals=sorted({p.users for p in pts}))
    return base_layout(
        fig,
        "Client latency vs concurrent users (avg solid, p50 dotted, p95 dashed, p99 long-dashed)",
        140 + 300 * len(endpoints),
    )
