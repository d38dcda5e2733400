"""The workers section's figures: how each multi-worker cell's requests spread over its
workers, and blocking's register mean and health p95 per worker count and connection mode."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.figstyle import SERIES_COLORS, base_layout
from analysis.sections.workers.points import PINNED, WorkerPoint, mode_label, mode_of
from app.contract import Row


def split_figure(shares: Sequence[Row]) -> go.Figure | None:
    """Stacked bars: per multi-worker cell, each worker's share of the requests, busiest
    first (one bar per cell; the mode is in the bar's label)."""
    per_cell: dict[str, list[Row]] = defaultdict(list)
    for r in shares:
        if r["workers"] >= 2:
            per_cell[r["cell_id"]].append(r)
    if not per_cell:
        return None
    repeats = len({r.get("repeat") for r in shares}) > 1
    labels, ranked = [], []
    order = sorted(
        per_cell.values(),
        key=lambda rs: (rs[0]["hashing"], mode_of(rs[0]), rs[0]["workers"], rs[0]["users"]),
    )
    for rs in order:
        c = rs[0]
        label = f"{c['hashing']} · {c['workers']} w · {c['users']} u · {mode_label(mode_of(c))}"
        labels.append(label + (f" · r{c.get('repeat')}" if repeats else ""))
        ranked.append(sorted(rs, key=lambda r: -r["requests"]))
    fig = go.Figure()
    for k in range(max(len(rs) for rs in ranked)):
        fig.add_trace(
            go.Bar(
                x=labels,
                y=[100 * rs[k]["share"] if k < len(rs) else 0 for rs in ranked],
                name="busiest worker" if k == 0 else f"worker {k + 1}",
                marker_color=SERIES_COLORS[k % len(SERIES_COLORS)],
                customdata=[
                    [rs[k]["pid"], rs[k]["requests"]] if k < len(rs) else [None, 0] for rs in ranked
                ],
                hovertemplate="%{x}<br>pid %{customdata[0]}: %{customdata[1]} requests, "
                "%{y:.0f} %<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text="share of the cell's requests (%)", range=[0, 100])
    fig.update_xaxes(tickangle=-30)
    return base_layout(fig, "How the requests spread over the workers, per cell", 460)


def comparison_figure(points: Sequence[WorkerPoint]) -> go.Figure | None:
    """Grouped bars: register mean and health p95 per (users, workers), one colour per mode."""
    if not points:
        return None
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("blocking register mean (ms)", "health p95 (ms)")
    )
    modes = sorted({p.mode for p in points}, key=lambda m: (m != PINNED, m))
    for i, mode in enumerate(modes):
        mine = [p for p in points if p.mode == mode]
        x = [f"{p.users} u · {p.workers} w" for p in mine]
        hover = [p.spread() or "one worker" for p in mine]
        for col, y in ((1, [p.register_ms for p in mine]), (2, [p.health_p95_ms for p in mine])):
            fig.add_trace(
                go.Bar(
                    x=x,
                    y=y,
                    name=mode_label(mode),
                    legendgroup=mode_label(mode),
                    showlegend=col == 1,
                    marker_color=SERIES_COLORS[i % len(SERIES_COLORS)],
                    customdata=hover,
                    hovertemplate="%{x}: %{y:.0f} ms<br>%{customdata}<extra>"
                    + mode_label(mode)
                    + "</extra>",
                ),
                row=1,
                col=col,
            )
    fig.update_layout(barmode="group")
    fig.update_yaxes(type="log")
    return base_layout(fig, "Do more workers help? Blocking, at 5 and 10 users", 440)
