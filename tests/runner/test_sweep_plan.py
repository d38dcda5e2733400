"""The sweep's extra cells without processes: which cells, in which order, none twice."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser

from runner.plan.sweep import (
    BASELINE,
    COMPARE,
    GRID,
    Facts,
    SweepError,
    cartesian,
    plan,
    with_values,
)


def _grid(*args: str) -> list[list[str]]:
    return cartesian(OverridesParser.create().parse_overrides(list(args)))


def _facts(
    baseline: bool = True, compare: tuple[str, ...] = ("threadpool",)
) -> tuple[object, object]:
    """facts() and key() for plan(), computed from the overrides alone (conf defaults:
    workers 1, users 5, hashing blocking, scenario mixed; sequential runs one user)."""

    def values(ov: Sequence[str]) -> dict[str, str]:
        d = {"workers": "1", "users": "5", "hashing": "blocking", "scenario": "mixed"}
        d.update(o.split("=", 1) for o in ov)
        return d

    def facts(ov: Sequence[str]) -> Facts:
        v = values(ov)
        return Facts(
            v["hashing"], int(v["workers"]), int(v["users"]), v["scenario"], baseline, compare
        )

    def key(ov: Sequence[str]) -> str:
        v = values(ov)
        if v["scenario"] == "sequential":
            v["users"] = "1"
        return repr(sorted(v.items()))

    return facts, key


def test_main_job_adds_comparison_then_baselines() -> None:
    """workers=1,2,4 users=1,5: the grid (6), threadpool at 1 worker for each user count (2),
    then one sequential cell per strategy (2), in that order."""
    facts, key = _facts()
    jobs = plan(_grid("workers=1,2,4", "users=1,5"), facts, key)  # type: ignore[arg-type]
    assert [j.role for j in jobs] == [GRID] * 6 + [COMPARE] * 2 + [BASELINE] * 2
    assert [j.overrides for j in jobs[6:]] == [
        ("workers=1", "users=1", "hashing=threadpool"),
        ("workers=1", "users=5", "hashing=threadpool"),
        ("workers=1", "users=1", "scenario=sequential"),
        ("workers=1", "users=1", "hashing=threadpool", "scenario=sequential"),
    ]


def test_switches_off_to_the_plain_grid() -> None:
    """baseline=false compare.hashing=[]: exactly the grid, in Hydra's order."""
    facts, key = _facts(baseline=False, compare=())
    jobs = plan(_grid("workers=1,2,4", "users=1,5,10,15,20"), facts, key)  # type: ignore[arg-type]
    assert len(jobs) == 15 and {j.role for j in jobs} == {GRID}
    assert jobs[0].overrides == ("workers=1", "users=1")
    assert jobs[-1].overrides == ("workers=4", "users=20")


def test_no_comparison_when_the_sweep_names_other_strategies() -> None:
    facts, key = _facts()
    jobs = plan(_grid("hashing=blocking,sync_def", "users=1,5"), facts, key)  # type: ignore[arg-type]
    assert [j.role for j in jobs] == [GRID] * 4 + [BASELINE] * 2
    assert [j.overrides for j in jobs if j.role == BASELINE] == [
        ("hashing=blocking", "users=1", "scenario=sequential", "workers=1"),
        ("hashing=sync_def", "users=1", "scenario=sequential", "workers=1"),
    ]


def test_several_comparison_strategies_at_the_smallest_worker_count() -> None:
    facts, key = _facts(baseline=False, compare=("threadpool", "processpool"))
    jobs = plan(_grid("workers=2,4", "users=3,6"), facts, key)  # type: ignore[arg-type]
    assert [j.overrides for j in jobs if j.role == COMPARE] == [
        ("workers=2", "users=3", "hashing=threadpool"),
        ("workers=2", "users=6", "hashing=threadpool"),
        ("workers=2", "users=3", "hashing=processpool"),
        ("workers=2", "users=6", "hashing=processpool"),
    ]


def test_a_sequential_sweep_is_not_run_twice() -> None:
    """scenario=sequential hashing=blocking,threadpool: the baselines are the grid itself."""
    facts, key = _facts()
    jobs = plan(_grid("scenario=sequential", "hashing=blocking,threadpool"), facts, key)  # type: ignore[arg-type]
    assert [j.role for j in jobs] == [GRID, GRID]


def test_with_values_replaces_in_place_and_keeps_the_rest() -> None:
    ov = ("+workers=4", "users=5", "duration=10", "load.processes=2")
    assert with_values(ov, workers=1, scenario="sequential", load__processes=1) == (
        "workers=1",
        "users=5",
        "duration=10",
        "load.processes=1",
        "scenario=sequential",
    )


def test_only_discrete_sweeps() -> None:
    with pytest.raises(SweepError, match="users"):
        _grid("users=interval(1,5)")
