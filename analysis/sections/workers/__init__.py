"""Do more workers help? At 5 and 10 users, what more uvicorn workers buy the blocking
strategy per connection mode (points.py), and whether the load reached them (view
worker_share: each worker's share of the users' requests in the measured window)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import duckdb
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.aggregate import Grid
from analysis.core.figstyle import SERIES_COLORS, base_layout
from analysis.core.section import AppliesTo, Context, Section, present
from analysis.core.sources import foreign_note, quiet
from analysis.core.store import rows
from analysis.core.wording import count, ms, run_command, times
from analysis.sections.workers.points import (
    PINNED,
    USERS,
    WorkerPoint,
    mode_label,
    mode_of,
    mode_words,
    worker_points,
)
from app.contract import Row

APPLIES_TO: AppliesTo = "study"


def read(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Per ok cell and server process: its requests and share of the cell's (view
    worker_share: users' requests in the measured window), with the cell's axes."""
    return rows(
        con,
        """
        SELECT w.cell_id, w.pid, w.requests, w.share, c.hashing, c.scenario, c.workers,
               c.users, c."repeat", c.connections, c.balance
        FROM worker_share w JOIN cells c USING (cell_id)
        WHERE list_contains(?, w.cell_id) AND c.status = 'ok'
        ORDER BY c.workers, c.users, c.cell_id, w.requests DESC""",
        [ids],
    )


def build(worker_shares: list[Row], ctx: Context) -> Section:
    pts = worker_points(quiet(ctx.summary))
    return Section(
        "Do more workers help?",
        "At 5 and 10 users, what do more uvicorn workers buy the blocking strategy, and did "
        "the load reach them?",
        present(
            (
                comparison_figure(pts),
                "Blocking register mean and the users' health p95 per worker count (log "
                "scale); one colour per connection mode (load.connections · server.balance).",
            ),
            (
                split_figure(worker_shares),
                "Each multi-worker cell's requests by worker, busiest first (users' requests "
                "in the measured window; the health probe's own are left out).",
            ),
        ),
        sentences(pts, ctx.grid) + ([note] if (note := foreign_note(ctx.cells)) else []),
    )


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
        rows=1, cols=2, subplot_titles=("blocking register mean (ms)", "health p95, users' (ms)")
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


def _answer(lo: WorkerPoint, hi: WorkerPoint) -> str:
    reg, hp = hi.register_ms / lo.register_ms, hi.health_p95_ms / lo.health_p95_ms
    better, worse = {r <= 0.9 for r in (reg, hp)}, {r >= 1.1 for r in (reg, hp)}
    if better == {True}:
        verdict = "more workers helped"
    elif worse == {True}:
        verdict = "more workers made it worse"
    elif True in better and True in worse:
        verdict = "more workers helped one and hurt the other"
    elif reg <= 0.9:
        verdict = "more workers helped registrations only"
    elif hp <= 0.9:
        verdict = "more workers helped health only"
    elif True in worse:
        verdict = "more workers did not help"
    else:
        verdict = "more workers made no difference beyond 10 %"
    return (
        f"{verdict}: {hi.workers} workers gave {times(reg)} the register mean and "
        f"{times(hp)} the users' health p95 of {lo.workers}"
    )


def _line(p: WorkerPoint) -> str:
    spread = f" ({p.spread()})" if p.spread() else ""
    return (
        f"{count(p.workers, 'worker')}: register {ms(p.register_ms)}, "
        f"users' health p95 {ms(p.health_p95_ms)}{spread}"
    )


def sentences(points: Sequence[WorkerPoint], grid: Grid) -> list[str]:
    """One sentence per (users, mode) answering with numbers; pinned against spread."""
    out = []
    for u in sorted({p.users for p in points}):
        for mode in sorted(
            {p.mode for p in points if p.users == u}, key=lambda m: (m != PINNED, m)
        ):
            line = [p for p in points if p.users == u and p.mode == mode]
            if len(line) < 2:
                continue
            lo, hi = line[0], line[-1]
            out.append(
                f"At {u} users with {mode_words(mode)} ({mode_label(mode)}), "
                + "; ".join(_line(p) for p in line)
                + f": {_answer(lo, hi)}."
            )
        for w in sorted({p.workers for p in points if p.users == u and p.workers >= 2}):
            both = {p.mode: p for p in points if p.users == u and p.workers == w}
            spread = [m for m in both if m != PINNED]
            if PINNED not in both or not spread:
                continue
            pin = both[PINNED]
            for m in spread:
                s = both[m]
                out.append(
                    f"With {w} workers at {u} users, {mode_label(m)} ({s.spread()}) "
                    f"gave register {ms(s.register_ms)} and users' health p95 "
                    f"{ms(s.health_p95_ms)}, against {ms(pin.register_ms)} and "
                    f"{ms(pin.health_p95_ms)} with {mode_label(PINNED)}, the pinned mode "
                    f"({pin.spread()}): {times(s.register_ms / pin.register_ms)} and "
                    f"{times(s.health_p95_ms / pin.health_p95_ms)}."
                )
    rerun = {"workers": [1, 2, 4], "users": list(USERS), "hashing": "blocking"}
    if not out:
        out.append(
            "This sweep has no blocking mixed cells at 5 or 10 users with two worker counts "
            f"to compare. Run `{run_command(grid, **rerun)}`."
        )
    modes = {p.mode for p in points}
    if points and PINNED not in modes:
        pinned = dict(zip(("load.connections", "server.balance"), PINNED, strict=True))
        cmd = run_command(grid, **rerun, **pinned)
        out.append(f"To see the pinned case beside it, run `{cmd}`.")
    elif points and modes == {PINNED}:
        cmd = run_command(grid, **rerun, **{"load.connections": "per_request"})
        out.append(
            f"Only pinned cells are stored; to see the spread case beside them, run `{cmd}`."
        )
    return out
