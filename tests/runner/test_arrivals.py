"""The open-loop schedule (runner/load/arrivals.py): pure, seeded, no processes."""

from __future__ import annotations

import itertools
import random
import statistics

import pytest

from app.contract import LOAD_MIX
from runner.load.arrivals import (
    format_mix,
    gaps,
    kinds,
    parse_mix,
    parse_spans,
    poisson_times,
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


def test_poisson_given_its_count_per_span_keeps_the_rate_exact_and_the_gaps_exponential() -> None:
    """With spans (warm-up 2 s, window 20 s) at 17.07/s: exactly 34 and 341 arrivals, the first
    at 0; over 300 seeds the window's gaps still have mean 1/r and variance 1/r^2 (within 5 %),
    and its counts per second mean r with the binomial variance r (1 - 1/20) (within 10 %)."""
    rate, warm, window = 17.07, 2.0, 20.0
    gaps_in, counts = [], []
    for seed in range(300):
        ts = list(
            itertools.takewhile(
                lambda t: t < 30, poisson_times(rate, (warm, window), random.Random(seed))
            )
        )
        assert ts[0] == 0.0 and ts == sorted(ts)
        assert sum(t < warm for t in ts) == round(rate * warm)
        inside = [t for t in ts if warm <= t < warm + window]
        assert len(inside) == round(rate * window)
        assert ts[-1] > warm + window  # after the spans the arrivals go on
        gaps_in += [b - a for a, b in itertools.pairwise(inside)]
        counts += [sum(warm + k <= t < warm + k + 1 for t in inside) for k in range(int(window))]
    assert statistics.fmean(gaps_in) == pytest.approx(1 / rate, rel=0.05)
    assert statistics.pvariance(gaps_in) == pytest.approx(1 / rate**2, rel=0.05)
    assert statistics.fmean(counts) == pytest.approx(rate, rel=0.01)
    assert statistics.pvariance(counts) == pytest.approx(rate * (1 - 1 / window), rel=0.10)
    assert parse_spans("2.0,20.0") == (2.0, 20.0) and parse_spans("") == ()


def test_schedule_passes_spans_to_poisson_only() -> None:
    """`schedule` with spans: Poisson arrivals come in the spans' counts, from `first` on;
    constant arrivals ignore the spans."""
    arr = list(
        itertools.takewhile(
            lambda a: a.t < 112.0,
            schedule(10.0, "poisson", {"health": 1}, random.Random(4), first=100.0, spans=(1, 11)),
        )
    )
    assert arr[0].t == 100.0
    assert sum(100.0 <= a.t < 101.0 for a in arr) == 10
    assert sum(101.0 <= a.t < 112.0 for a in arr) == 110
    const = list(
        itertools.islice(schedule(4.0, "constant", {"health": 1}, random.Random(), spans=(1, 2)), 5)
    )
    assert [a.t for a in const] == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_constant_spacing_is_exact() -> None:
    """Constant arrivals: every gap is 1/rate, the first arrival at `first`."""
    arr = list(
        itertools.islice(schedule(4.0, "constant", {"health": 1}, random.Random(), first=10.0), 9)
    )
    assert arr[0].t == 10.0
    assert [round(b.t - a.t, 12) for a, b in itertools.pairwise(arr)] == [0.25] * 8


def test_mix_five_to_one_applies_to_arrivals() -> None:
    """mixed: register:health = 5:1 among arrivals; constant keeps it exact in every 6."""
    mix = LOAD_MIX["mixed"]
    const = list(itertools.islice(kinds(mix, "constant", random.Random()), 600))
    assert all(const[i : i + 6].count("health") == 1 for i in range(0, 600, 6))
    rand = list(itertools.islice(kinds(mix, "poisson", random.Random(3)), 60_000))
    assert rand.count("register") / rand.count("health") == pytest.approx(5.0, rel=0.05)
    assert set(itertools.islice(kinds(LOAD_MIX["health"], "poisson", random.Random()), 50)) == {
        "health"
    }


def test_rate_split_across_processes_and_mix_env_form() -> None:
    """Each of N processes offers rate/N; a mix survives its env string form."""
    assert split_rate(12.0, 3) == 4.0
    assert parse_mix(format_mix({"register": 5, "health": 1})) == {"register": 5, "health": 1}
    with pytest.raises(ValueError):
        next(gaps(0, "poisson", random.Random()))
    with pytest.raises(ValueError):
        next(gaps(1, "uniform", random.Random()))
