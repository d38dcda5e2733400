"""The loop section's figures: lag over time in each strategy's representative cell, and lag
p99 and max per cell."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.aggregate import cell_label, hashing_key
from analysis.core.figstyle import LegendOnce, base_layout, hashing_color
from app.contract import Row


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
