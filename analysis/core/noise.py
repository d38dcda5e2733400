"""Pure statistics for a verdict that knows its noise, on the raw request rows; the tests and
intervals are SciPy's, only the decision rule (`differs`, `faster`) is ours.

- `quantile_ci`: the 95 % distribution-free interval of a quantile from order statistics
  (`scipy.stats.quantile_test`, exact binomial), clamped to the data where it is unbounded, so a
  p95 from 20 samples gets the wide interval it deserves.
- `mann_whitney_p`: two-sided p value of the U test (`scipy.stats.mannwhitneyu`,
  `method="auto"`: exact for small samples without ties, else the tie-corrected normal
  approximation), as asv uses to flag a regression.
- `lower_beyond_noise` / `faster`: A is lower than B beyond noise when U says so (p < ALPHA), their
  intervals do not overlap, and A is at least FACTOR lower.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

ALPHA = 0.01
FACTOR = 1.10  # a difference smaller than 10 % is not called one, however many samples
CONFIDENCE = 0.95


def quantile(xs: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile (as DuckDB's quantile_cont) of unsorted data."""
    if not xs:
        return math.nan
    s = sorted(xs)
    pos = q * (len(s) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def quantile_ci(
    xs: Sequence[float], q: float, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Distribution-free interval of the q-quantile from order statistics (SciPy's
    `quantile_test`, exact binomial ranks); an end that n samples cannot bound is the data's
    minimum or maximum (so small n gives the whole range)."""
    if not xs:
        return (math.nan, math.nan)
    if len(xs) == 1:
        return (float(xs[0]), float(xs[0]))
    ci = stats.quantile_test(list(xs), q=0.0, p=q).confidence_interval(confidence)
    lo, hi = float(ci.low), float(ci.high)
    return (min(xs) if math.isnan(lo) else lo, max(xs) if math.isnan(hi) else hi)


def mann_whitney_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p value of the Mann-Whitney U test (SciPy, `method="auto"`). nan when either
    side is empty; 1.0 when every value is the same (nothing to rank)."""
    if not a or not b:
        return math.nan
    if len(set(a) | set(b)) == 1:
        return 1.0
    return float(stats.mannwhitneyu(a, b, alternative="two-sided", method="auto").pvalue)


@dataclass(frozen=True)
class Estimate:
    """One side's figure (a median, a p95, a mean) with its 95 % interval."""

    value: float
    low: float
    high: float


def lower_beyond_noise(
    a: Estimate, b: Estimate, p: float, *, alpha: float = ALPHA, factor: float = FACTOR
) -> bool:
    """The decision rule, ours: a is lower than b beyond noise when the U test's p < alpha,
    the intervals do not overlap, and a is at least `factor` lower."""
    return p < alpha and a.high < b.low and a.value * factor <= b.value


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
    ea, eb = Estimate(a.median, *a.median_ci), Estimate(b.median, *b.median_ci)
    if not lower_beyond_noise(ea, eb, 0.0):
        return False  # the cheap conditions first: U only when the medians are apart
    return lower_beyond_noise(ea, eb, mann_whitney_p(a.xs, b.xs))


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
