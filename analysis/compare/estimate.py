"""Pure numbers of one metric on two sides: each side's figure with its 95 % interval, the
change NEW/BASE with its 95 % interval, and the U test's p. SciPy does the statistics:
order-statistic intervals for quantiles (`analysis/core/noise.py`), a seeded percentile
bootstrap (`scipy.stats.bootstrap`) for means and for the ratio."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import stats

from analysis.core.noise import CONFIDENCE, Estimate, mann_whitney_p, quantile, quantile_ci

RESAMPLES = 999
SEED = 20_260_101  # the bootstrap is seeded: the same store gives the same page
MIN_BOOTSTRAP = 5  # fewer samples a side: no interval for a mean (a bootstrap of 2 means nothing)


def _stat(q: float | None) -> Callable[..., Any]:
    """The statistic as numpy wants it for the bootstrap: the mean, or the q-quantile."""
    if q is None:
        return lambda x, axis=-1: np.mean(x, axis=axis)
    return lambda x, axis=-1: np.quantile(x, q, axis=axis)


def _bootstrap(data: tuple[Sequence[float], ...], fn: Callable[..., Any]) -> tuple[float, float]:
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")  # a degenerate sample gives nan, shown as such
        res = stats.bootstrap(
            tuple(np.asarray(d, dtype=float) for d in data),
            fn,
            n_resamples=RESAMPLES,
            confidence_level=CONFIDENCE,
            method="percentile",
            vectorized=True,
            batch=100,
            rng=np.random.default_rng(SEED),
        )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def side(xs: Sequence[float], q: float | None) -> Estimate:
    """One side's figure: a quantile with its order-statistic interval, or a mean with its
    bootstrap interval (none under MIN_BOOTSTRAP samples). nan when there are no samples."""
    if not xs:
        return Estimate(math.nan, math.nan, math.nan)
    if q is not None:
        return Estimate(quantile(xs, q), *quantile_ci(xs, q))
    mean = float(np.mean(xs))
    if len(set(xs)) == 1 and len(xs) >= MIN_BOOTSTRAP:
        return Estimate(mean, mean, mean)
    if len(xs) < MIN_BOOTSTRAP:
        return Estimate(mean, math.nan, math.nan)
    return Estimate(mean, *_bootstrap((xs,), _stat(None)))


def ratio(base: Sequence[float], new: Sequence[float], q: float | None) -> tuple[float, float]:
    """95 % interval of statistic(NEW) / statistic(BASE), resampling each side on its own."""
    if min(len(base), len(new)) < (2 if q is not None else MIN_BOOTSTRAP):
        return (math.nan, math.nan)
    fn = _stat(q)
    return _bootstrap((base, new), lambda b, n, axis=-1: fn(n, axis=axis) / fn(b, axis=axis))


def p_value(base: Sequence[float], new: Sequence[float]) -> float:
    """Two-sided Mann-Whitney U p of the raw samples (nan with fewer than 2 a side)."""
    if len(base) < 2 or len(new) < 2:
        return math.nan
    return mann_whitney_p(base, new)
