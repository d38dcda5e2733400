"""The verdict's noise: quantile intervals, the rank test, and who is named best or worst."""

from __future__ import annotations

import random

import pytest

from analysis.core.noise import Sample, mann_whitney_p, quantile, quantile_ci, rank
from analysis.sections.verdict import text as verdict_text


def _draw(seed: int, n: int, centre: float, spread: float) -> tuple[float, ...]:
    rng = random.Random(seed)
    return tuple(rng.uniform(centre - spread, centre + spread) for _ in range(n))


def test_quantile_interval_covers_and_widens_with_few_samples() -> None:
    xs = _draw(1, 400, 10.0, 5.0)
    lo, hi = quantile_ci(xs, 0.5)
    assert lo < 10.0 < hi and hi - lo < 2.0
    assert lo <= quantile(xs, 0.5) <= hi
    few = (1.0, 2.0, 3.0, 4.0, 5.0)
    assert quantile_ci(few, 0.5) == (1.0, 5.0)  # 5 samples: the whole range
    lo95, hi95 = quantile_ci(xs, 0.95)
    assert lo95 < quantile(xs, 0.95) <= hi95


def test_mann_whitney() -> None:
    a, b = _draw(2, 50, 10.0, 1.0), _draw(3, 50, 20.0, 1.0)
    assert mann_whitney_p(a, b) < 1e-9
    assert mann_whitney_p(a, a) > 0.9
    assert mann_whitney_p(a, _draw(4, 50, 10.0, 1.0)) > 0.01  # same distribution
    assert mann_whitney_p([1.0] * 10, [1.0] * 10) == 1.0  # all tied


def test_small_samples_get_exact_p_and_intervals() -> None:
    """4 against 4 without ties: the exact U distribution (SciPy), not the normal one: U = 3
    of 16, two-sided p = 2 * 12/70 = 0.343 (the hand-written normal approximation said 0.312).
    The median's interval of 1..20 is exact binomial ranks 6 and 15 (it said 5 and 16)."""
    a, b = (2.0, 2.1, 2.2, 9.0), (4.0, 4.1, 4.2, 4.3)
    assert mann_whitney_p(a, b) == pytest.approx(24 / 70)
    assert quantile_ci(tuple(float(k) for k in range(1, 21)), 0.5) == (6.0, 15.0)


def test_blocking_worst_others_indistinguishable() -> None:
    """Four strategies: blocking far slower, the three fixes drawn from one distribution."""
    samples = [
        Sample("blocking", _draw(5, 120, 150.0, 60.0)),
        Sample("sync_def", _draw(6, 130, 2.5, 1.0)),
        Sample("threadpool", _draw(7, 110, 2.5, 1.0)),
        Sample("processpool", _draw(8, 140, 2.5, 1.0)),
    ]
    r = rank(samples)
    assert r.worst == "blocking" and r.best is None
    assert len(r.ties) == 1 and sorted(r.ties[0]) == ["processpool", "sync_def", "threadpool"]
    paras = verdict_text.responsiveness_verdict(samples, "10 users and 2 workers")
    [worst] = [p for p in paras if p.startswith("blocking is the worst")]
    assert "beyond noise" in worst and "n = 120" in worst
    [tie] = [p for p in paras if "indistinguishable" in p]
    assert all(f"{h} median" in tie for h in ("sync_def", "threadpool", "processpool"))
    assert "n = 130" in tie and "n = 110" in tie and "n = 140" in tie
    assert paras[-1].startswith("No strategy is best beyond noise; to keep the server")


def test_few_samples_name_no_winner() -> None:
    """Medians 2× apart from 4 samples each: not beyond noise, so nobody is named best."""
    samples = [Sample("sync_def", (2.0, 2.1, 2.2, 9.0)), Sample("threadpool", (4.0, 4.1, 4.2, 4.3))]
    r = rank(samples)
    assert r.best is None and r.worst is None and r.ties == [["sync_def", "threadpool"]]
    [tie, advice] = verdict_text.responsiveness_verdict(samples, "5 users")
    assert "sync_def and threadpool are indistinguishable at 5 users" in tie
    assert "n = 4" in tie


def test_small_real_difference_is_not_called_one() -> None:
    """Many samples 5 % apart: significant to U, but under the 10 % a verdict names."""
    samples = [
        Sample("sync_def", tuple(2.0 + k / 1000 for k in range(500))),
        Sample("threadpool", tuple(2.1 + k / 1000 for k in range(500))),
    ]
    assert mann_whitney_p(samples[0].xs, samples[1].xs) < 0.01
    assert rank(samples).best is None


def test_sequential_only_sweep_asks_for_a_load_scenario() -> None:
    from tests.analysis.rows import grid_of, summary_row

    rows = [
        summary_row("blocking", scenario="sequential"),
        summary_row("threadpool", scenario="sequential"),
    ]
    [para] = verdict_text.verdict([], grid_of(rows))
    assert "scenario=mixed" in para and "hashing=blocking,sync_def,threadpool,processpool" in para


def test_throughput_sentence_when_the_baseline_is_fastest() -> None:
    """blocking ahead on throughput: the others are listed, not blocking against itself."""
    from analysis.core.aggregate import points
    from analysis.core.fixes import fix_table
    from tests.analysis.rows import grid_of, summary_row

    rows = [
        summary_row("blocking", users=4, rps=9.0, requests=90),
        summary_row("threadpool", users=4, rps=5.0, requests=50),
    ]
    paras = verdict_text.verdict(fix_table(points(rows)), grid_of(rows))
    [para] = [p for p in paras if p.startswith("For throughput")]
    assert "blocking reached 9.0 registrations/s (n = 90" in para
    assert "threadpool 5.0/s" in para and "for blocking" not in para
