"""The runner's hold on its store for the whole process, and its short visits to it.

The StoreLock is taken once per store (first cell, or the Hydra callback before any job) and
kept until the process exits, so a second sweep fails before starting a server. A process
that finds the lock held by its own sweep (a job started by a parallel launcher such as
submitit: the sweep is the same when `sweep_id_for(hydra.sweep.dir)` is) joins it as a
member instead. Connections are opened only for a moment (resume check, sweep row, ingest),
each under the store's ingest lock, so the jobs of one sweep take turns and the `duckdb`
shell can read between cells.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
from omegaconf import OmegaConf

from runner.store import StoreLock, finish_sweep, open_store, record_reuse, record_sweep
from runner.store.environment import collect_sweep
from runner.store.errors import StoreBusy
from runner.store.lock import IngestLock, read_holder
from runner.store.runs import forget_reuse, sweep_state

_LOCKS: dict[Path, StoreLock] = {}
# Stores this process writes as a member of a sweep whose lock another process holds.
_MEMBER: dict[Path, str] = {}
_INGEST: dict[Path, IngestLock] = {}
# The command line of the sweep, passed to its jobs (a submitit job's own argv is submitit's).
SWEEP_ARGV_ENV = "SYNCBLOCK_SWEEP_ARGV"
_RECORDED: set[tuple[Path, str]] = set()
# Cells a sweep reused before it had run one itself: recorded once it does (a sweep that
# only reuses adds nothing to the store, so re-running a finished sweep changes nothing).
_PENDING_REUSE: dict[tuple[Path, str], list[str]] = {}


def _release_all() -> None:
    for lock in _LOCKS.values():
        lock.release()
    _LOCKS.clear()


atexit.register(_release_all)


def hold_store(store: Path, sweep_id: str | None = None) -> None:
    """Take the store's lock for the rest of the process (idempotent), or join `sweep_id`
    when the process holding it runs that sweep; raises StoreBusy otherwise."""
    key = store.resolve()
    if key in _LOCKS or key in _MEMBER:
        return
    lock = StoreLock(key, sweep_id)
    try:
        lock.acquire()
    except StoreBusy:
        if sweep_id is None or read_holder(lock.path)[1] != sweep_id:
            raise
        _MEMBER[key] = sweep_id
        return
    _LOCKS[key] = lock
    os.environ.setdefault(SWEEP_ARGV_ENV, json.dumps(sys.argv))


def sweep_id_of(config: Any) -> str:
    """The sweep id of a Hydra run or multirun config: `sweep_id_for` its output directory."""
    from hydra.types import RunMode

    multirun = OmegaConf.select(config, "hydra.mode") == RunMode.MULTIRUN
    return sweep_id_for(Path(config.hydra.sweep.dir if multirun else config.hydra.run.dir))


def claim_store(config: Any) -> None:
    """`hold_store` for the sweep (or single run) a Hydra config describes (the callback's)."""
    hold_store(Path(config.store), sweep_id_of(config))


def is_member(store: Path) -> bool:
    """True when this process writes `store` as a job of a sweep another process holds."""
    return store.resolve() in _MEMBER


def release_store(store: Path) -> None:
    """Give the store's lock back before the process ends (tests running several runs)."""
    _MEMBER.pop(store.resolve(), None)
    lock = _LOCKS.pop(store.resolve(), None)
    if lock is not None:
        lock.release()


@contextlib.contextmanager
def connection(store: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection to the store under its ingest lock, closed on exit."""
    key = store.resolve()
    lock = _INGEST.setdefault(key, IngestLock(key))
    lock.acquire()  # waits for another job of the sweep; StoreBusy at the deadline
    try:
        con = open_store(store)
        try:
            yield con
        finally:
            con.close()
    finally:
        lock.release()


def sweep_id_for(sweep_dir: Path) -> str:
    """A stable sweep id shared by every job of a multirun: the dir's name and a path hash."""
    path = str(sweep_dir.resolve())
    return f"{sweep_dir.name}-{hashlib.sha1(path.encode()).hexdigest()[:8]}"


def ensure_sweep(con: duckdb.DuckDBPyConnection, store: Path, sweep_id: str) -> None:
    """Record the sweep's row once per process (and not again if the store already has it)."""
    key = (store.resolve(), sweep_id)
    if key in _RECORDED:
        return
    if not sweep_state(con, sweep_id)[0]:
        record_sweep(con, collect_sweep(sweep_id, sweep_argv()))
    _RECORDED.add(key)
    for cell_id in _PENDING_REUSE.pop(key, []):
        record_reuse(con, sweep_id, cell_id)


def sweep_argv() -> list[str]:
    """The sweep's command line: the one passed by the process holding the store, else ours."""
    passed = os.environ.get(SWEEP_ARGV_ENV)
    if passed:
        try:
            argv = json.loads(passed)
        except ValueError:
            argv = None
        if isinstance(argv, list):
            return [str(a) for a in argv]
    return list(sys.argv)


def note_reuse(con: duckdb.DuckDBPyConnection, store: Path, sweep_id: str, cell_id: str) -> None:
    """A cell of `sweep_id` was skipped because `cell_id` holds it: record that with the sweep.

    A member job records it at once (its sweep's row may come from another job); the process
    holding the store drops it again at close_sweep if the sweep ran no cell at all.
    """
    key = (store.resolve(), sweep_id)
    if key in _RECORDED or is_member(store):
        record_reuse(con, sweep_id, cell_id)
    else:
        _PENDING_REUSE.setdefault(key, []).append(cell_id)


def close_sweep(store: Path, sweep_id: str) -> None:
    """Stamp the sweep finished, if this process or one of its jobs recorded it."""
    if not store.exists():
        return
    if (store.resolve(), sweep_id) in _RECORDED:
        with connection(store) as con:
            finish_sweep(con, sweep_id)
        return
    if store.resolve() not in _LOCKS:
        return
    with connection(store) as con:  # jobs in other processes (a parallel launcher)
        exists, finished = sweep_state(con, sweep_id)
        if exists and not finished:
            finish_sweep(con, sweep_id)
        elif not exists:  # a sweep that only reused adds nothing to the store
            forget_reuse(con, sweep_id)
