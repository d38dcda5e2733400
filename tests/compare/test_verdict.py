"""The verdict on hand-made samples: the report's rule, Holm's correction, the order."""

from __future__ import annotations

import dataclasses
import random

import pytest

from analysis.compare.verdict import Sides, holm, judge, judge_all, uncorrected, worst
from analysis.core.noise import Estimate


def test_holm_step_down() -> None:
    """Holm by hand: sorted p 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1, made monotone;
    nan is left out of m and stays nan."""
    got = holm([0.01, 0.04, 0.03, 0.005, float("nan")])
    assert got[:4] == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert got[4] != got[4]
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1
    assert holm([]) == []


def test_judge_needs_p_intervals_and_effect() -> None:
    """Worse only when p < 0.01, the intervals are apart and the change is >= the minimum."""
    base, slower = Estimate(10, 9, 11), Estimate(14, 13, 15)
    assert judge(base, slower, 0.001, lower_is_better=True) == "worse"
    assert judge(slower, base, 0.001, lower_is_better=True) == "better"
    assert judge(base, slower, 0.05, lower_is_better=True) == "indistinguishable"  # p
    overlapping = Estimate(14, 10.5, 15)
    assert judge(base, overlapping, 0.001, lower_is_better=True) == "indistinguishable"
    assert judge(base, slower, 0.001, lower_is_better=True, min_effect=0.5) == "indistinguishable"
    assert judge(base, slower, float("nan"), lower_is_better=True) == "indistinguishable"
    # throughput: higher is better, so NEW at 14/s against 10/s is a gain
    assert judge(base, slower, 0.001, lower_is_better=False) == "better"


def _draw(rng: random.Random, n: int, centre: float) -> list[float]:
    return [rng.lognormvariate(0, 0.5) * centre for _ in range(n)]


def test_a_regression_is_found_and_ordered_first() -> None:
    """A 2x slower metric among unchanged ones: worse, first, and named by `worst`; the n of
    each side is kept."""
    rng = random.Random(1)
    items = [
        Sides("p", "same", "ms", 0.95, True, _draw(rng, 200, 10), _draw(rng, 200, 10)),
        Sides("p", "slower", "ms", None, True, _draw(rng, 200, 10), _draw(rng, 150, 20)),
        Sides("p", "faster", "/s", None, False, _draw(rng, 200, 10), _draw(rng, 200, 20)),
    ]
    got = judge_all(items)
    assert [(j.metric, j.verdict) for j in got] == [
        ("slower", "worse"),
        ("same", "indistinguishable"),
        ("faster", "better"),
    ]
    bad = worst(got)
    assert bad is not None and bad.metric == "slower" and (bad.n_base, bad.n_new) == (200, 150)
    lo, hi = bad.factor_ci
    assert lo < bad.factor < hi and 1.5 < bad.factor < 2.5


def test_a_a_comparison_of_fifty_metrics_flags_none() -> None:
    """50 metrics drawn twice from one distribution: Holm keeps every one indistinguishable
    (the smallest raw p is small, as 50 tries make it; corrected it is not)."""
    rng = random.Random(7)
    items = [
        Sides(
            "p",
            f"m{k}",
            "ms",
            0.95 if k % 2 else None,
            True,
            _draw(rng, 60, 10),
            _draw(rng, 60, 10),
        )
        for k in range(50)
    ]
    got = judge_all(items)
    assert {j.verdict for j in got} == {"indistinguishable"}
    assert min(j.p for j in got) < 0.05 and min(j.p_holm for j in got) > 0.05


def test_uncorrected_counts_what_holm_kept_indistinguishable() -> None:
    """The summary's 'flagged without Holm's correction' judges each metric on its raw p: a
    clear shift whose corrected p was pushed to 1 counts; an A/A draw does not."""
    rng = random.Random(3)
    shifted = Sides("p", "m", "ms", None, True, _draw(rng, 60, 100), _draw(rng, 60, 200))
    same = Sides("p", "n", "ms", None, True, _draw(rng, 60, 100), _draw(rng, 60, 100))
    got = judge_all([shifted, same])
    assert uncorrected(got) == 1
    held = [dataclasses.replace(j, p_holm=1.0, verdict="indistinguishable") for j in got]
    assert {j.verdict for j in held} == {"indistinguishable"} and uncorrected(held) == 1
