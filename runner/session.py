"""The runner's hold on its store for the whole process, and its short visits to it.

The StoreLock is taken once per store (first cell, or the Hydra callback before any job) and
kept until the process exits, so a second runner fails before starting a server. Connections
are opened only for a moment (resume check, sweep row, ingest) so the `duckdb` shell can read
between cells.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb

from runner.environment import collect_sweep
from runner.store import StoreLock, finish_sweep, open_store, record_reuse, record_sweep

_LOCKS: dict[Path, StoreLock] = {}
_RECORDED: set[tuple[Path, str]] = set()
# Cells a sweep reused before it had run one itself: recorded once it does (a sweep that
# only reuses adds nothing to the store, so re-running a finished sweep changes nothing).
_PENDING_REUSE: dict[tuple[Path, str], list[str]] = {}


def _release_all() -> None:
    for lock in _LOCKS.values():
        lock.release()
    _LOCKS.clear()


atexit.register(_release_all)


def hold_store(store: Path) -> None:
    """Take the store's lock for the rest of the process (idempotent); raises StoreBusy."""
    key = store.resolve()
    if key not in _LOCKS:
        lock = StoreLock(key)
        lock.acquire()
        _LOCKS[key] = lock


def release_store(store: Path) -> None:
    """Give the store's lock back before the process ends (tests running several runs)."""
    lock = _LOCKS.pop(store.resolve(), None)
    if lock is not None:
        lock.release()


@contextlib.contextmanager
def connection(store: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection to the store, closed on exit."""
    con = open_store(store)
    try:
        yield con
    finally:
        con.close()


def sweep_id_for(sweep_dir: Path) -> str:
    """A stable sweep id shared by every job of a multirun: the dir's name and a path hash."""
    path = str(sweep_dir.resolve())
    return f"{sweep_dir.name}-{hashlib.sha1(path.encode()).hexdigest()[:8]}"


def ensure_sweep(con: duckdb.DuckDBPyConnection, store: Path, sweep_id: str) -> None:
    """Record the sweep's row once per process (and not again if the store already has it)."""
    key = (store.resolve(), sweep_id)
    if key in _RECORDED:
        return
    rows = con.execute("SELECT count(*) FROM sweeps WHERE sweep_id = ?", [sweep_id]).fetchall()
    if not rows[0][0]:
        record_sweep(con, collect_sweep(sweep_id, sys.argv))
    _RECORDED.add(key)
    for cell_id in _PENDING_REUSE.pop(key, []):
        record_reuse(con, sweep_id, cell_id)


def note_reuse(con: duckdb.DuckDBPyConnection, store: Path, sweep_id: str, cell_id: str) -> None:
    """A cell of `sweep_id` was skipped because `cell_id` holds it: record that with the sweep."""
    key = (store.resolve(), sweep_id)
    if key in _RECORDED:
        record_reuse(con, sweep_id, cell_id)
    else:
        _PENDING_REUSE.setdefault(key, []).append(cell_id)


def close_sweep(store: Path, sweep_id: str) -> None:
    """Stamp the sweep finished, if this process recorded it."""
    if (store.resolve(), sweep_id) in _RECORDED and store.exists():
        with connection(store) as con:
            finish_sweep(con, sweep_id)
