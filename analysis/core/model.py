"""Pure numbers: the closed-loop queueing model, M/M/c, and means with 95 % CIs.

The model: N users with no think time, one bcrypt hash of S ms per request, and c servers:
c = min(workers, cpu_count) for `blocking` (each worker hashes on its own loop), or
c = min(workers used, cpu_count) when the workers that really served are known (a worker
that served < 5 % of the requests does not count: view worker_share); c = cpu_count for the
strategies that hash in a thread or process pool. Throughput X = min(N, c) / S and, by
Little's law for a closed system, mean response time R = N / X.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from analysis.core.ceilings import closed_loop_ceiling_rps, pair
from app.contract import HASHINGS, WORKS

# Two-sided 95 % Student t quantiles t(0.975, df) for small df; beyond the table, 1.96.
_T95 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    11: 2.201,
    12: 2.179,
    13: 2.160,
    14: 2.145,
    15: 2.131,
    16: 2.120,
    17: 2.110,
    18: 2.101,
    19: 2.093,
    20: 2.086,
    25: 2.060,
    30: 2.042,
    40: 2.021,
    60: 2.000,
    120: 1.980,
}


@dataclass(frozen=True)
class ModelPoint:
    servers: int
    throughput_rps: float
    response_ms: float


@dataclass(frozen=True)
class MeanCI:
    mean: float
    low: float
    high: float
    n: int


def servers(
    workers: int,
    cpu_count: int,
    hashing: str = "blocking",
    work: str = "bcrypt",
    workers_used: int | None = None,
) -> int:
    """c, the hashes that can run at once (see the module doc); work kinds other than bcrypt
    follow analysis/core/ceilings.py's table (default pool size and thread limit)."""
    if work != "bcrypt" and work in WORKS and hashing in HASHINGS:
        return pair(work, hashing, workers=max(1, workers), cores=max(1, cpu_count)).executors
    if hashing != "blocking":
        return max(1, cpu_count)
    serving = workers if workers_used is None else min(workers, workers_used)
    return max(1, min(serving, cpu_count))


def closed_loop(
    users: int,
    service_ms: float,
    workers: int,
    cpu_count: int,
    hashing: str = "blocking",
    work: str = "bcrypt",
    workers_used: int | None = None,
) -> ModelPoint:
    """Throughput X = min(N, c)/S and mean response R = N/X for N users with no think time."""
    if users < 1 or service_ms <= 0:
        raise ValueError("users must be >= 1 and service_ms > 0")
    c = servers(workers, cpu_count, hashing, work, workers_used)
    throughput = closed_loop_ceiling_rps(users, c, service_ms)
    return ModelPoint(c, throughput, response_ms=users * service_ms / min(users, c))


def erlang_c(c: int, a: float) -> float:
    """M/M/c: the probability that an arrival waits, offered load a = λ·S erlangs (a < c)."""
    if c < 1 or not 0 <= a < c:
        raise ValueError("need c >= 1 and 0 <= a < c")
    term, total = 1.0, 1.0  # a^k / k! summed for k < c
    for k in range(1, c):
        term *= a / k
        total += term
    top = term * a / c / (1 - a / c)  # a^c / c! / (1 - ρ)
    return top / (total + top)


def mmc_response_ms(c: int, rho: float, service_ms: float) -> float:
    """Mean response of M/M/c at utilisation ρ per server: S + C(c, cρ)·S / (c(1 − ρ)).
    c threads sharing c cores (processor sharing) have the same mean for any distribution of
    S; first-come servers with a fixed S wait less (M/D/c)."""
    return service_ms * (1 + erlang_c(c, c * rho) / (c * (1 - rho)))


def t95(df: int) -> float:
    """Two-sided 95 % Student t quantile; the next smaller tabulated df is conservative."""
    if df < 1:
        raise ValueError("df must be >= 1")
    return _T95[max(k for k in _T95 if k <= df)] if df <= 120 else 1.96


def known(values: Iterable[Any]) -> list[float]:
    """The values that were measured: None and NaN left out."""
    return [float(v) for v in values if v is not None and not math.isnan(v)]


def mean_of(values: Iterable[Any]) -> float:
    """Mean of the measured values; NaN when there is none."""
    clean = known(values)
    return statistics.fmean(clean) if clean else math.nan


def mean_ci(values: Sequence[float]) -> MeanCI:
    """Mean and 95 % confidence interval (Student t) of replicate values; n=1 gives no width."""
    clean = known(values)
    if not clean:
        return MeanCI(math.nan, math.nan, math.nan, 0)
    mean = statistics.fmean(clean)
    if len(clean) == 1:
        return MeanCI(mean, mean, mean, 1)
    half = t95(len(clean) - 1) * statistics.stdev(clean) / math.sqrt(len(clean))
    return MeanCI(mean, mean - half, mean + half, len(clean))


def relative_gap(measured: float, expected: float) -> float:
    """(measured - expected) / expected: +0.25 means 25 % above the expectation."""
    if expected == 0:
        raise ValueError("expected must be non-zero")
    return (measured - expected) / expected
