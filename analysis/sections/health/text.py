"""The health section's paragraphs: /api/health/ client time = handler time + waiting."""

from __future__ import annotations

import math
from collections.abc import Sequence

from analysis.core.aggregate import Grid, Point, at, by_endpoint, strategies
from analysis.core.wording import ms, pct, run_command, times


def _joined(p: Point) -> str:
    """How many requests both sides logged (summed over repeats), or '?' when unknown."""
    n = p.stats.get("joined_requests")
    return "?" if n is None else f"{round(n.mean * n.n)}"


def health(pts: Sequence[Point], grid: Grid) -> list[str]:
    """/api/health/ client time = server handler time + waiting, with numbers."""
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
        here = at(hp, h, users)
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
        base = [q for q in at(hp, h, low) if q.series == p.series]
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
