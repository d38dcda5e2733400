"""Pure: the verdict on one metric of one pair, Holm's correction across everything compared,
and the order the table shows (worst regression first).

A change is named only beyond noise, by the report's rule (`analysis/core/noise.py`): the U
test's p (here after Holm's correction) under ALPHA, the two sides' 95 % intervals apart, and
a change of at least the minimum effect. Anything else is indistinguishable."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from analysis.compare import estimate
from analysis.core.noise import ALPHA, Estimate, lower_beyond_noise

Verdict = Literal["worse", "indistinguishable", "better"]
MIN_EFFECT = 0.10


def holm(ps: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p values (Holm 1979, "A simple sequentially rejective
    multiple test procedure"): the k-th smallest of m is multiplied by m - k + 1, then made
    monotone. Rejecting where adjusted p < alpha controls the family-wise error at alpha.
    nan entries (nothing to test) stay nan and do not count in m."""
    order = sorted((p, i) for i, p in enumerate(ps) if not math.isnan(p))
    m, out, running = len(order), [math.nan] * len(ps), 0.0
    for k, (p, i) in enumerate(order):
        running = max(running, min(1.0, (m - k) * p))
        out[i] = running
    return out


def judge(
    base: Estimate,
    new: Estimate,
    p_holm: float,
    *,
    lower_is_better: bool,
    min_effect: float = MIN_EFFECT,
    alpha: float = ALPHA,
) -> Verdict:
    """better / worse beyond noise, else indistinguishable (also when p is nan)."""
    if math.isnan(p_holm):
        return "indistinguishable"
    factor = 1.0 + min_effect
    went_down = lower_beyond_noise(new, base, p_holm, alpha=alpha, factor=factor)
    went_up = lower_beyond_noise(base, new, p_holm, alpha=alpha, factor=factor)
    if not (went_down or went_up):
        return "indistinguishable"
    return "better" if went_down == lower_is_better else "worse"


@dataclass(frozen=True)
class Judged:
    """One metric of one pair, judged."""

    pair: str
    metric: str
    unit: str
    lower_is_better: bool
    base: Estimate
    new: Estimate
    n_base: int
    n_new: int
    factor_ci: tuple[float, float]
    p: float
    p_holm: float
    verdict: Verdict

    @property
    def factor(self) -> float:
        """NEW / BASE (nan when BASE is 0 or missing)."""
        return self.new.value / self.base.value if self.base.value else math.nan

    @property
    def harm(self) -> float:
        """How much worse NEW is, as a log factor in the metric's bad direction."""
        f = self.factor
        if math.isnan(f) or f <= 0:
            return -math.inf
        return math.log(f) if self.lower_is_better else -math.log(f)


RANK: dict[Verdict, int] = {"worse": 0, "indistinguishable": 1, "better": 2}


def ordered(rows: Sequence[Judged]) -> list[Judged]:
    """Regressions first (the largest first), then the indistinguishable, then the gains."""
    return sorted(rows, key=lambda j: (RANK[j.verdict], -j.harm))


def worst(rows: Sequence[Judged]) -> Judged | None:
    """The largest regression beyond noise, if any."""
    bad = ordered([j for j in rows if j.verdict == "worse"])
    return bad[0] if bad else None


def uncorrected(rows: Sequence[Judged], *, min_effect: float = MIN_EFFECT) -> int:
    """How many metrics would be flagged (better or worse) judged on their raw p, without
    Holm's correction: what the correction saves an A/A comparison from."""
    return sum(
        judge(j.base, j.new, j.p, lower_is_better=j.lower_is_better, min_effect=min_effect)
        != "indistinguishable"
        for j in rows
    )


@dataclass(frozen=True)
class Sides:
    """One metric of one pair before judging: its raw samples on each side."""

    pair: str
    metric: str
    unit: str
    q: float | None  # the quantile compared; None: the mean
    lower_is_better: bool
    base: Sequence[float]
    new: Sequence[float]


def judge_all(items: Sequence[Sides], *, min_effect: float = MIN_EFFECT) -> list[Judged]:
    """Every metric of every pair judged, the U tests' p corrected together (Holm), so that
    many metrics compared at once do not flag one by chance."""
    ps = [estimate.p_value(s.base, s.new) for s in items]
    out = []
    for s, p, p_holm in zip(items, ps, holm(ps), strict=True):
        base, new = estimate.side(s.base, s.q), estimate.side(s.new, s.q)
        out.append(
            Judged(
                pair=s.pair,
                metric=s.metric,
                unit=s.unit,
                lower_is_better=s.lower_is_better,
                base=base,
                new=new,
                n_base=len(s.base),
                n_new=len(s.new),
                factor_ci=estimate.ratio(s.base, s.new, s.q),
                p=p,
                p_holm=p_holm,
                verdict=judge(
                    base, new, p_holm, lower_is_better=s.lower_is_better, min_effect=min_effect
                ),
            )
        )
    return ordered(out)
