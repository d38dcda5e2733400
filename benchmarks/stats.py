"""Small pure statistics shared by the measurements: medians, ratios, quantiles, windows."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence


def median(values: Iterable[float | None]) -> float | None:
    """Median of the values that are numbers (None and NaN dropped); None when none is."""
    kept = [float(v) for v in values if v is not None and not math.isnan(v)]
    return statistics.median(kept) if kept else None


def ratio(num: float | None, den: float | None) -> float | None:
    """num / den, or None when either is missing or den is 0."""
    if num is None or den is None or den == 0:
        return None
    return num / den


def quantile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated quantile (DuckDB's quantile_cont); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def paired_ratios(a: Sequence[float], b: Sequence[float]) -> list[float]:
    """a[i] / b[i] for each pair with b[i] > 0 (interleaved A/B runs)."""
    return [x / y for x, y in zip(a, b, strict=True) if y > 0]


def ab_order(pairs: int) -> list[tuple[str, str]]:
    """ABBA order of interleaved runs, so a drift in time hits both arms alike."""
    return [("on", "off") if i % 2 == 0 else ("off", "on") for i in range(pairs)]


def in_window(samples: Iterable[tuple[float, float]], t0: float, t1: float) -> list[float]:
    """Values of (t, value) samples with t0 <= t <= t1."""
    return [v for t, v in samples if t0 <= t <= t1]


def tick_sums(rows: Iterable[dict[str, float]], t0: float, t1: float) -> list[float]:
    """Per sampling tick in [t0, t1], the sum of `cpu_percent` over processes (sampler rows)."""
    ticks: dict[float, float] = {}
    for r in rows:
        if t0 <= r["t"] <= t1:
            ticks[r["t"]] = ticks.get(r["t"], 0.0) + float(r["cpu_percent"])
    return [ticks[t] for t in sorted(ticks)]
