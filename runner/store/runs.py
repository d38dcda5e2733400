"""The `sweeps` and `cells` rows: one parameterised row each, from the lead's records."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import duckdb

from runner.store.records import CellRecord, SweepRecord, columns, values


def _insert(con: duckdb.DuckDBPyConnection, table: str, record: SweepRecord | CellRecord) -> None:
    names = columns(type(record))
    row: list[Any] = [
        json.dumps(v, default=str) if isinstance(v, dict) else v for v in values(record)
    ]
    quoted = ", ".join(f'"{name}"' for name in names)
    marks = ", ".join("?" for _ in names)
    con.execute(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", row)


def record_sweep(con: duckdb.DuckDBPyConnection, sweep: SweepRecord) -> None:
    """Store (or replace) the row of a sweep."""
    con.begin()
    try:
        con.execute("DELETE FROM sweeps WHERE sweep_id = ?", [sweep.sweep_id])
        _insert(con, "sweeps", sweep)
        con.commit()
    except BaseException:
        con.rollback()
        raise


def finish_sweep(
    con: duckdb.DuckDBPyConnection, sweep_id: str, finished_at: datetime | None = None
) -> None:
    """Stamp a sweep's finished_at (now, by default)."""
    con.execute(
        "UPDATE sweeps SET finished_at = ? WHERE sweep_id = ?",
        [finished_at or datetime.now(UTC), sweep_id],
    )


def ok_cell_id(con: duckdb.DuckDBPyConnection, cell_key: str) -> tuple[str, str] | None:
    """(cell_id, sweep_id) of the newest cell stored ok with this configuration key."""
    found = con.execute(
        "SELECT cell_id, sweep_id FROM cells WHERE cell_key = ? AND status = 'ok' "
        "ORDER BY finished_at DESC NULLS LAST LIMIT 1",
        [cell_key],
    ).fetchall()
    return (str(found[0][0]), str(found[0][1])) if found else None


def record_reuse(con: duckdb.DuckDBPyConnection, sweep_id: str, cell_id: str) -> None:
    """Count a stored cell as part of `sweep_id` too (a resumed sweep skipped it); idempotent."""
    con.execute(
        "INSERT INTO reused_cells SELECT ?, ? WHERE NOT EXISTS "
        "(SELECT 1 FROM reused_cells WHERE sweep_id = ? AND cell_id = ?)",
        [sweep_id, cell_id, sweep_id, cell_id],
    )


def insert_cell(con: duckdb.DuckDBPyConnection, cell: CellRecord) -> None:
    """Insert the row of a cell (ingest_cell calls it inside its transaction)."""
    _insert(con, "cells", cell)


def headline(con: duckdb.DuckDBPyConnection, cell_id: str) -> dict[str, dict[str, float | None]]:
    """Per endpoint: avg_ms, rps, failures of a stored cell (from the cell_summary view), and
    under the key FOREIGN the CPU other processes took in its window (its flag as 1/0)."""
    rows = con.execute(
        "SELECT endpoint, avg_ms, rps, failures FROM cell_summary WHERE cell_id = ?", [cell_id]
    ).fetchall()
    out: dict[str, dict[str, float | None]] = {
        r[0]: {"avg_ms": r[1], "rps": r[2], "failures": r[3]} for r in rows
    }
    found = con.execute(
        "SELECT foreign_cpu_pct, foreign_load FROM cells WHERE cell_id = ?", [cell_id]
    ).fetchone()
    if found and found[0] is not None:
        out[FOREIGN] = {"cpu_pct": float(found[0]), "flagged": float(bool(found[1]))}
    return out


FOREIGN = "(foreign load)"  # headline's key for the cell's foreign CPU (not an endpoint)


def sweep_state(con: duckdb.DuckDBPyConnection, sweep_id: str) -> tuple[bool, bool]:
    """(the sweep has a row, that row is stamped finished)."""
    found = con.execute(
        "SELECT count(*), count(finished_at) FROM sweeps WHERE sweep_id = ?", [sweep_id]
    ).fetchall()[0]
    return bool(found[0]), bool(found[1])


def forget_reuse(con: duckdb.DuckDBPyConnection, sweep_id: str) -> None:
    """Drop what a sweep recorded as reused (a sweep that only reused adds nothing)."""
    con.execute("DELETE FROM reused_cells WHERE sweep_id = ?", [sweep_id])
