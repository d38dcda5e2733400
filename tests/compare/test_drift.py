"""The machine's drift between two sweeps, from the cells' own hash times (hand-made cells)."""

from __future__ import annotations

import random

import pytest

from analysis.compare import drift
from analysis.compare.verdict import Sides, judge_all


def cell(ms: float | None, rounds: int = 12, work: str = "bcrypt", status: str = "ok") -> dict:
    return {"hash_ms": ms, "bcrypt_rounds": rounds, "work": work, "status": status}


def test_drift_is_the_ratio_of_the_medians_of_the_same_call() -> None:
    """Medians per call, NEW over BASE; failed cells and cells without a time do not count."""
    base = [cell(400), cell(420), cell(410), cell(None), cell(9000, status="failed")]
    new = [cell(380), cell(370), cell(390)]
    d = drift.measure(base, new)
    assert d is not None
    assert d.factor == pytest.approx(380 / 410)
    assert (d.n_base, d.n_new, d.calls) == (3, 3, ("bcrypt cost 12",))
    assert "×0.927" in d.says() and "--no-drift" in d.says()


def test_a_change_of_the_call_itself_leaves_no_drift() -> None:
    """bcrypt cost 11 against 12: no call timed on both sides, nothing to scale."""
    assert drift.measure([cell(200, 11)], [cell(400, 12)]) is None
    assert drift.scaled([1.0, 2.0], "ms", None) == [1.0, 2.0]


def test_calls_weighted_by_their_cells() -> None:
    """Two calls on both sides: the geometric mean of their ratios, weighted by cells."""
    base = [cell(100, 10)] * 3 + [cell(10, work="pbkdf2_python")]
    new = [cell(110, 10)] * 3 + [cell(10, work="pbkdf2_python")]
    d = drift.measure(base, new)
    assert d is not None and d.factor == pytest.approx(1.1**0.75)


def test_scaling_puts_new_back_on_base_speed() -> None:
    """A time is divided by the drift, a rate multiplied by it."""
    d = drift.Drift(0.8, 4, 4, ("bcrypt cost 12",))
    assert drift.scaled([80.0], "ms", d) == pytest.approx([100.0])
    assert drift.scaled([8.0], "CPU ms", d) == pytest.approx([10.0])
    assert drift.scaled([10.0], "/s", d) == pytest.approx([8.0])


def test_a_machine_eight_percent_faster_is_not_a_change_once_scaled() -> None:
    """The same latencies, NEW run 8 % faster (thousands of samples): raw, the U test and the
    10 % rule call it better; on BASE's speed it is indistinguishable."""
    rng = random.Random(7)
    base = [rng.gauss(2300, 200) for _ in range(2000)]
    new = [x * 0.89 for x in (rng.gauss(2300, 200) for _ in range(2000))]
    raw = judge_all([Sides("p", "register mean", "ms", None, True, base, new)])
    d = drift.Drift(0.89, 8, 8, ("bcrypt cost 12",))
    fair = judge_all(
        [Sides("p", "register mean", "ms", None, True, base, drift.scaled(new, "ms", d))]
    )
    assert raw[0].verdict == "better" and fair[0].verdict == "indistinguishable"


def test_a_cell_beside_foreign_load_does_not_time_the_machine() -> None:
    """Its own hash was timed on a busier machine: left out of the drift."""
    base = [cell(400), cell(400)]
    new = [cell(400), {**cell(800), "foreign_load": True}]
    d = drift.measure(base, new)
    assert d is not None and d.factor == pytest.approx(1.0) and d.n_new == 1
