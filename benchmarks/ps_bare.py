"""The operating system's own processor sharing, with nothing else in the way: Poisson arrivals
(given their count, as the open loop sends them) handed to a pool of 40 threads that each run
one bcrypt hash, no HTTP, no event loop, no load generator. Measured mean response against
ideal sharing of the cores on the same arrivals (analysis/core/psim.py) says how far the kernel's
scheduling of these cores is from the ideal, i.e. the floor under what a full cell can reach.
"""

from __future__ import annotations

import itertools
import os
import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import bcrypt

from analysis.core.psim import ps_response_times
from runner.load.arrivals import poisson_times
from runner.serve.hashtime import median_hash_ms

PASSWORD = b"correct-horse-9"


@dataclass(frozen=True)
class BareRun:
    seed: int
    service_ms: float
    measured_ms: float
    ideal_ms: float

    @property
    def ratio(self) -> float:
        return self.measured_ms / self.ideal_ms


def run_once(seed: int, rho: float, seconds: float, rounds: int, cores: int) -> BareRun:
    """One sample: arrivals at ρ x cores / S for `seconds`, each hashed in a thread of 40."""
    s = median_hash_ms(rounds, 7) / 1000
    salt = bcrypt.gensalt(rounds)
    rate = rho * cores / s
    times = list(
        itertools.takewhile(
            lambda t: t < seconds, poisson_times(rate, (seconds,), random.Random(seed))
        )
    )
    ends: list[float] = [0.0] * len(times)

    def job(k: int) -> None:
        bcrypt.hashpw(PASSWORD, salt)
        ends[k] = time.perf_counter()

    with ThreadPoolExecutor(40) as pool:
        t0 = time.perf_counter()
        for k, t in enumerate(times):
            wait = t0 + t - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            pool.submit(job, k)
    measured = statistics.fmean(end - (t0 + t) for end, t in zip(ends, times, strict=True))
    ideal = statistics.fmean(ps_response_times(times, s, cores))
    return BareRun(seed, s * 1000, measured * 1000, ideal * 1000)


def measure(
    runs: int = 3, rho: float = 0.5, seconds: float = 20.0, rounds: int = 10
) -> list[BareRun]:
    cores = len(os.sched_getaffinity(0))
    return [run_once(seed, rho, seconds, rounds, cores) for seed in range(runs)]
