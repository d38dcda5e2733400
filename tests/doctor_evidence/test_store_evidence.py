"""runner.store: the stalls' evidence columns are ingested, and an older store gains them."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from app import contract
from runner.store import SCHEMA_VERSION, ingest_cell, open_store
from runner.store.records import CellRecord

EVIDENCE = ("late_ms", "wait_ms", "cpu_ms", "core_wait_ms", "cpu_window_ms")


def _v4_store(path: Path) -> None:
    """A store as schema v4 left it (stalls without the evidence columns), with one stall."""
    open_store(path).close()
    con = duckdb.connect(str(path))
    for view in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall():
        con.execute(f"DROP VIEW {view[0]}")
    for col in EVIDENCE:
        con.execute(f"ALTER TABLE stalls DROP COLUMN {col}")
    con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    con.execute(
        "INSERT INTO stalls VALUES ('old', 1, 10.0, 200.0, 30, ['m:f:1'], 'm:f:1', false, "
        "'watchdog', false)"
    )
    con.close()


def _cell(cell_id: str) -> CellRecord:
    return CellRecord(
        cell_id=cell_id, sweep_id="s1", cell_key="k", job_num=0, scenario="health",
        hashing="blocking", db="sqlite", workers=1, users=1, spawn_rate=1.0, duration_s=1.0,
        warmup_s=0.0, repeat=1, bcrypt_rounds=4, status="ok", t_measure_start=0.0,
    )  # fmt: skip


def test_a_v4_store_gains_the_evidence_columns_and_keeps_its_stalls(tmp_path: Path) -> None:
    """Opened for writing, a v4 store becomes the current version; its old stall reads NULL
    evidence, and a newly ingested stall keeps the watchdog's numbers."""
    path = tmp_path / "old.duckdb"
    _v4_store(path)
    con = open_store(path)
    version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    assert version == [(str(SCHEMA_VERSION),)] and SCHEMA_VERSION == 5
    cols = ", ".join(EVIDENCE)
    assert con.execute(f"SELECT {cols} FROM stalls").fetchall() == [(None,) * 5]
    server = tmp_path / "cell" / contract.SERVER_DIR
    server.mkdir(parents=True)
    record = {
        "pid": 1, "t_start": 10.0, "duration_ms": 150.0, "samples": 25, "stack": ["m:f:1"],
        "leaf": "m:f:1", "late": False, "source": "watchdog", "late_ms": 0.2, "wait_ms": 5.3,
        "cpu_ms": 120.0, "core_wait_ms": 3.0, "cpu_window_ms": 125.0,
    }  # fmt: skip
    assert set(record) == set(contract.STALL_FIELDS)
    contract.stalls_file(server, 1).write_text(json.dumps(record) + "\n")
    assert ingest_cell(con, _cell("new"), tmp_path / "cell")["stalls"] == 1
    got = con.execute(f"SELECT {cols} FROM measured_stalls WHERE cell_id = 'new'").fetchall()
    assert got == [(0.2, 5.3, 120.0, 3.0, 125.0)]
    con.close()
