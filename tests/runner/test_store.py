"""The store: creation readable by the duckdb CLI, schema versions, read-only use, the run lock."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from runner.store import (
    SCHEMA_VERSION,
    StoreBusy,
    StoreError,
    StoreLock,
    finish_sweep,
    ingest_cell,
    ok_cell_id,
    open_store,
    record_sweep,
)
from runner.store.records import CellRecord, SweepRecord
from tests.fixtures import FIXTURES, build_fixture_store

REPO = Path(__file__).resolve().parents[2]
DUCKDB_CLI = Path(sys.executable).with_name("duckdb")


def _version(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()[0][0]


def _cell(cell_id: str, status: str, key: str = "k1") -> CellRecord:
    return CellRecord(
        cell_id=cell_id,
        sweep_id="s1",
        cell_key=key,
        job_num=0,
        scenario="health",
        hashing="blocking",
        db="sqlite",
        workers=1,
        users=1,
        spawn_rate=1.0,
        duration_s=1.0,
        warmup_s=0.0,
        repeat=1,
        bcrypt_rounds=4,
        status=status,
        config={"users": 1},
    )


def test_new_store_has_current_schema_version(tmp_path: Path) -> None:
    """A new store records the code's schema_version and has every contract table and the view."""
    con = open_store(tmp_path / "sub" / "s.duckdb")
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
    assert _version(con) == str(SCHEMA_VERSION)
    assert {
        "sweeps",
        "cells",
        "locust_stats",
        "locust_history",
        "requests",
        "loop_lag",
        "resources",
        "failures",
        "meta",
    } <= tables
    assert "cell_summary" in views
    con.close()


