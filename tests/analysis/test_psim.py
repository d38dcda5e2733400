"""analysis/core/psim.py: ideal processor sharing on hand-made and seeded arrivals."""

from __future__ import annotations

import random
import statistics

import pytest

from analysis.core.psim import ps_response_times


def test_processor_sharing_by_hand() -> None:
    """Alone: S. Two at once on one core: 2S each. Three at once on two cores: 1.5S each.
    One core, a second job arriving at S/2: the first ends at 1.5S, the second at 2S."""
    assert ps_response_times([0.0], 0.1, 2) == pytest.approx([0.1])
    assert ps_response_times([0.0, 0.0], 0.1, 1) == pytest.approx([0.2, 0.2])
    assert ps_response_times([0.0, 0.0, 0.0], 0.1, 2) == pytest.approx([0.15] * 3)
    assert ps_response_times([0.0, 0.05], 0.1, 1) == pytest.approx([0.15, 0.15])
    with pytest.raises(ValueError):
        ps_response_times([0.0], 0.0, 1)


def test_poisson_at_half_load_on_two_cores_gives_the_mm2_mean() -> None:
    """Poisson arrivals, fixed S, ρ = 0.5 on 2 cores: mean S/(1 − ρ²) = 1.33 S within 5 %
    (processor sharing's mean does not depend on the distribution of S)."""
    rng, s, t = random.Random(7), 0.05, 0.0
    arr: list[float] = []
    while len(arr) < 60_000:
        t += rng.expovariate(1 / s)  # λ = 1/S: ρ = λS/2 = 0.5
        arr.append(t)
    mean = statistics.fmean(ps_response_times(arr, s, 2))
    assert mean / s == pytest.approx(4 / 3, rel=0.05)


def test_epoch_times_and_simultaneous_ends_terminate() -> None:
    """Arrivals as epoch seconds (1.8e9), two jobs ending together: job 0 runs alone for 10 ms,
    then shares 2 cores with jobs 1 and 2 (2/3 each) until it ends at 86.65 ms; 1 and 2 then
    end together 10 ms later; job 3 comes to an idle server."""
    base, s = 1.8e9, 0.0611
    got = ps_response_times([base, base + 0.01, base + 0.01, base + 0.3], s, 2)
    first = 0.01 + (s - 0.01) / (2 / 3)
    assert got == pytest.approx([first, first, first, s], abs=1e-6)
