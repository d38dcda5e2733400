"""Pure: what a figure owes to the machine's core count, so that a reader can reconcile it with
a figure measured on another machine (the seed's, or their own).

A blocking multi-worker cell hashes on at most min(workers, cores) cores at once; with as many
cores as workers (or users, if fewer) the same cell would hash on min(workers, users).
"""

from __future__ import annotations

from analysis.core.aggregate import Point
from analysis.core.model import closed_loop
from analysis.core.wording import ms

# The seed's own README figure for 4 workers x 5 users, blocking, on its (larger) machine: the
# figure a reader who knows the seed compares ours with.
SEED = {"workers": 4, "users": 5, "health_ms": 13.0, "register_ms": 267.0, "s_ms": 243.0}


def core_bound(p: Point) -> bool:
    """Does this point's figure depend on the core count (blocking, more workers than cores
    could serve at once)?"""
    return p.hashing == "blocking" and p.workers > 1 and p.cpu_count < min(p.workers, p.users)


def cores_note(p: Point) -> str:
    """How many cores the cell had, how many its workers could have used, and the model's
    registration mean here and with that many cores."""
    could = min(p.workers, p.users)
    here = closed_loop(p.users, p.hash_ms, p.workers, p.cpu_count, p.hashing, p.work)
    more = closed_loop(p.users, p.hash_ms, p.workers, could, p.hashing, p.work)
    return (
        f"this machine gave the cell {p.cpu_count} cores, its {p.workers} workers could have "
        f"hashed on {could} at once; the closed-loop model gives a registration mean of "
        f"{ms(here.response_ms)} here and {ms(more.response_ms)} with {could} cores"
    )
