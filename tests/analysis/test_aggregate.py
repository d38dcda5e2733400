"""Shaping rows: endpoints, averaging repeats, representative cells, the fix table."""

from __future__ import annotations

import math

import pytest

from analysis.core.aggregate import (
    endpoint_kind,
    grid,
    points,
    representative_cells,
    service_times,
    with_service_time,
)
from analysis.core.fixes import best_of, fix_table
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
    """Health p95 and lag at the highest users; best rps anywhere, as a fraction of cores/S."""
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
    assert table["threadpool"].fraction == pytest.approx(18.0 / 20.0)  # 2 cores / 100 ms
    assert table["blocking"].health_p95_ms == pytest.approx(400.0)
    assert best_of(list(table.values()), "health_p95_ms", lowest=True) == "threadpool"
    assert best_of(list(table.values()), "best_rps", lowest=False) == "threadpool"


def test_service_time_is_fastest_ok_measurement_per_cost() -> None:
    """S per bcrypt cost is the fastest ok cell's hash_ms; failed cells and other costs apart."""
    cells = [
        summary_row(hash_ms=400.0),
        summary_row(hash_ms=290.0, cell_id="b"),
        summary_row(hash_ms=100.0, status="failed", cell_id="c"),
        summary_row(hash_ms=20.0, bcrypt_rounds=8, cell_id="d"),
    ]
    s = service_times(cells)
    assert s == {12: 290.0, 8: 20.0}
    [row] = with_service_time([cells[0]], s)
    assert (row["hash_ms"], row["hash_ms_measured"]) == (290.0, 400.0)
