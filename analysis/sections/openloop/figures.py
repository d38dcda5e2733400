"""Plotly figures of "Open vs closed load": latency over time per offered rate (with the
queue model above capacity), and closed-loop p99 next to open-loop p99 at the same throughput."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.figstyle import SERIES_COLORS, LegendOnce, base_layout
from analysis.sections.openloop.model import (
    HEALTH,
    REGISTER,
    Gap,
    group_label,
    group_of,
    model_slope,
    register_share,
    utilisation,
)

Row = dict[str, Any]


def rate_label(c: Row) -> str:
    rho = utilisation(c)
    load = "" if math.isnan(rho) else f" (ρ = {rho:.2f})"
    return f"λ = {c['rate']:g}/s{load}"


def timeline(cells: Sequence[Row], series: Sequence[Row]) -> go.Figure | None:
    """Mean latency from the intended time per 1-s bin, one panel per pair, one line per
    offered rate; above capacity the model's S + (λ − μ)/μ · t dashed in the same colour."""
    cells = [c for c in cells if any(r["cell_id"] == c["cell_id"] for r in series)]
    if not cells:
        return None
    groups = list(dict.fromkeys(group_of(c) for c in cells))
    first = {g: next(c for c in cells if group_of(c) == g) for g in groups}
    fig = make_subplots(
        rows=len(groups),
        cols=1,
        vertical_spacing=0.12 / max(1, len(groups) - 1) if len(groups) > 1 else 0.1,
        subplot_titles=[group_label(first[g]) for g in groups],
    )
    legend = LegendOnce()
    for i, g in enumerate(groups, start=1):
        mine = [c for c in cells if group_of(c) == g]
        for j, c in enumerate(mine):
            color = SERIES_COLORS[j % len(SERIES_COLORS)]
            endpoint = REGISTER if register_share(c["scenario"]) > 0 else HEALTH
            pts = [r for r in series if r["cell_id"] == c["cell_id"] and r["endpoint"] == endpoint]
            name = rate_label(c)
            fig.add_trace(
                go.Scatter(
                    x=[r["t_s"] for r in pts],
                    y=[r["latency_avg_ms"] / 1000 for r in pts],
                    mode="lines+markers",
                    line={"color": color},
                    marker={"size": 4},
                    name=name,
                    legendgroup=name,
                    showlegend=legend(name),
                ),
                row=i,
                col=1,
            )
            slope = model_slope(c)
            if pts and slope > 0:
                s = float(c["service_ms"]) / 1000
                end = max(r["t_s"] for r in pts) + 1
                fig.add_trace(
                    go.Scatter(
                        x=[0, end],
                        y=[s, s + slope * end],
                        mode="lines",
                        line={"color": color, "dash": "dash"},
                        name=f"model {name}",
                        legendgroup=name,
                        showlegend=legend(f"model {name}"),
                    ),
                    row=i,
                    col=1,
                )
            warm = (c.get("t_measure_start") or 0) - (c.get("t_load_start") or 0)
            if warm > 0 and j == 0:
                fig.add_vrect(x0=0, x1=warm, fillcolor="#eeeeee", line_width=0, row=i, col=1)
        fig.update_yaxes(title_text="latency from intended (s)", row=i, col=1)
    fig.update_xaxes(title_text="s since the first arrival (grey: warm-up)", row=len(groups))
    return base_layout(fig, "Latency over time at each offered rate", 280 * len(groups) + 120)


def gap_bars(gaps: Sequence[Gap]) -> go.Figure | None:
    """Per pair and endpoint: closed-loop p99, open-loop p99 from the actual send, and from
    the intended time, at about the same achieved throughput."""
    if not gaps:
        return None
    x = [f"{g.label}<br>{g.endpoint} @ {g.opened['achieved_rps']:.1f}/s" for g in gaps]
    fig = go.Figure()
    bars = (
        ("closed loop p99", [g.closed_p99_ms for g in gaps], "#7f7f7f"),
        ("open loop p99 from send", [g.open_send_p99_ms for g in gaps], "#9ecae1"),
        ("open loop p99 from intended", [g.open_p99_ms for g in gaps], "#c0392b"),
    )
    for name, ys, color in bars:
        fig.add_trace(go.Bar(x=x, y=ys, name=name, marker_color=color))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="p99 (ms)", type="log")
    return base_layout(fig, "The coordinated-omission gap at the same throughput", 420)
