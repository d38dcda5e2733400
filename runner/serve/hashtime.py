"""S, the time of one bcrypt hash at a cost, measured in the runner before a server starts:
once per runner process for the work kinds' calibration target, and once per cell for
`cells.hash_ms` (the report takes the median of those over the sweep when it has no
sequential baseline)."""

from __future__ import annotations

import functools
import statistics
import time

import bcrypt


def median_hash_ms(rounds: int, samples: int = 3) -> float:
    """Median wall time in ms of `samples` single bcrypt hashes at cost `rounds`."""
    salt = bcrypt.gensalt(rounds=rounds)
    times = []
    for _ in range(max(1, samples)):
        t0 = time.perf_counter()
        bcrypt.hashpw(b"correct-horse-9", salt)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


@functools.cache
def hash_ms_for(rounds: int) -> float:
    """The calibration target for this runner process: measured once per cost, before the
    first cell's server starts, so every cell of a kind runs the same calibrated call."""
    return median_hash_ms(rounds)
