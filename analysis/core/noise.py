"""Pure statistics for a verdict that knows its noise: distribution-free confidence intervals of
quantiles and the Mann-Whitney U rank test, on the raw request rows (no numpy, no scipy).

- `quantile_ci`: the 95 % interval of a quantile from order statistics (binomial ranks, normal
  approximation), valid for any distribution, so a p95 from 20 samples gets the wide interval
  it deserves.
- `mann_whitney_p`: two-sided p value of the U test (normal approximation with tie correction),
  as asv uses to flag a regression.
- `compare`: A is faster than B beyond noise when U says so (p < ALPHA), their median
  intervals do not overlap, and A's median is at least FACTOR lower.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054
ALPHA = 0.01
FACTOR = 1.10  # a difference smaller than 10 % is not called one, however many samples


def quantile(xs: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile (as DuckDB's quantile_cont) of unsorted data."""
    if not xs:
        return math.nan
    s = sorted(xs)
    pos = q * (len(s) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def quantile_ci(xs: Sequence[float], q: float, z: float = Z95) -> tuple[float, float]:
    """Distribution-free ~95 % interval of the q-quantile: order statistics at ranks
    n q -/+ z sqrt(n q (1-q)), clamped to the data (so small n gives the whole range)."""
    n = len(xs)
    if n == 0:
        return (math.nan, math.nan)
    s = sorted(xs)
    half = z * math.sqrt(n * q * (1 - q))
    lo = max(0, math.floor(n * q - half) - 1)
    hi = min(n - 1, math.ceil(n * q + half))
    return (s[lo], s[hi])


def _normal_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def mann_whitney_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p value of the Mann-Whitney U test (normal approximation, tie-corrected,
    continuity-corrected). nan when either side is empty."""
    n1, n2 = len(a), len(b)
    if not n1 or not n2:
        return math.nan
    pooled = sorted([(x, 0) for x in a] + [(x, 1) for x in b])
    n = n1 + n2
    ranks_a = 0.0
    ties = 0.0
    i = 0
    while i < n:
        j = i
        while j + 1 < n and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        rank = (i + j) / 2 + 1
        t = j - i + 1
        ties += t**3 - t
        ranks_a += rank * sum(1 for k in range(i, j + 1) if pooled[k][1] == 0)
        i = j + 1
    u = ranks_a - n1 * (n1 + 1) / 2
    mu = n1 * n2 / 2
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))) if n > 1 else 0.0
    if var <= 0:
        return 1.0
    z = (abs(u - mu) - 0.5) / math.sqrt(var)
    return min(1.0, 2 * _normal_sf(max(z, 0.0)))


@dataclass(frozen=True)
class Sample:
    """One strategy's raw response times (ms) at the comparison point."""

    name: str
    xs: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.xs)

    @property
    def median(self) -> float:
        return quantile(self.xs, 0.5)

    @property
    def median_ci(self) -> tuple[float, float]:
        return quantile_ci(self.xs, 0.5)

    @property
    def p95(self) -> float:
        return quantile(self.xs, 0.95)

    @property
    def p95_ci(self) -> tuple[float, float]:
        return quantile_ci(self.xs, 0.95)


def faster(a: Sample, b: Sample) -> bool:
    """a's times are lower than b's beyond noise (see the module doc)."""
    if a.n < 2 or b.n < 2:
        return False
    (_, a_hi), (b_lo, _) = a.median_ci, b.median_ci
    return a_hi < b_lo and a.median * FACTOR <= b.median and mann_whitney_p(a.xs, b.xs) < ALPHA


@dataclass(frozen=True)
class Ranking:
    best: str | None  # faster than every other, beyond noise
    worst: str | None  # slower than every other, beyond noise
    ties: list[list[str]]  # the rest, in groups none of whose members differ beyond noise
    beats: set[tuple[str, str]]  # (faster, slower) pairs beyond noise


def rank(samples: Sequence[Sample]) -> Ranking:
    """Who is faster than whom beyond noise; best/worst only when they hold against all."""
    named = [s for s in samples if s.n]
    beats = {(a.name, b.name) for a in named for b in named if a is not b and faster(a, b)}
    names = [s.name for s in sorted(named, key=lambda s: s.median)]
    others = lambda x: [y for y in names if y != x]  # noqa: E731
    best = next(
        (x for x in names if len(names) > 1 and all((x, y) in beats for y in others(x))), None
    )
    worst = next(
        (x for x in names if len(names) > 1 and all((y, x) in beats for y in others(x))), None
    )
    rest = [x for x in names if x not in (best, worst)]
    ties: list[list[str]] = []
    for x in rest:  # in median order: join the first group it differs from in nothing
        for g in ties:
            if all((x, y) not in beats and (y, x) not in beats for y in g):
                g.append(x)
                break
        else:
            ties.append([x])
    return Ranking(best, worst, ties, beats)
