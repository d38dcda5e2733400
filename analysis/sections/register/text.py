"""The register section's paragraphs: where registration latency follows the closed-loop
model, and where it departs and by how much."""

from __future__ import annotations

import math
from collections.abc import Sequence

from analysis.core.aggregate import Grid, Point, by_endpoint, strategies
from analysis.core.model import relative_gap
from analysis.core.wording import ms, pct, run_command, spread_note

FOLLOWS = 0.20  # |measured/model - 1| at or below this: "follows the model"


def _users(n: int) -> str:
    return f"{n} user{'s' if n != 1 else ''}"


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
                f"(largest gap at {_users(p.users)}: {ms(p.mean('avg_ms'))} measured, "
                f"{ms(r)} modelled)."
            )
            continue
        if g > 0:
            why = uneven_workers(p) or (
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
