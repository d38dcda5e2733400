"""Shaping rows: endpoints, averaging repeats, representative cells, the fix table."""

from __future__ import annotations

import math

import pytest

from analysis.core.aggregate import (
    endpoint_kind,
    grid,
    points,
    representative_cells,
)
from analysis.core.fixes import best_of, fix_table
from analysis.core.service import describe, service_times, with_service_time
from tests.analysis.rows import summary_row


def test_endpoint_kind_from_path() -> None:
    """Paths map to the short endpoint names the sections use."""
    assert endpoint_kind("/api/users/register/") == "register"
    assert endpoint_kind("/api/health/") == "health"
    assert endpoint_kind("/api/users/login/") == "login"
    assert endpoint_kind("/other") == "/other"


def test_repeats_average_with_ci() -> None:
    """Three repeats of one configuration become one point: mean and a t-based CI."""
    rows = [summary_row(repeat=r, avg_ms=v) for r, v in ((1, 90.0), (2, 100.0), (3, 110.0))]
    [p] = points(rows)
    assert p.mean("avg_ms") == pytest.approx(100.0)
    assert p.stats["avg_ms"].n == 3
    ci = p.stats["avg_ms"]
    assert ci.high - ci.mean == pytest.approx(4.303 * 10 / math.sqrt(3))
    assert p.requests == 30


def test_sequential_kept_apart_from_load() -> None:
    """Sequential cells feed only the baseline; load sections never see them."""
    rows = [summary_row(), summary_row(scenario="sequential", cell_id="seq")]
    assert len(points(rows, "load")) == 1
    assert len(points(rows, "sequential")) == 1


def test_varying_dimension_splits_lines() -> None:
    """When bcrypt cost varies, it becomes part of the line label instead of being averaged."""
    rows = [summary_row(bcrypt_rounds=10, cell_id="a"), summary_row(bcrypt_rounds=12, cell_id="b")]
    labels = sorted(p.series for p in points(rows))
    assert labels == ["1 worker · bcrypt_rounds=10", "1 worker · bcrypt_rounds=12"]


def test_representative_cell_is_most_loaded_ok_cell() -> None:
    """Per strategy: most users, then most workers; failed and sequential cells never chosen."""
    cells = [
        summary_row(users=5, workers=1),
        summary_row(users=5, workers=2),
        summary_row(users=10, workers=1, status="failed"),
        summary_row(users=20, scenario="sequential"),
    ]
    rep = representative_cells(cells)["blocking"]
    assert (rep["users"], rep["workers"]) == (5, 2)


def test_grid_counts_failed_cells() -> None:
    """The grid lists distinct values per dimension and counts cells that are not ok."""
    g = grid([summary_row(users=1), summary_row(users=5, status="failed")])
    assert g.values("users") == [1, 5]
    assert (g.ok, g.failed) == (1, 1)


def test_fix_table_compares_at_highest_load() -> None:
    """Health p95 and lag at the highest users; best rps anywhere, against cores / S and its
    own ceiling (cores / its server CPU per registration)."""
    rows = [
        summary_row("blocking", users=1, endpoint="register", rps=9.0),
        summary_row("blocking", users=4, endpoint="register", rps=8.0),
        summary_row("blocking", users=4, endpoint="health", p95_ms=400.0, loop_lag_p99_ms=100.0),
        summary_row("threadpool", users=4, endpoint="register", rps=18.0),
        summary_row("threadpool", users=4, endpoint="health", p95_ms=4.0, loop_lag_p99_ms=1.0),
    ]
    table = {r.hashing: r for r in fix_table(points(rows))}
    assert table["blocking"].best_rps == pytest.approx(9.0)
    assert table["blocking"].best_at == (1, 1)
    assert table["threadpool"].model_fraction == pytest.approx(18.0 / 20.0)  # 2 cores / 100 ms
    # its own ceiling: the server's 90 % of a core over 18/s = 50 ms of CPU per registration
    assert table["threadpool"].own_ceiling_rps == pytest.approx(2 / 0.050)
    assert table["threadpool"].fraction == pytest.approx(90.0 / 200.0)  # share of cores busy
    assert table["blocking"].health_p95_ms == pytest.approx(400.0)
    assert best_of(list(table.values()), "health_p95_ms", lowest=True) == "threadpool"
    assert best_of(list(table.values()), "best_rps", lowest=False) == "threadpool"


def test_service_time_without_a_baseline_is_the_median_of_the_cells_hashes() -> None:
    """S per bcrypt cost is the median of the ok cells' own hashes; failed cells and other
    costs apart; the report says where it came from and how spread the hashes were."""
    cells = [
        summary_row(hash_ms=400.0),
        summary_row(hash_ms=290.0, cell_id="b"),
        summary_row(hash_ms=300.0, cell_id="e"),
        summary_row(hash_ms=100.0, status="failed", cell_id="c"),
        summary_row(hash_ms=20.0, bcrypt_rounds=8, cell_id="d"),
    ]
    s = service_times(cells)
    assert {k: v.ms for k, v in s.items()} == {12: 300.0, 8: 20.0}
    assert (s[12].source, s[12].hashes_lo, s[12].hashes_hi) == ("hashes", 290.0, 400.0)
    assert "median of the 3 hashes" in describe(s[12])
    [row] = with_service_time([cells[0]], s)
    assert (row["hash_ms"], row["hash_ms_measured"]) == (300.0, 400.0)


def test_service_time_is_the_blocking_baselines_register_time_where_there_is_one() -> None:
    """A sequential baseline's register server time wins over the hashes: blocking's where
    there is one (the call in place), else the fastest strategy's; other costs fall back."""
    cells = [summary_row(hash_ms=240.0), summary_row(hash_ms=20.0, bcrypt_rounds=8, cell_id="d")]
    base = [
        {"hashing": "threadpool", "work": "bcrypt", "bcrypt_rounds": 12, "n": 10,
         "mean_ms": 228.0, "lo_ms": 224.0, "hi_ms": 233.0},
        {"hashing": "blocking", "work": "bcrypt", "bcrypt_rounds": 12, "n": 10,
         "mean_ms": 231.0, "lo_ms": 226.0, "hi_ms": 240.0},
    ]  # fmt: skip
    s = service_times(cells, base)
    assert (s[12].ms, s[12].source, s[12].baseline_hashing) == (231.0, "baseline", "blocking")
    assert (s[8].ms, s[8].source) == (20.0, "hashes")
    assert "sequential blocking baseline" in describe(s[12])
    s = service_times(cells, base[:1])
    assert (s[12].ms, s[12].baseline_hashing) == (228.0, "threadpool")


def test_a_baseline_beside_foreign_load_gives_way_to_the_quiet_cells_hashes() -> None:
    """A sequential baseline another process disturbed is not S: the median of the hashes of
    the cells that ran quiet is, and the report says why; a disturbed cell's hash is left out."""
    cells = [
        summary_row(hash_ms=400.0),
        summary_row(hash_ms=410.0, cell_id="b"),
        summary_row(hash_ms=900.0, cell_id="c", foreign_load=True),
    ]
    base = [
        {"hashing": "blocking", "work": "bcrypt", "bcrypt_rounds": 12, "n": 100,
         "mean_ms": 501.0, "lo_ms": 422.0, "hi_ms": 896.0, "foreign": True},
    ]  # fmt: skip
    s = service_times(cells, base)
    assert (s[12].ms, s[12].source, s[12].n) == (405.0, "hashes", 2)
    assert "sequential blocking baseline ran beside another process's load" in describe(s[12])
