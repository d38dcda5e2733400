"""Reads of a cell's own files before it is ingested (the runner needs two facts from them to
define the measured window and the drops), with DuckDB's JSON reader like ingest itself."""

from __future__ import annotations

from pathlib import Path

import duckdb

from app import contract
from runner.store.ingest import _struct


def first_client_request(client_dir: Path) -> float | None:
    """Epoch time of the earliest client request in a cell's client logs (None if none)."""
    files = sorted(str(f) for f in client_dir.glob(contract.REQUESTS_GLOB))
    if not files:
        return None
    con = duckdb.connect()
    try:
        row = con.execute(
            "SELECT min(t_start) FROM read_json(?, columns = {t_start: 'DOUBLE'}, "
            "ignore_errors = true)",
            [files],
        ).fetchall()
    finally:
        con.close()
    return None if not row or row[0][0] is None else float(row[0][0])


def dropped_in_window(client_dir: Path, t0: float, t1: float) -> int:
    """Dropped open-loop arrivals whose intended time lies in [t0, t1] (0 when none logged)."""
    files = sorted(str(p) for p in client_dir.glob(contract.DROPPED_GLOB) if p.stat().st_size)
    if not files:
        return 0
    con = duckdb.connect()
    try:
        row = con.execute(
            "SELECT count(*) FROM read_json(?, format = 'newline_delimited', "
            f"columns = {_struct(contract.DROPPED_FIELDS)}, ignore_errors = true) "
            "WHERE t_intended BETWEEN ? AND ?",
            [files, t0, t1],
        ).fetchall()
    finally:
        con.close()
    return int(row[0][0])