def test_duckdb_cli_reads_a_store_we_wrote(tmp_path: Path) -> None:
    """PyPI's duckdb-cli shell opens a store we created and gets the same cell_summary rows."""
    store = build_fixture_store(tmp_path / "s.duckdb")
    query = "SELECT count(*), round(sum(avg_ms), 6) FROM cell_summary"
    con = open_store(store, read_only=True)
    ours = con.execute(query).fetchall()[0]
    con.close()
    done = subprocess.run(
        [str(DUCKDB_CLI), "-readonly", "-csv", "-noheader", str(store), query],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    count, total = done.stdout.strip().split(",")
    assert (int(count), float(total)) == (ours[0], ours[1])
    assert ours[0] > 0


def test_reopening_keeps_data_and_version(tmp_path: Path) -> None:
    """Opening an existing current store again (write, then read-only) keeps its rows."""
    path = tmp_path / "s.duckdb"
    con = open_store(path)
    ingest_cell(con, _cell("c1", "ok"), None)
    con.close()
    for read_only in (False, True):
        con = open_store(path, read_only=read_only)
        assert con.execute("SELECT count(*) FROM cells").fetchall() == [(1,)]
        assert _version(con) == str(SCHEMA_VERSION)
        con.close()


def test_read_only_store_refuses_writes(tmp_path: Path) -> None:
    """A read-only connection (the analysis) cannot change the store."""
    path = tmp_path / "s.duckdb"
    open_store(path).close()
    con = open_store(path, read_only=True)
    with pytest.raises(duckdb.Error):
        con.execute("DELETE FROM cells")
    con.close()


def test_read_only_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    """Reading a store that does not exist says so and creates nothing."""
    path = tmp_path / "none.duckdb"
    with pytest.raises(StoreError, match="does not exist"):
        open_store(path, read_only=True)
    assert not path.exists()


def _v1_store(path: Path) -> None:
    """A store as the first schema (tests/fixtures/schema_v1.sql) wrote it, with one request."""
    con = duckdb.connect(str(path))
    con.execute((FIXTURES / "schema_v1.sql").read_text())
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute(
        "INSERT INTO requests VALUES ('c1', 'client', 'r1', 'GET', '/api/health/', 200, "
        "10.0, 5.0, 7, false)"
    )
    con.close()


def test_older_store_is_upgraded_in_place(tmp_path: Path) -> None:
    """A version-1 store opened for writing becomes the current version and keeps its rows."""
    path = tmp_path / "old.duckdb"
    _v1_store(path)
    con = open_store(path)
    assert _version(con) == str(SCHEMA_VERSION)
    rows = con.execute("SELECT request_id, duration_ms, ok, error FROM requests").fetchall()
    assert rows == [("r1", 5.0, None, None)]
    con.execute("FROM cell_summary").fetchall()  # the view binds against the upgraded tables
    con.close()


def test_older_store_is_refused_read_only(tmp_path: Path) -> None:
    """A read-only open cannot upgrade, so an old store is refused with how to upgrade it."""
    path = tmp_path / "old.duckdb"
    _v1_store(path)
    with pytest.raises(StoreError, match=r"schema version 1, older than .* to upgrade"):
        open_store(path, read_only=True)


def test_newer_store_is_refused(tmp_path: Path) -> None:
    """A store from a newer schema is refused, for writing and reading, and left untouched."""
    path = tmp_path / "new.duckdb"
    open_store(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    for read_only in (False, True):
        with pytest.raises(StoreError, match="schema version 99, newer than") as err:
            open_store(path, read_only=read_only)
        assert "\n" not in str(err.value)
    con = duckdb.connect(str(path), read_only=True)
    assert _version(con) == "99"
    con.close()


def test_foreign_files_are_refused(tmp_path: Path) -> None:
    """A DuckDB file without our meta table, or a file that is not DuckDB, is refused."""
    foreign = tmp_path / "foreign.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("CREATE TABLE t (a INTEGER)")
    con.close()
    with pytest.raises(StoreError, match="not a syncblock store"):
        open_store(foreign)
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database\n" * 100)
    with pytest.raises(StoreError, match="cannot open store"):
        open_store(text)


def test_sweep_rows_and_ok_cells(tmp_path: Path) -> None:
    """record_sweep replaces, finish_sweep stamps, ok_cell_id sees only status 'ok'."""
    con = open_store(tmp_path / "s.duckdb")
    sweep = SweepRecord(
        sweep_id="s1", started_at=datetime.now(UTC), package_versions={"duckdb": duckdb.__version__}
    )
    record_sweep(con, sweep)
    record_sweep(con, sweep)
    finish_sweep(con, "s1")
    rows = con.execute("SELECT finished_at, package_versions FROM sweeps").fetchall()
    assert len(rows) == 1 and rows[0][0] is not None
    assert json.loads(rows[0][1]) == {"duckdb": duckdb.__version__}
    ingest_cell(con, _cell("c1", "failed"), None)
    assert ok_cell_id(con, "k1") is None
    ingest_cell(con, _cell("c1", "ok"), None)
    assert ok_cell_id(con, "k1") == ("c1", "s1") and ok_cell_id(con, "other") is None
    con.execute("SELECT 1").fetchall()  # no half-read result left behind
    con.close()


_HOLD = """
import sys
from runner.store import StoreLock
lock = StoreLock(sys.argv[1]); lock.acquire()
print("locked", flush=True)
sys.stdin.read()
"""
_TRY = """
import sys
from runner.store import StoreBusy, StoreLock
try:
    StoreLock(sys.argv[1]).acquire()
except StoreBusy as exc:
    print(exc); sys.exit(3)
"""


def test_second_run_is_refused_until_first_dies(tmp_path: Path) -> None:
    """A lock held by another process refuses us, names its pid, and is freed when it is killed."""
    store = tmp_path / "s.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(store)],
        cwd=REPO,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreBusy) as err:
            StoreLock(store).acquire()
        assert str(err.value) == f"store {store} is in use by another run (pid {holder.pid})"
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
    with StoreLock(store):  # the OS released the dead holder's lock
        done = subprocess.run(
            [sys.executable, "-c", _TRY, str(store)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 3
        assert done.stdout.strip() == f"store {store} is in use by another run (pid {os.getpid()})"
    StoreLock(store).acquire()  # released on exit of the with block


def test_cell_summary_by_source_splits_users_from_the_probe(tmp_path: Path) -> None:
    """cell_summary_by_source: per cell, endpoint and source, the same window as cell_summary:
    the sources' request counts add up to cell_summary's, and its probe_requests are the probe's."""
    con = open_store(build_fixture_store(tmp_path / "s.duckdb"), read_only=True)
    sql = "SELECT cell_id, endpoint, requests, probe_requests FROM cell_summary"
    pooled = {(c, e): (n, p) for c, e, n, p in con.execute(sql).fetchall()}
    split: dict[tuple[str, str], dict[str, int]] = {}
    sql = "SELECT cell_id, endpoint, source, requests FROM cell_summary_by_source"
    for c, e, source, n in con.execute(sql).fetchall():
        split.setdefault((c, e), {})[source] = n
    assert split.keys() == pooled.keys()
    for key, (n, probes) in pooled.items():
        assert sum(split[key].values()) == n and split[key].get("probe", 0) == probes, key
    assert {s for d in split.values() for s in d} <= {"user", "probe"}
    con.close()
