"""The closed-loop model, the machine's ceiling and the 95 % confidence intervals."""

from __future__ import annotations

import math

import pytest

from analysis.core.ceilings import ceiling_rps
from analysis.core.model import closed_loop, mean_ci, relative_gap, servers, t95


def test_one_user_sees_one_service_time() -> None:
    """With N=1 the response time is S and the throughput 1/S, whatever c is."""
    p = closed_loop(users=1, service_ms=250.0, workers=4, cpu_count=2)
    assert p.response_ms == pytest.approx(250.0)
    assert p.throughput_rps == pytest.approx(4.0)


def test_more_users_than_servers_queue_linearly() -> None:
    """Past c users, X stays at c/S and R = N*S/c grows linearly with N."""
    p = closed_loop(users=10, service_ms=100.0, workers=2, cpu_count=8)
    assert p.servers == 2
    assert p.throughput_rps == pytest.approx(20.0)
    assert p.response_ms == pytest.approx(500.0)


def test_servers_are_capped_by_cores() -> None:
    """c = min(workers, cpu_count): four workers on two cores serve like two."""
    assert servers(workers=4, cpu_count=2) == 2
    assert closed_loop(8, 100.0, 4, 2).response_ms == pytest.approx(400.0)


def test_ceiling_is_cores_over_service_time() -> None:
    """The machine's limit is cpu_count / S in requests per second."""
    assert ceiling_rps(executors=2, service_ms=250.0) == pytest.approx(8.0)


def test_model_rejects_nonsense() -> None:
    """Zero users or a non-positive service time are errors, not silent infinities."""
    with pytest.raises(ValueError):
        closed_loop(0, 100.0, 1, 1)
    with pytest.raises(ValueError):
        ceiling_rps(2, 0.0)


def test_t_table_small_df_and_large_df() -> None:
    """t(0.975) is 12.706 for df=1, 2.776 for df=4, conservative between rows, 1.96 far out."""
    assert t95(1) == pytest.approx(12.706)
    assert t95(4) == pytest.approx(2.776)
    assert t95(22) == pytest.approx(2.086)  # df 20 row: a wider, safe interval
    assert t95(1000) == pytest.approx(1.96)


def test_mean_ci_of_three_repeats() -> None:
    """Three values 10, 12, 14: mean 12, half-width t(2)*sd/sqrt(3) = 4.303*2/1.732."""
    ci = mean_ci([10.0, 12.0, 14.0])
    assert ci.mean == pytest.approx(12.0)
    assert ci.high - ci.mean == pytest.approx(4.303 * 2 / math.sqrt(3))
    assert ci.n == 3


def test_mean_ci_single_and_empty() -> None:
    """One value has no width; no values (or only NaN) give n = 0 and a NaN mean."""
    assert mean_ci([5.0]) == mean_ci([5.0, math.nan])
    assert mean_ci([5.0]).high == mean_ci([5.0]).mean == mean_ci([5.0]).low
    empty = mean_ci([math.nan])
    assert empty.n == 0 and math.isnan(empty.mean)


def test_relative_gap_sign() -> None:
    """Measured above the model is a positive gap, below is negative."""
    assert relative_gap(150.0, 100.0) == pytest.approx(0.5)
    assert relative_gap(80.0, 100.0) == pytest.approx(-0.2)


def test_pool_strategies_use_every_core_even_with_one_worker() -> None:
    """Hashing off the loop (threads, processes): c = cores whatever the worker count."""
    assert servers(workers=1, cpu_count=2, hashing="threadpool") == 2
    assert servers(workers=1, cpu_count=2, hashing="blocking") == 1
    p = closed_loop(4, 100.0, 1, 2, "processpool")
    assert p.throughput_rps == pytest.approx(20.0) and p.response_ms == pytest.approx(200.0)


def test_blocking_uses_the_workers_that_served() -> None:
    """4 workers on 2 cores but only 1 served: c = 1, R = N·S."""
    from analysis.core.model import closed_loop, servers

    assert servers(4, 2, "blocking") == 2
    assert servers(4, 2, "blocking", workers_used=1) == 1
    assert servers(4, 8, "blocking", workers_used=3) == 3
    assert servers(4, 2, "threadpool", workers_used=1) == 2  # off the loop: the cores
    assert closed_loop(5, 100.0, 4, 2, "blocking", workers_used=1).response_ms == 500.0
    assert closed_loop(5, 100.0, 4, 2, "blocking").response_ms == 250.0


def test_mmc_mean_response_matches_the_textbook_cases() -> None:
    """M/M/1: S/(1 − ρ); M/M/2 at ρ = 0.5: C = 1/3 and R = 4/3 S (= S/(1 − ρ²)); no load: S."""
    from analysis.core.model import erlang_c, mmc_response_ms

    assert erlang_c(1, 0.3) == pytest.approx(0.3)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert mmc_response_ms(1, 0.5, 100.0) == pytest.approx(200.0)
    assert mmc_response_ms(2, 0.5, 100.0) == pytest.approx(100 / (1 - 0.25))
    assert mmc_response_ms(4, 0.0, 100.0) == pytest.approx(100.0)
    with pytest.raises(ValueError):
        erlang_c(2, 2.0)
