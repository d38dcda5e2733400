"""Plotly figures of sections 1-4: the blocked loop, responsiveness, health, registration vs
the model. Each takes shaped data and returns a go.Figure (or None when there is nothing)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.aggregate import Point, by_endpoint, cell_label, hashing_key, strategies
from analysis.core.figstyle import (
    STAT_DASH,
    STAT_NAME,
    USERS_AXIS,
    LegendOnce,
    base_layout,
    error_bars,
    hashing_color,
    series_colors,
    values,
)

Row = dict[str, Any]
ENDPOINT_TITLE = {
    "health": "GET /api/health/",
    "register": "POST /api/users/register/",
    "login": "POST /api/users/login/",
}


def lag_timeline(
    reps: Mapping[str, Row], series: Mapping[str, list[Row]], worst: Mapping[str, int | None]
) -> go.Figure | None:
    """Loop lag over time, one panel per strategy's representative cell; the worst worker in
    the strategy's colour, the others grey; warm-up shaded."""
    reps = {h: c for h, c in reps.items() if series.get(c["cell_id"])}
    if not reps:
        return None
    fig = make_subplots(
        rows=len(reps),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=[cell_label(c) for c in reps.values()],
    )
    legend = LegendOnce()
    for i, (h, c) in enumerate(reps.items(), start=1):
        rows = series[c["cell_id"]]
        for pid in sorted({r["pid"] for r in rows}, key=lambda p: p == worst.get(c["cell_id"])):
            mine = [r for r in rows if r["pid"] == pid]
            is_worst = pid == worst.get(c["cell_id"])
            name = "worst worker" if is_worst else "other workers"
            fig.add_trace(
                go.Scatter(
                    x=[r["t"] for r in mine],
                    y=[max(r["lag_ms"], 0.01) for r in mine],
                    mode="lines",
                    name=f"{h}: worst worker (pid {pid})" if is_worst else name,
                    legendgroup=name if not is_worst else h,
                    showlegend=is_worst or legend(name),
                    line={
                        "width": 1.6 if is_worst else 0.8,
                        "color": hashing_color(h) if is_worst else "#b0b0b0",
                    },
                    hovertemplate="t %{x:.2f} s<br>lag %{y:.1f} ms<extra>pid "
                    + str(pid)
                    + "</extra>",
                ),
                row=i,
                col=1,
            )
        if c.get("t_measure_start") and c.get("t_load_start"):
            fig.add_vrect(
                x0=c["t_load_start"] - c["t_measure_start"],
                x1=0,
                row=i,
                col=1,
                fillcolor="#999",
                opacity=0.12,
                line_width=0,
            )
        fig.update_yaxes(type="log", title_text="lag (ms)", row=i, col=1)
    fig.update_xaxes(
        title_text="seconds since warm-up ended (grey band: warm-up)", row=len(reps), col=1
    )
    return base_layout(
        fig, "Event-loop lag over time (max per 50 ms, log scale)", 160 + 220 * len(reps)
    )


def lag_per_cell(cells: Sequence[Row], with_repeat: bool = False) -> go.Figure | None:
    """Loop lag p99 and max per cell, log scale, coloured by strategy."""
    cells = [c for c in cells if c.get("loop_lag_p99_ms") is not None]
    if not cells:
        return None
    fig = go.Figure()
    for h in sorted({c["hashing"] for c in cells}, key=hashing_key):
        mine = [c for c in cells if c["hashing"] == h]
        x = [cell_label(c, with_repeat) for c in mine]
        for stat, symbol in (("loop_lag_p99_ms", "circle"), ("loop_lag_max_ms", "triangle-up")):
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=[max(c[stat] or 0.01, 0.01) for c in mine],
                    mode="markers",
                    name=f"{h} {'p99' if 'p99' in stat else 'max'}",
                    marker={
                        "color": hashing_color(h),
                        "symbol": symbol,
                        "size": 9,
                        "opacity": 1 if "p99" in stat else 0.55,
                    },
                    hovertemplate="%{x}<br>%{y:.1f} ms<extra></extra>",
                )
            )
    fig.update_yaxes(type="log", title_text="loop lag after warm-up (ms, log)")
    fig.update_xaxes(title_text="cell (strategy · workers · users)", tickangle=-40)
    return base_layout(fig, "Loop lag per cell: p99 (●) and max (▲)", 480)


def facets(pts: Sequence[Point], rows: list[str], title_of: Any) -> tuple[go.Figure, list[str]]:
    cols = strategies(pts)
    titles = [title_of(r, h) for r in rows for h in cols]
    fig = make_subplots(
        rows=len(rows),
        cols=len(cols),
        subplot_titles=titles,
        horizontal_spacing=0.06,
        vertical_spacing=0.12,
    )
    return fig, cols


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
