"""Pure: the paragraphs of sections 1-4 (data in, sentences out; every number from the data).
A section without the data it needs says the exact command that would produce it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from analysis.core.aggregate import Grid, Point, by_endpoint, strategies
from analysis.core.model import relative_gap
from analysis.core.wording import more_strategies, ms, pct, run_command, times

Row = dict[str, Any]
FOLLOWS = 0.20  # |measured/model - 1| at or below this: "follows the model"


def _users(n: int) -> str:
    return f"{n} user{'s' if n != 1 else ''}"


def _load_at(c: Row) -> str:
    w = c["workers"]
    return f"{w} worker{'s' if w != 1 else ''}, {c['users']} users"


def blocked_loop(
    reps: Mapping[str, Row], worst: Mapping[str, Row], stalls: Mapping[str, Row], grid: Grid
) -> list[str]:
    """Section 1: how late the loop woke, and the stall per registration against S.
    reps: strategy -> representative cell; worst: cell_id -> its worst worker's lag row;
    stalls: cell_id -> stall row (stalls, stall_total_ms, registrations)."""
    out = []
    per_reg: dict[str, float] = {}
    for h, c in reps.items():
        w = worst.get(c["cell_id"])
        if w is None:
            continue
        s = stalls.get(c["cell_id"], {})
        hash_ms = c.get("hash_ms") or math.nan
        text = (
            f"{h} ({_load_at(c)}): the worst worker's loop woke up to {ms(w['max_ms'])} "
            f"late (p99 {ms(w['p99_ms'])}); the longest stall lasted "
            f"{times(w['max_ms'] / hash_ms)} the single-hash time S = {ms(hash_ms)}."
        )
        regs = s.get("registrations") or 0
        if regs:
            per_reg[h] = s.get("stall_total_ms", 0.0) / regs
            text += (
                f" Wake-ups more than 5 ms late add up to {ms(s.get('stall_total_ms'))} "
                f"over {regs} registrations served: {ms(per_reg[h])} of stalled loop per "
                f"registration ({times(per_reg[h] / hash_ms)} S)."
            )
        else:
            text += " No registration was served in this cell."
        out.append(text)
    if not out:
        return [
            f"No loop-lag samples are stored for this sweep. Run `{run_command(grid)}` "
            "with the app's instrumentation on (the default) to record them."
        ]
    base = per_reg.get("blocking")
    others = [(h, v) for h, v in per_reg.items() if h != "blocking" and v > 0]
    if base and others:
        out.append(
            "Per registration served, the loop stalled "
            + ", ".join(f"{times(base / v)} less under {h}" for h, v in others)
            + " than under blocking; "
            "what remains is the loop waiting for a core that the hashing threads or "
            "processes hold."
        )
    if len(reps) < 2:
        out.append(
            "Only one hashing strategy was run; to see a fix beside it, run "
            f"`{run_command(grid, hashing=more_strategies(grid))}`."
        )
    return out


def _joined(p: Point) -> str:
    """How many requests both sides logged (summed over repeats), or '?' when unknown."""
    n = p.stats.get("joined_requests")
    return "?" if n is None else f"{round(n.mean * n.n)}"


def _at(pts: Sequence[Point], h: str, users: int) -> list[Point]:
    return [p for p in pts if p.hashing == h and p.users == users]


def responsiveness(pts: Sequence[Point], grid: Grid) -> list[str]:
    """Section 2: client percentiles per endpoint at the highest load, and their growth."""
    if not pts:
        return [f"No client requests are stored for a load scenario. Run `{run_command(grid)}`."]
    users = max(p.users for p in pts)
    low = min(p.users for p in pts)
    out = []
    for h in strategies(pts):
        parts = [
            f"{p.endpoint} p95 {ms(p.mean('p95_ms'))} (p99 {ms(p.mean('p99_ms'))}, "
            f"n = {p.requests}) with {p.series}" + (f" {spread_note(p)}" if spread_note(p) else "")
            for p in _at(pts, h, users)
        ]
        text = f"At {users} users, {h}: " + "; ".join(parts) + "."
        grow = [
            (p, q)
            for p in _at(pts, h, users)
            for q in _at(pts, h, low)
            if users != low and p.series == q.series and p.endpoint == q.endpoint
        ]
        if grow:
            p, q = max(grow, key=lambda pq: pq[0].mean("p95_ms") / max(pq[1].mean("p95_ms"), 1e-9))
            text += (
                f" From {low} to {users} users its {p.endpoint} p95 ({p.series}) went from "
                f"{ms(q.mean('p95_ms'))} to {ms(p.mean('p95_ms'))} "
                f"({times(p.mean('p95_ms') / q.mean('p95_ms'))})."
            )
        out.append(text)
    failed = [p for p in pts if p.failures]
    if failed:
        total = sum(p.failures for p in failed)
        where = ", ".join(
            f"{p.hashing} {p.series} {p.users} u {p.endpoint} ({p.failures})" for p in failed[:6]
        )
        out.append(
            f"{total} request{'s' if total != 1 else ''} failed (marked ✕ in the figure): {where}."
        )
    else:
        out.append("No request failed in any cell.")
    if len(grid.values("users")) < 2:
        out.append(
            "Only one user count was run; to see how latency grows with load, run "
            f"`{run_command(grid, users=[1, 5, 10])}`."
        )
    return out


def health(pts: Sequence[Point], grid: Grid) -> list[str]:
    """Section 3: /api/health/ client time = server handler time + waiting, with numbers."""
    hp = by_endpoint(pts, "health")
    if not hp:
        return [
            "No /api/health/ requests ran beside registrations in this sweep. Run "
            f"`{run_command(grid, scenario='mixed')}` (register:health = 5:1)."
        ]
    users = max(p.users for p in hp)
    low = min(p.users for p in hp)
    out = []
    for h in strategies(hp):
        here = _at(hp, h, users)
        p = max(here, key=lambda p: p.mean("avg_ms"))
        client, server = p.mean("joined_client_ms"), p.mean("joined_server_ms")
        wait = p.mean("joined_wait_ms")
        text = (
            f"{h}, {users} users, {p.series}: /api/health/ took {ms(client)} on average at "
            f"the client (over the {_joined(p)} requests both sides logged, of "
            f"n = {p.requests} measured); the server's handler took "
            f"{ms(server)} of it and {ms(wait)} ({pct(wait / client if client else math.nan)}"
            ") was waiting: in the socket, for the event loop to be free, and on the wire."
        )
        base = [q for q in _at(hp, h, low) if q.series == p.series]
        if base and users != low:
            q = base[0]
            text += (
                f" At {low} user{'s' if low != 1 else ''} the same line took "
                f"{ms(q.mean('avg_ms'))} on average (n = {q.requests}), against "
                f"{ms(p.mean('avg_ms'))} here "
                f"({times(p.mean('avg_ms') / q.mean('avg_ms'))})."
            )
        out.append(text)
    if len(hp) == len(strategies(hp)):
        out.append(
            "Each strategy ran at one load only; run "
            f"`{run_command(grid, users=[1, 5, 10], workers=[1, 2])}` to see the trend."
        )
    return out


def model_gaps(pts: Sequence[Point]) -> list[tuple[Point, float, float]]:
    """(point, model R in ms, relative gap of the measured mean to it) for register points."""
    out = []
    for p in by_endpoint(pts, "register"):
        if math.isnan(p.hash_ms) or not p.hash_ms or math.isnan(p.mean("avg_ms")):
            continue
        r = p.model().response_ms
        out.append((p, r, relative_gap(p.mean("avg_ms"), r)))
    return out


def spread_note(p: Point) -> str:
    """What spread a multi-worker point rests on: '(busiest worker 52 %, 2 of 2 used)'; ''
    for one worker or when the store has no per-worker rows."""
    share, used = p.mean("busiest_worker_share"), p.workers_used
    if p.workers < 2 or math.isnan(share):
        return ""
    return f"(busiest worker {pct(share)}, {used} of {p.workers} used)"


def uneven_workers(
    p: Point, shares: Mapping[tuple[str, int, int], float] | None = None
) -> str | None:
    """Why a multi-worker point is slow when one worker took most of the load (else None).
    The point's own busiest_worker_share wins; `shares` ((hashing, workers, users) -> share)
    is the fallback for points without it."""
    share: float | None = p.mean("busiest_worker_share")
    if share is None or math.isnan(share):
        share = (shares or {}).get((p.hashing, p.workers, p.users))
    if p.workers < 2 or share is None or share < 1.5 / p.workers:
        return None
    return (
        f"the load did not spread over the {p.workers} workers: the busiest served "
        f"{pct(share)} of the requests (a kept-alive connection stays on the worker that "
        "accepted it, and a blocked worker still accepts new ones; "
        "load.connections=per_request spreads it)"
    )


def registration(
    pts: Sequence[Point], grid: Grid, shares: Mapping[tuple[str, int, int], float] | None = None
) -> list[str]:
    """Section 4: where measured registration latency follows the closed-loop model, and where
    it departs and by how much. shares: (hashing, workers, users) -> busiest worker's share."""
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
                f"(largest gap at {_users(p.users)}: {ms(p.mean('avg_ms'))} measured, "
                f"{ms(r)} modelled)."
            )
            continue
        if g > 0:
            why = uneven_workers(p, shares or {}) or (
                "time beyond the hashes: cores shared with the load generator and the "
                "other workers, queueing, the database write"
            )
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
            f"{head} departs most at {_users(p.users)}: {ms(p.mean('avg_ms'))} measured "
            f"against {ms(r)} modelled ({pct(g, signed=True)}): {why}.{follows}"
        )
    if len(grid.values("users")) < 2:
        out.append(
            f"One user count cannot show the trend; run `{run_command(grid, users=[1, 2, 5, 10])}`."
        )
    return out
