"""db=sqlite,postgres for real: a 2-cell sweep through `python -m runner -m`, the throwaway
PostgreSQL started once and stopped at the end, every 201 stored in the cell's database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.runner.helpers import query, run_runner
from tests.runner.test_pg_server import pg_processes

# slow: a long real-process check kept out of the default run (its time budget)
pytestmark = [pytest.mark.e2e, pytest.mark.slow]

GRID = [
    "db=sqlite,postgres",
    "workers=2",
    "users=4",
    "hashing=threadpool",
    "duration=3",
    "warmup=1",
    "bcrypt_rounds=4",
    "baseline=false",
]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(store, sweep dir, runner output) of one sqlite + postgres sweep."""
    root = tmp_path_factory.mktemp("pgsweep")
    store, sweep_dir = root / "r.duckdb", root / "sweep"
    before = pg_processes()
    done = run_runner("-m", *GRID, f"store={store}", f"hydra.sweep.dir={sweep_dir}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert pg_processes() == before  # the sweep's server is gone with the sweep
    return store, sweep_dir, done.stdout + done.stderr


def test_both_cells_ok_without_failures(sweep: tuple[Path, Path, str]) -> None:
    """Two ok cells, one per database, no failed request; PostgreSQL said how fast it started."""
    store, _, output = sweep
    cells = query(store, "SELECT db, status, error, db_pool_size FROM cells ORDER BY db")
    assert cells == [("postgres", "ok", None, 15), ("sqlite", "ok", None, 15)]
    failures = query(store, "SELECT sum(failures) FROM cell_summary")[0][0]
    assert failures == 0
    assert "PostgreSQL started in" in output


def test_each_cells_database_holds_exactly_its_201s(sweep: tuple[Path, Path, str]) -> None:
    """db.json's row count (read at the end of the cell) equals the cell's 201 responses."""
    store, sweep_dir, _ = sweep
    for cell_id, db, cell_dir in query(store, "SELECT cell_id, db, dir FROM cells"):
        created = query(
            store,
            "SELECT count(*) FROM requests WHERE cell_id = ? AND side = 'server' AND status = 201",
            [cell_id],
        )[0][0]
        info = json.loads((Path(cell_dir) / "db.json").read_text())
        assert info["db"] == db
        assert info["rows"] == created > 10, (db, info, created)
    assert (sweep_dir / "postgres.log").stat().st_size > 0


def test_db_ms_is_recorded_for_registrations_only(sweep: tuple[Path, Path, str]) -> None:
    """Server rows of registrations carry db_ms (> 0, below the request's time); health none."""
    store, _, _ = sweep
    rows = query(
        store,
        """SELECT c.db, r.path, count(r.db_ms), count(*), min(r.db_ms),
                  count(*) FILTER (WHERE r.db_ms > r.duration_ms)
           FROM requests r JOIN cells c USING (cell_id) WHERE r.side = 'server'
           GROUP BY ALL ORDER BY ALL""",
    )
    for db, path, with_db, n, low, over in rows:
        if path.endswith("/register/"):
            assert with_db == n > 0 and low > 0 and over == 0, (db, path)
        else:
            assert with_db == 0, (db, path)
    assert {r[0] for r in rows} == {"sqlite", "postgres"}


def test_report_compares_the_databases(sweep: tuple[Path, Path, str]) -> None:
    """The rebuilt report has the SQLite vs PostgreSQL section with both databases' numbers."""
    store, _, _ = sweep
    page = (store.parent / "report.html").read_text()
    assert "SQLite vs PostgreSQL" in page
    assert "PostgreSQL registered" in page and "ms in PostgreSQL per registration" in page
