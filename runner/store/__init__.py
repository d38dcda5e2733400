"""The DuckDB store of a sweep: open it (versioned), lock it for a run, record sweeps and cells,
and ingest a cell's files. See DESIGN.md, "The store"."""

from runner.store.connection import SCHEMA_VERSION, STORAGE_VERSION, open_store
from runner.store.errors import StoreBusy, StoreError
from runner.store.ingest import CELL_TABLES, ingest_cell
from runner.store.lock import StoreLock
from runner.store.runs import (
    finish_sweep,
    ok_cell_id,
    record_reuse,
    record_sweep,
)

__all__ = [
    "CELL_TABLES",
    "SCHEMA_VERSION",
    "STORAGE_VERSION",
    "StoreBusy",
    "StoreError",
    "StoreLock",
    "finish_sweep",
    "ingest_cell",
    "open_store",
    "ok_cell_id",
    "record_reuse",
    "record_sweep",
]
