"""One sweep's jobs share a store, another sweep is refused; overlapping cells are flagged."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from analysis.core.overlap import SENTENCE, overlap_text
from runner.store import StoreBusy, ingest_cell, open_store, session
from runner.store.lock import IngestLock, lock_path
from runner.store.records import CellRecord

HOLD = """
import sys, time
from runner.store import StoreLock
StoreLock(sys.argv[1], sys.argv[2]).acquire()
print("held", flush=True)
time.sleep(60)
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[Path]:
    """Another process holds the store for sweep 'sweep-a'."""
    store = tmp_path / "r.duckdb"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(store), "sweep-a"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield store
    finally:
        proc.kill()
        proc.wait(timeout=10)
        session.release_store(store)


def test_a_job_of_the_holding_sweep_joins_and_another_sweep_is_refused(holder: Path) -> None:
    """hold_store with the holder's sweep id joins as a member; any other id is StoreBusy."""
    with pytest.raises(StoreBusy, match=r"in use by another run \(pid \d+, sweep sweep-a\)"):
        session.hold_store(holder, "sweep-b")
    with pytest.raises(StoreBusy):
        session.hold_store(holder)  # no sweep id: never joins
    session.hold_store(holder, "sweep-a")
    assert session.is_member(holder)
    assert lock_path(holder).read_text().split()[1] == "sweep-a"


def test_ingest_lock_waits_for_the_other_job_then_gives_up_at_its_deadline(
    tmp_path: Path,
) -> None:
    """A second visitor waits while the first holds the ingest lock and gets it after;
    a visitor whose deadline passes first gets StoreBusy naming the wait."""
    store = tmp_path / "r.duckdb"
    first = IngestLock(store)
    first.acquire()
    with pytest.raises(StoreBusy, match="waited 0.3 s"):
        IngestLock(store, timeout=0.3).acquire()
    code = (
        "import sys, time; from runner.store.lock import IngestLock; "
        "print('waiting', flush=True); IngestLock(sys.argv[1], timeout=60).acquire(); "
        "print(time.time(), flush=True)"
    )
    waiter = subprocess.Popen(
        [sys.executable, "-c", code, str(store)], stdout=subprocess.PIPE, text=True
    )
    assert waiter.stdout is not None and waiter.stdout.readline().strip() == "waiting"
    time.sleep(1.0)
    assert waiter.poll() is None  # still waiting
    released = time.time()
    first.release()
    out, _ = waiter.communicate(timeout=60)
    assert waiter.returncode == 0 and float(out) >= released


def cell(cell_id: str, host: str, start: float | None, end: float | None) -> CellRecord:
    return CellRecord(
        cell_id=cell_id,
        sweep_id="s1",
        cell_key=cell_id,
        job_num=int(cell_id[-1]),
        scenario="mixed",
        hashing="blocking",
        db="sqlite",
        workers=1,
        users=1,
        spawn_rate=1.0,
        duration_s=2.0,
        warmup_s=1.0,
        repeat=1,
        bcrypt_rounds=4,
        status="ok" if end else "failed",
        t_load_start=start,
        t_measure_start=None if start is None else start + 1,
        t_measure_end=end,
        host=host,
    )


def test_overlap_flags_cells_whose_load_shared_a_host(tmp_path: Path) -> None:
    """Two cells whose load spans intersect on one host are flagged, the earlier one too;
    a cell that ran after them, one on another host at the same time, and one that never
    loaded are not (NULL for the last)."""
    con = open_store(tmp_path / "s.duckdb")
    try:
        ingest_cell(con, cell("c-j0", "a", 100.0, 103.0), None)
        ingest_cell(con, cell("c-j1", "a", 110.0, 113.0), None)
        assert _flags(con) == {"c-j0": False, "c-j1": False}
        ingest_cell(con, cell("c-j2", "a", 102.5, 105.5), None)  # warm-up overlaps j0
        ingest_cell(con, cell("c-j3", "b", 100.0, 103.0), None)  # same time, other host
        ingest_cell(con, cell("c-j4", "a", None, None), None)  # failed before its load
        flags = _flags(con)
    finally:
        con.close()
    assert flags == {"c-j0": True, "c-j1": False, "c-j2": True, "c-j3": False, "c-j4": None}


def _flags(con: duckdb.DuckDBPyConnection) -> dict[str, bool | None]:
    rows = con.execute("SELECT cell_id, overlapped_on_host FROM cells").fetchall()
    return {r[0]: r[1] for r in rows}


def test_overlap_text_names_the_cells_and_says_they_are_not_comparable() -> None:
    """The report sentence lists the flagged cells per host; none flagged: no sentence."""
    base = {"hashing": "blocking", "workers": 1, "scenario": "mixed", "repeat": 1}
    cells = [
        {**base, "job_num": 0, "users": 1, "host": "n1", "overlapped_on_host": True},
        {**base, "job_num": 1, "users": 5, "host": "n1", "overlapped_on_host": True},
        {**base, "job_num": 2, "users": 9, "host": "n2", "overlapped_on_host": False},
    ]
    text = overlap_text(cells)
    assert text is not None and SENTENCE in text
    assert "job 0: blocking · 1 w · 1 u" in text and "job 1" in text and "job 2" not in text
    assert overlap_text(cells[2:]) is None
