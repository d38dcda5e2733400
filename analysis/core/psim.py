"""Ideal processor sharing, replayed on real arrival times (pure): the reference an open-loop
cell's measured latency below capacity is held against.

Every job needs `service_s` of one core; `cores` cores are shared equally by the jobs present,
none getting more than one core (threads sharing cores). Fed a cell's own intended send
times, it says what an ideal server would have answered on that very sample of arrivals, so
measured / ideal isolates what the real stack adds from the luck of the sample.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def ps_response_times(arrivals: Sequence[float], service_s: float, cores: float) -> list[float]:
    """Response time of each job (in arrival order) under ideal processor sharing."""
    if service_s <= 0 or cores <= 0:
        raise ValueError("service_s and cores must be > 0")
    if not arrivals:
        return []
    origin = min(arrivals)  # epoch times would leave too few bits for the work left
    times = sorted(t - origin for t in arrivals)
    left: dict[int, float] = {}  # job -> work still to do (core-seconds)
    out = [math.nan] * len(times)
    now, i = 0.0, 0
    while i < len(times) or left:
        rate = min(1.0, cores / len(left)) if left else 0.0
        least = min(left.values()) if left else math.inf
        arrive_at = times[i] if i < len(times) else math.inf
        if left and now + least / rate <= arrive_at:  # the smallest job finishes first
            now += least / rate
            left = {k: w - least for k, w in left.items()}
            for k in [k for k, w in left.items() if w <= 1e-12]:
                out[k] = now - times[k]
                del left[k]
        else:  # an arrival first
            left = {k: w - (arrive_at - now) * rate for k, w in left.items()}
            now = arrive_at
            left[i] = service_s
            i += 1
    return out
