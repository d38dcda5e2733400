"""How close does each strategy come to the machine's limit, cores / S? The best measured
registrations/s of each against that ceiling."""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.aggregate import Grid, Point, by_endpoint, lines, strategies
from analysis.core.figstyle import (
    USERS_AXIS,
    LegendOnce,
    base_layout,
    error_bars,
    series_colors,
    values,
)
from analysis.core.fixes import FixRow
from analysis.core.section import AppliesTo, Context, Section, present, read_nothing
from analysis.core.service import describe
from analysis.core.sources import foreign_note
from analysis.core.wording import best_of_ceiling, more_strategies, ms, num, run_command

APPLIES_TO: AppliesTo = "study"
read = read_nothing


def build(data: None, ctx: Context) -> Section:
    return Section(
        "Throughput and the machine's limit",
        "How close does each strategy come to the machine's limit (cores / time of one hash)?",
        present(
            (
                figure(ctx.load, ctx.fixes),
                "Measured registrations/s, the model's X = min(N, c)/S, and the ceiling cores/S.",
            )
        ),
        paragraphs(ctx.fixes, ctx.grid)
        + [describe(s) + "." for s in ctx.service.values()]
        + ([note] if (note := foreign_note(ctx.cells)) else []),
    )


def figure(pts: Sequence[Point], rows: Sequence[FixRow]) -> go.Figure | None:
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
        for s, line in lines(rp, h):
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


def paragraphs(rows: Sequence[FixRow], grid: Grid) -> list[str]:
    """Each strategy's best register rps as a fraction of cpu_count / S."""
    rows = [r for r in rows if not math.isnan(r.best_rps)]
    if not rows:
        return [
            "No registrations are stored for this sweep. Run "
            f"`{run_command(grid, scenario='mixed')}`."
        ]
    r0 = rows[0]
    cores = r0.cores
    out = [
        f"The model's ceiling is {cores} cores / S = {cores} / {ms(r0.hash_ms)} = "
        f"{num(r0.ceiling_rps)} registrations/s: every core registering all the time, at S. "
        "A strategy's own ceiling is the cores over the server CPU its best cell spent per "
        "registration: the same limit on the machine as fast as it was during that cell (the "
        "cells' own hashes, in the header, show how much that moved), so the fraction of it is "
        "the share of the cores the server kept busy."
    ]
    parts = [
        f"{r.hashing} {num(r.best_rps)}/s at {r.best_at[0]} w, {r.best_at[1]} users: "
        f"{best_of_ceiling(r)}"
        for r in rows
    ]
    out.append("Best measured throughput: " + "; ".join(parts) + ".")
    if len(rows) < 2:
        out.append(
            f"To compare strategies, run `{run_command(grid, hashing=more_strategies(grid))}`."
        )
    return out
