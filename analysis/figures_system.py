"""Plotly figures of sections 5-8: throughput against the machine's ceiling, CPU and memory,
the sequential baseline, and the verdict."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.aggregate import Point, by_endpoint, strategies
from analysis.core.figstyle import (
    USERS_AXIS,
    LegendOnce,
    base_layout,
    error_bars,
    hashing_color,
    series_colors,
    values,
)
from analysis.core.fixes import FixRow

Row = dict[str, Any]
ROLE_COLORS = {
    "server": "#34495e",
    "server_master": "#95a5a6",
    "server_worker": "#5d7f9e",
    "load_generator": "#e67e22",
}
ROLE_NAMES = {
    "server": "server (master + workers)",
    "server_master": "server master",
    "server_worker": "server workers (sum)",
    "load_generator": "load generator",
}


def throughput(pts: Sequence[Point], rows: Sequence[FixRow]) -> go.Figure | None:
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


def resources(res: Sequence[Row]) -> go.Figure | None:
    """Per cell: mean CPU % (bars) with the max (◆), and max RSS (MiB) per role."""
    if not res:
        return None
    labels = list(dict.fromkeys(r["label"] for r in res))
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=[
            "CPU: mean (bar) and max (◆), % of one core",
            "Memory: max RSS per role (MiB)",
        ],
    )
    roles = list(dict.fromkeys(r["role"] for r in res))
    for k, role in enumerate(roles):
        mine = {r["label"]: r for r in res if r["role"] == role}
        x = [lab for lab in labels if lab in mine]
        color = ROLE_COLORS.get(role, "#7f8c8d")
        name = ROLE_NAMES.get(role, role.replace("_", " "))
        if role in ("server", "load_generator"):
            fig.add_trace(
                go.Bar(
                    x=x,
                    y=[mine[lab]["cpu_avg_percent"] for lab in x],
                    name=f"{name}: CPU mean",
                    offsetgroup=str(k),
                    marker={"color": color},
                    legendgroup=f"{role}cpu",
                    hovertemplate="%{x}<br>mean %{y:.0f} %<extra></extra>",
                ),
                row=1,
                col=1,
            )
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=[mine[lab]["cpu_max_percent"] for lab in x],
                    name=f"{name}: CPU max",
                    mode="markers",
                    marker={"symbol": "diamond", "color": color, "size": 8},
                    legendgroup=f"{role}cpu",
                    hovertemplate="%{x}<br>max %{y:.0f} %<extra></extra>",
                ),
                row=1,
                col=1,
            )
        if role != "server":
            fig.add_trace(
                go.Bar(
                    x=x,
                    y=[(mine[lab]["rss_max_bytes"] or 0) / 2**20 for lab in x],
                    name=f"{name}: max RSS",
                    offsetgroup=str(k),
                    legendgroup=f"{role}rss",
                    marker={"color": color, "opacity": 0.75},
                    hovertemplate="%{x}<br>%{y:.0f} MiB<extra></extra>",
                ),
                row=2,
                col=1,
            )
    fig.add_hline(
        y=80,
        line={"color": "#e67e22", "dash": "dot", "width": 1},
        row=1,
        col=1,
        annotation_text="80 % of a core (load generator limit)",
        annotation_position="top left",
        annotation_font_size=10,
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="CPU %", row=1, col=1)
    fig.update_yaxes(title_text="RSS (MiB)", row=2, col=1)
    fig.update_xaxes(tickangle=-40, title_text="cell (strategy · workers · users)", row=2, col=1)
    return base_layout(fig, "CPU and memory per cell (after warm-up)", 720)


def sequential(pts: Sequence[Point]) -> go.Figure | None:
    """Sequential baseline: server vs client mean per strategy and endpoint."""
    if not pts:
        return None
    x = [f"{p.hashing}<br>{p.endpoint}" for p in pts]
    fig = go.Figure()
    for metric, name, color in (
        ("server_avg_ms", "server handler mean", "#34495e"),
        ("avg_ms", "client mean", "#3498db"),
    ):
        fig.add_trace(
            go.Bar(
                x=x,
                y=values(pts, metric),
                name=name,
                marker={"color": color},
                error_y=error_bars(pts, metric),
                hovertemplate="%{x}<br>%{y:.2f} ms<extra></extra>",
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="mean time per request (ms, log)", type="log")
    fig.update_xaxes(title_text="strategy and endpoint")
    return base_layout(fig, "Sequential baseline: one user, consecutive requests", 420)


def verdict(rows: Sequence[FixRow]) -> go.Figure | None:
    """Per strategy: /api/health/ p95 at the comparison load, and best throughput as a fraction
    of the machine's ceiling."""
    if not rows:
        return None
    names = [r.hashing for r in rows]
    colors = [hashing_color(h) for h in names]
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.18,
        subplot_titles=[
            f"/api/health/ p95 at {rows[0].users} users (ms, log; lower is better)",
            "best registrations/s as % of ceiling (higher is better)",
        ],
    )
    fig.add_trace(
        go.Bar(
            y=names,
            x=[None if math.isnan(r.health_p95_ms) else r.health_p95_ms for r in rows],
            orientation="h",
            marker={"color": colors},
            showlegend=False,
            hovertemplate="%{y}: %{x:.1f} ms<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            y=names,
            x=[None if math.isnan(r.fraction) else 100 * r.fraction for r in rows],
            orientation="h",
            marker={"color": colors},
            showlegend=False,
            hovertemplate="%{y}: %{x:.0f} %<extra></extra>",
        ),
        row=1,
        col=2,
    )
    fig.update_xaxes(type="log", title_text="ms", row=1, col=1)
    fig.update_xaxes(title_text="% of cores / S", range=[0, 105], row=1, col=2)
    fig.update_yaxes(autorange="reversed")
    return base_layout(fig, "Which fix works", 160 + 50 * len(rows))
