"""The open-loop schedule (runner/arrivals.py): pure, seeded, no processes."""

from __future__ import annotations

import itertools
import random
import statistics

import pytest

from runner.arrivals import (
    format_mix,
    gaps,
    kinds,
    parse_mix,
    scenario_mix,
    schedule,
    split_rate,
)


def test_poisson_gaps_have_mean_and_variance_of_an_exponential() -> None:
    """Poisson arrivals at rate r: gaps with mean 1/r and variance 1/r^2 (within 5 %)."""
    rate = 8.0
    xs = list(itertools.islice(gaps(rate, "poisson", random.Random(1)), 40_000))
    assert statistics.fmean(xs) == pytest.approx(1 / rate, rel=0.05)
    assert statistics.pvariance(xs) == pytest.approx(1 / rate**2, rel=0.05)


def test_poisson_counts_per_second_have_variance_equal_to_mean() -> None:
    """Counts in 1-s windows of a Poisson process: mean = variance = rate (within 10 %)."""
    rate = 12.0
    times = [
        a.t
        for a in itertools.islice(
            schedule(rate, "poisson", {"health": 1}, random.Random(2)), 30_000
        )
    ]
    seconds = int(times[-1])
    counts = [0] * seconds
    for t in times:
        if t < seconds:
            counts[int(t)] += 1
    assert statistics.fmean(counts) == pytest.approx(rate, rel=0.05)
    assert statistics.pvariance(counts) == pytest.approx(rate, rel=0.10)


def test_constant_spacing_is_exact() -> None:
    """Constant arrivals: every gap is 1/rate, the first arrival at `first`."""
    arr = list(
        itertools.islice(schedule(4.0, "constant", {"health": 1}, random.Random(), first=10.0), 9)
    )
    assert arr[0].t == 10.0
    assert [round(b.t - a.t, 12) for a, b in itertools.pairwise(arr)] == [0.25] * 8


def test_mix_five_to_one_applies_to_arrivals() -> None:
    """mixed: register:health = 5:1 among arrivals; constant keeps it exact in every 6."""
    mix = scenario_mix("mixed")
    const = list(itertools.islice(kinds(mix, "constant", random.Random()), 600))
    assert all(const[i : i + 6].count("health") == 1 for i in range(0, 600, 6))
    rand = list(itertools.islice(kinds(mix, "poisson", random.Random(3)), 60_000))
    assert rand.count("register") / rand.count("health") == pytest.approx(5.0, rel=0.05)
    assert set(itertools.islice(kinds(scenario_mix("health"), "poisson", random.Random()), 50)) == {
        "health"
    }


def test_rate_split_across_processes_and_mix_env_form() -> None:
    """Each of N processes offers rate/N; a mix survives its env string form."""
    assert split_rate(12.0, 3) == 4.0
    assert parse_mix(format_mix({"register": 5, "health": 1})) == {"register": 5, "health": 1}
    with pytest.raises(KeyError):
        scenario_mix("sequential")
    with pytest.raises(ValueError):
        next(gaps(0, "poisson", random.Random()))
    with pytest.raises(ValueError):
        next(gaps(1, "uniform", random.Random()))
