"""Section "Do more workers help?" (issue 9), pure: store rows in, figures and sentences out.

- The per-worker split of every multi-worker cell, as stacked bars (view worker_share: the
  users' requests in the measured window, busiest worker first).
- At 5 and 10 users, blocking: the register mean and the health p95 for each worker count, for
  each connection mode in the store (pinned and spread side by side when both are there).
- One sentence per user count and mode that answers with numbers, each naming the spread it
  rests on; and one per worker count run in both modes, pinned against spread.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.aggregate import Grid, endpoint_kind
from analysis.core.figstyle import SERIES_COLORS, base_layout
from analysis.core.wording import ms, pct, run_command, times

Row = dict[str, Any]
USERS = (5, 10)
PINNED = ("persistent", "shared")
MODE_WORDS = {
    ("persistent", "shared"): "kept-alive connections on one shared socket",
    ("per_request", "shared"): "a new connection per request on one shared socket",
    ("persistent", "reuseport"): "kept-alive connections on a socket per worker",
    ("per_request", "reuseport"): "a new connection per request on a socket per worker",
}


def mode_of(row: Row) -> tuple[str, str]:
    """(load.connections, server.balance) of a row; stores before v4 ran persistent+shared."""
    return (row.get("connections") or "persistent", row.get("balance") or "shared")


def mode_label(mode: tuple[str, str]) -> str:
    return f"{mode[0]} · {mode[1]}"


def mode_words(mode: tuple[str, str]) -> str:
    return MODE_WORDS.get(mode, mode_label(mode))


@dataclass(frozen=True)
class WorkerPoint:
    """Blocking, mixed scenario, one (mode, workers, users): means over repeats."""

    mode: tuple[str, str]
    workers: int
    users: int
    register_ms: float
    health_p95_ms: float
    busiest: float  # the busiest worker's share of requests (nan: unknown)
    used: float  # workers that served >= 5 % (nan: unknown)
    cells: int

    def spread(self) -> str:
        """'busiest worker 27 %, 4 of 4 used' (or '' for one worker / unknown)."""
        if self.workers < 2 or math.isnan(self.busiest):
            return ""
        used = "?" if math.isnan(self.used) else f"{round(self.used)}"
        return f"busiest worker {pct(self.busiest)}, {used} of {self.workers} used"


def _mean(values: Sequence[Any]) -> float:
    clean = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    return fmean(clean) if clean else math.nan


def worker_points(summary: Sequence[Row], users: Sequence[int] = USERS) -> list[WorkerPoint]:
    """cell_summary rows -> one point per (mode, workers, users) of blocking mixed cells."""
    groups: dict[tuple[tuple[str, str], int, int], list[Row]] = defaultdict(list)
    for r in summary:
        if r["hashing"] == "blocking" and r["scenario"] == "mixed" and r["users"] in users:
            groups[(mode_of(r), r["workers"], r["users"])].append(r)
    out = []
    for (mode, w, u), rows in groups.items():
        reg = [r["avg_ms"] for r in rows if endpoint_kind(r["endpoint"]) == "register"]
        hp95 = [r["p95_ms"] for r in rows if endpoint_kind(r["endpoint"]) == "health"]
        out.append(
            WorkerPoint(
                mode=mode,
                workers=w,
                users=u,
                register_ms=_mean(reg),
                health_p95_ms=_mean(hp95),
                busiest=_mean([r.get("busiest_worker_share") for r in rows]),
                used=_mean([r.get("workers_used") for r in rows]),
                cells=len({r["cell_id"] for r in rows}),
            )
        )
    return sorted(out, key=lambda p: (p.users, p.mode != PINNED, p.mode, p.workers))


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
        f"{times(hp)} the health p95 of {lo.workers}"
    )


def _line(p: WorkerPoint) -> str:
    spread = f" ({p.spread()})" if p.spread() else ""
    return (
        f"{p.workers} worker{'s' if p.workers != 1 else ''}: register {ms(p.register_ms)}, "
        f"health p95 {ms(p.health_p95_ms)}{spread}"
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
                    f"gave register {ms(s.register_ms)} and health p95 "
                    f"{ms(s.health_p95_ms)}, against {ms(pin.register_ms)} and "
                    f"{ms(pin.health_p95_ms)} with {mode_label(PINNED)}, the pinned mode "
                    f"({pin.spread()}): {times(s.register_ms / pin.register_ms)} and "
                    f"{times(s.health_p95_ms / pin.health_p95_ms)}."
                )
    if not out:
        out.append(
            "This sweep has no blocking mixed cells at 5 or 10 users with two worker counts "
            "to compare. Run "
            f"`{run_command(grid, workers=[1, 2, 4], users=[5, 10], hashing='blocking')}`."
        )
    modes = {p.mode for p in points}
    if points and PINNED not in modes:
        cmd = run_command(
            grid,
            workers=[1, 2, 4],
            users=[5, 10],
            hashing="blocking",
            **{"load.connections": "persistent", "server.balance": "shared"},
        )
        out.append(f"To see the pinned case beside it, run `{cmd}`.")
    elif points and modes == {PINNED}:
        cmd = run_command(
            grid,
            workers=[1, 2, 4],
            users=[5, 10],
            hashing="blocking",
            **{"load.connections": "per_request"},
        )
        out.append(
            f"Only pinned cells are stored; to see the spread case beside them, run `{cmd}`."
        )
    return out
