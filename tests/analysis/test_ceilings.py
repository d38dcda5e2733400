"""The (work kind, strategy) ceiling table: c and the loop's fate, as pure functions."""

from __future__ import annotations

import pytest

from analysis.core.ceilings import closed_loop_ceiling_rps, pair
from app.contract import WORKS


@pytest.mark.parametrize("kind", ["bcrypt", "argon2id"])
def test_gil_releasing_cpu_in_threads_uses_every_core(kind: str) -> None:
    """GIL-releasing CPU under threadpool: min(threads, cores), loop free."""
    p = pair(kind, "threadpool", workers=1, cores=2)
    assert (p.executors, p.loop) == (2, "free")
    assert pair(kind, "threadpool", workers=1, cores=8, thread_limit=3).executors == 3


def test_gil_holding_python_in_threads_runs_one_at_a_time_per_process() -> None:
    """pbkdf2_python in threads: one call per process, the loop only slowed."""
    assert pair("pbkdf2_python", "threadpool", workers=1, cores=2).executors == 1
    assert pair("pbkdf2_python", "sync_def", workers=2, cores=4).executors == 2
    assert pair("pbkdf2_python", "threadpool", workers=1, cores=2).loop == "slowed"


def test_gil_holding_c_in_threads_starves_the_loop() -> None:
    """gil_c in threads: one at a time per process and the loop starves."""
    p = pair("gil_c", "threadpool", workers=1, cores=2)
    assert (p.executors, p.loop) == (1, "starved")


def test_sleep_scales_with_the_thread_limit_not_the_cores() -> None:
    """sleep under threadpool: the thread limit times workers; under blocking: workers."""
    assert pair("sleep", "threadpool", workers=1, cores=2).executors == 40
    assert pair("sleep", "threadpool", workers=2, cores=2, thread_limit=5).executors == 10
    assert pair("sleep", "blocking", workers=3, cores=2).executors == 3
    assert pair("sleep", "processpool", workers=1, cores=2, pool_size=6).executors == 6


@pytest.mark.parametrize("kind", ["bcrypt", "argon2id", "pbkdf2_python", "gil_c"])
def test_process_pool_with_cpu_work_is_capped_by_cores(kind: str) -> None:
    """processpool with CPU work: min(pool x workers, cores), loop free."""
    assert pair(kind, "processpool", workers=1, cores=2).executors == 2
    assert pair(kind, "processpool", workers=2, cores=8, pool_size=3).executors == 6
    assert pair(kind, "processpool", workers=1, cores=2, pool_size=1).executors == 1
    assert pair(kind, "processpool", workers=1, cores=2).loop == "free"


@pytest.mark.parametrize("kind", WORKS)
def test_blocking_is_workers_and_blocks_the_loop(kind: str) -> None:
    """blocking: the call runs on the loop, one per worker."""
    p = pair(kind, "blocking", workers=4, cores=2)
    assert p.loop == "blocked"
    assert p.executors == (4 if kind == "sleep" else 2)


def test_ceiling_is_min_users_c_over_s() -> None:
    """Ceiling = min(users, c) / S: 8 sleeping users of 250 ms -> 32/s; bcrypt on 2 cores -> 8/s."""

    def ceiling(kind: str, users: int) -> float:
        c = pair(kind, "threadpool", workers=1, cores=2).executors
        return closed_loop_ceiling_rps(users, c, 250.0)

    assert ceiling("sleep", 8) == pytest.approx(32.0)
    assert ceiling("bcrypt", 8) == pytest.approx(8.0)
    assert ceiling("pbkdf2_python", 8) == pytest.approx(4.0)
    assert ceiling("bcrypt", 1) == pytest.approx(4.0)


def test_bad_names_and_values_raise() -> None:
    """Unknown kinds or strategies, and impossible sizes, are refused."""
    with pytest.raises(ValueError):
        pair("md5", "threadpool", workers=1, cores=2)
    with pytest.raises(ValueError):
        pair("bcrypt", "fork", workers=1, cores=2)
    with pytest.raises(ValueError):
        pair("bcrypt", "threadpool", workers=0, cores=2)


def test_closed_loop_model_knows_the_kind() -> None:
    """The queueing model's c follows the kind: sleep in threads scales past the cores,
    pbkdf2_python in threads does not; bcrypt keeps the old model."""
    from analysis.core.model import closed_loop

    assert closed_loop(8, 250.0, 1, 2, "threadpool", "sleep").throughput_rps == pytest.approx(32)
    assert closed_loop(8, 250.0, 1, 2, "threadpool", "pbkdf2_python").servers == 1
    assert closed_loop(8, 250.0, 1, 2, "threadpool").servers == 2
    assert closed_loop(8, 250.0, 4, 2, "blocking", "sleep").servers == 4
