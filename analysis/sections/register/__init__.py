"""How does registration latency change with concurrency? Measured against the closed-loop
model R = N·S / min(N, c)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

from analysis.core.aggregate import Grid, Point, by_endpoint, lines, strategies
from analysis.core.cores import core_bound, cores_note
from analysis.core.figstyle import (
    USERS_AXIS,
    LegendOnce,
    base_layout,
    error_bars,
    facets,
    series_colors,
    values,
)
from analysis.core.model import relative_gap
from analysis.core.section import Answer, AppliesTo, Context, Section, present, read_nothing
from analysis.core.sources import foreign_note
from analysis.core.wording import count, ms, pct, run_command, spread_note

APPLIES_TO: AppliesTo = "study"
read = read_nothing


def build(data: None, ctx: Context) -> Section:
    return Section(
        "Registration latency vs concurrency",
        "How does the average response time of /api/users/register/ change with concurrency?",
        present(
            (
                figure(ctx.quiet_load),
                "Measured mean (solid) and p95 "
                "(dotted) against the closed-loop model (dashed) with the report's S (one "
                "registration alone, see the header); c = min(workers, cores) for blocking, "
                "cores for "
                "the strategies that hash off the loop. Dash-dot (blocking, 2+ "
                "workers): the model with c = min(workers used, cores), the workers "
                "that served >= 5 % of the requests.",
            )
        ),
        registration(ctx.quiet_load, ctx.grid)
        + ([note] if (note := foreign_note(ctx.cells)) else []),
        answers=answer(ctx.quiet_load),
    )


def answer(pts: Sequence[Point]) -> list[Answer]:
    """Register vs concurrency in one paragraph: per strategy's first line, the mean at the
    lowest and highest user count against the model."""
    gaps = model_gaps(pts)
    if not gaps:
        return []
    users, low = max(p.users for p, _, _ in gaps), min(p.users for p, _, _ in gaps)
    parts = []
    for h in strategies([p for p, _, _ in gaps]):
        mine = [(p, r) for p, r, _ in gaps if p.hashing == h]
        series = min(p.series for p, _ in mine)
        ends = {p.users: (p, r) for p, r in mine if p.series == series and p.users in (low, users)}
        if users not in ends:
            continue
        p, r = ends[users]
        text = f"{h} ({series}): {ms(p.mean('avg_ms'))} at {users} users (model {ms(r)})"
        if low in ends and low != users:
            text += f", from {ms(ends[low][0].mean('avg_ms'))} at {count(low, 'user')}"
        parts.append(text)
    s_ms = gaps[0][0].hash_ms
    return [
        Answer(
            "Register vs concurrency",
            "Registration time grows with users; against the closed-loop model "
            f"R = N·S / min(N, c) (S = {ms(s_ms)}): " + "; ".join(parts) + ".",
        )
    ]


def model_with_workers_used(line: Sequence[Point]) -> list[float] | None:
    """Model R of a blocking multi-worker line with c = min(workers used, cores), as a worker
    the load never reached hashes nothing; None for other lines or when no point knows its
    workers used."""
    if not line or line[0].hashing != "blocking" or line[0].workers < 2:
        return None
    if all(p.workers_used is None for p in line):
        return None
    return [p.model(served=True).response_ms for p in line]


def figure(pts: Sequence[Point]) -> go.Figure | None:
    """Register avg (solid) and p95 (dotted) vs users beside the closed-loop model R = N/X
    (dashed), one panel per strategy."""
    rp = [p for p in by_endpoint(pts, "register") if p.hash_ms == p.hash_ms and p.hash_ms]
    if not rp:
        return None
    fig, cols = facets(rp, ["register"], lambda _e, h: h)
    colors = series_colors([p.series for p in rp])
    legend = LegendOnce()
    for j, h in enumerate(cols, start=1):
        for s, line in lines(rp, h):
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


FOLLOWS = 0.20  # |measured/model - 1| at or below this: "follows the model"


def model_gaps(pts: Sequence[Point]) -> list[tuple[Point, float, float]]:
    """(point, model R in ms, relative gap of the measured mean to it) for register points."""
    out = []
    for p in by_endpoint(pts, "register"):
        if math.isnan(p.hash_ms) or not p.hash_ms or math.isnan(p.mean("avg_ms")):
            continue
        r = p.model().response_ms
        out.append((p, r, relative_gap(p.mean("avg_ms"), r)))
    return out


def uneven_workers(p: Point) -> str | None:
    """Why a multi-worker point is slow when one worker took most of the load (else None)."""
    share = p.mean("busiest_worker_share")
    if p.workers < 2 or math.isnan(share) or share < 1.5 / p.workers:
        return None
    return (
        f"the load did not spread over the {p.workers} workers: the busiest served "
        f"{pct(share)} of the requests (a kept-alive connection stays on the worker that "
        "accepted it, and a blocked worker still accepts new ones; "
        "load.connections=per_request spreads it)"
    )


def registration(pts: Sequence[Point], grid: Grid) -> list[str]:
    """Where measured registration latency follows the closed-loop model, and where it
    departs and by how much."""
    gaps = model_gaps(pts)
    if not gaps:
        return [
            "No registrations are stored for this sweep. Run "
            f"`{run_command(grid, scenario='mixed')}`."
        ]
    out = []
    lines = sorted(
        {(p.hashing, p.series) for p, _, _ in gaps},
        key=lambda k: (strategies([p for p, _, _ in gaps]).index(k[0]), k[1]),
    )
    for h, series in lines:
        mine = [(p, r, g) for p, r, g in gaps if p.hashing == h and p.series == series]
        p, r, g = max(mine, key=lambda x: abs(x[2]))
        c = p.model().servers
        spread = f" {spread_note(p)}" if spread_note(p) else ""
        head = f"{h}, {series} (S = {ms(p.hash_ms)}, c = {c}){spread}:"
        if abs(g) <= FOLLOWS:
            out.append(
                f"{head} follows the model within {pct(abs(g))} at every user count "
                f"(largest gap at {count(p.users, 'user')}: {ms(p.mean('avg_ms'))} measured, "
                f"{ms(r)} modelled)."
            )
            continue
        if g > 0:
            why = uneven_workers(p) or (
                "time beyond the hashes: cores shared with the load generator and the "
                "other workers, queueing, the database write"
            )
            if core_bound(p):
                why += f"; {cores_note(p)}"
        else:
            why = "hashes ran faster during the cell than the S used by the model"
        used = p.model(served=True)
        if used.servers < c:
            why += (
                f"; with c = {used.servers}, the workers that served, the model gives "
                f"{ms(used.response_ms)}"
            )
        ok = [x for x in mine if abs(x[2]) <= FOLLOWS]
        follows = (
            f" It follows within {pct(FOLLOWS)} at users = "
            f"{', '.join(str(x[0].users) for x in ok)}."
            if ok
            else ""
        )
        out.append(
            f"{head} departs most at {count(p.users, 'user')}: {ms(p.mean('avg_ms'))} measured "
            f"against {ms(r)} modelled ({pct(g, signed=True)}): {why}.{follows}"
        )
    if len(grid.values("users")) < 2:
        out.append(
            f"One user count cannot show the trend; run `{run_command(grid, users=[1, 2, 5, 10])}`."
        )
    return out
