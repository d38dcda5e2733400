"""The runner's side of open-loop load: which locustfile and knobs a cell's locust gets, and
how many arrivals it dropped inside the measured window (the locustfile logs them)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from app.contract import DROPPED_FIELDS, DROPPED_GLOB
from runner.store.ingest import _struct

OPEN_LOCUSTFILE = "open_loop.py"


def dropped_in_window(client_dir: Path, t0: float, t1: float) -> int:
    """Dropped arrivals whose intended time lies in [t0, t1] (0 when none were logged)."""
    files = sorted(str(p) for p in client_dir.glob(DROPPED_GLOB) if p.stat().st_size)
    if not files:
        return 0
    con = duckdb.connect()
    try:
        row = con.execute(
            "SELECT count(*) FROM read_json(?, format = 'newline_delimited', "
            f"columns = {_struct(DROPPED_FIELDS)}, ignore_errors = true) "
            "WHERE t_intended BETWEEN ? AND ?",
            [files, t0, t1],
        ).fetchall()
    finally:
        con.close()
    return int(row[0][0])
