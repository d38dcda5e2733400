"""The DuckDB store of a sweep: open it (versioned), hold and lock it for a run, record sweeps
and cells, ingest a cell's files, and keep passwords out of all of it."""

from runner.store.connection import SCHEMA_VERSION, STORAGE_VERSION, open_store
from runner.store.errors import StoreBusy, StoreError
from runner.store.files import first_client_request
from runner.store.ingest import CELL_TABLES, ingest_cell
from runner.store.lock import StoreLock
from runner.store.records import CellRecord, SweepRecord
from runner.store.runs import (
    finish_sweep,
    headline,
    ok_cell_id,
    record_reuse,
    record_sweep,
)
from runner.store.session import (
    connection,
    ensure_sweep,
    hold_store,
    note_reuse,
    release_store,
    sweep_id_for,
)

__all__ = [
    "CELL_TABLES",
    "SCHEMA_VERSION",
    "STORAGE_VERSION",
    "CellRecord",
    "StoreBusy",
    "StoreError",
    "StoreLock",
    "SweepRecord",
    "connection",
    "ensure_sweep",
    "finish_sweep",
    "first_client_request",
    "headline",
    "hold_store",
    "ingest_cell",
    "note_reuse",
    "ok_cell_id",
    "open_store",
    "record_reuse",
    "record_sweep",
    "release_store",
    "sweep_id_for",
]
