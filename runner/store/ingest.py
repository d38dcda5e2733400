"""Ingest one cell directory into the store: one transaction, delete-then-insert by cell_id,
every bulk load done by DuckDB's own readers (read_csv / read_json), never row by row.

Locust's CSV headers are someone else's schema: they are mapped to ours here, and only here.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

from app import contract
from runner.store.doctor import ingest_findings
from runner.store.foreign import flag_foreign
from runner.store.overlap import flag_overlaps
from runner.store.records import CellRecord
from runner.store.runs import insert_cell

# Every table holding rows of a cell: all of them are cleared before a (re-)ingest.
CELL_TABLES = (
    "cells",
    "locust_stats",
    "locust_history",
    "failures",
    "requests",
    "loop_lag",
    "resources",
    "stalls",
    "doctor_findings",
    "host_ticks",
)

_PERCENTILES = (
    ("p50_ms", "50%"),
    ("p66_ms", "66%"),
    ("p75_ms", "75%"),
    ("p80_ms", "80%"),
    ("p90_ms", "90%"),
    ("p95_ms", "95%"),
    ("p98_ms", "98%"),
    ("p99_ms", "99%"),
    ("p999_ms", "99.9%"),
    ("p9999_ms", "99.99%"),
    ("p100_ms", "100%"),
)

# (our column, locust's CSV header, type) for each locust CSV we keep; see locust/stats.py.
LOCUST_STATS: tuple[tuple[str, str, str], ...] = (
    ("type", "Type", "VARCHAR"),
    ("name", "Name", "VARCHAR"),
    ("request_count", "Request Count", "BIGINT"),
    ("failure_count", "Failure Count", "BIGINT"),
    ("median_ms", "Median Response Time", "DOUBLE"),
    ("avg_ms", "Average Response Time", "DOUBLE"),
    ("min_ms", "Min Response Time", "DOUBLE"),
    ("max_ms", "Max Response Time", "DOUBLE"),
    ("rps", "Requests/s", "DOUBLE"),
    ("failures_per_s", "Failures/s", "DOUBLE"),
    *((ours, header, "DOUBLE") for ours, header in _PERCENTILES),
)
LOCUST_HISTORY: tuple[tuple[str, str, str], ...] = (
    ("ts", "Timestamp", "DOUBLE"),
    ("user_count", "User Count", "INTEGER"),
    ("type", "Type", "VARCHAR"),
    ("name", "Name", "VARCHAR"),
    ("rps", "Requests/s", "DOUBLE"),
    ("failures_per_s", "Failures/s", "DOUBLE"),
    ("p50_ms", "50%", "DOUBLE"),
    ("p95_ms", "95%", "DOUBLE"),
    ("p99_ms", "99%", "DOUBLE"),
    ("total_request_count", "Total Request Count", "BIGINT"),
    ("total_failure_count", "Total Failure Count", "BIGINT"),
)
LOCUST_FAILURES: tuple[tuple[str, str, str], ...] = (
    ("method", "Method", "VARCHAR"),
    ("name", "Name", "VARCHAR"),
    ("error", "Error", "VARCHAR"),
    ("occurrences", "Occurrences", "BIGINT"),
)

# Explicit JSON column types (app/contract.py), so an odd file never changes a column's type.
CLIENT_JSON = contract.CLIENT_REQUEST_FIELDS
SERVER_JSON = contract.SERVER_REQUEST_FIELDS
LAG_JSON = contract.LAG_FIELDS
RESOURCES_JSON = contract.RESOURCE_FIELDS
HOST_JSON = contract.HOST_FIELDS
STALLS_JSON = contract.STALL_FIELDS


def _struct(types: dict[str, str]) -> str:
    """A DuckDB struct literal {'name': 'TYPE', ...} from our constants (never user input)."""
    return "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in types.items()) + "}"


def _read_csv(mapping: Iterable[tuple[str, str, str]]) -> tuple[str, str]:
    """(our column list, SELECT list + reader) for a locust CSV, given as parameter 3."""
    mapping = tuple(mapping)
    ours = ", ".join(col for col, _, _ in mapping)
    picks = ", ".join(f'"{header}"' for _, header, _ in mapping)
    types = _struct({header: kind for _, header, kind in mapping})
    reader = f"read_csv(?, header = true, nullstr = 'N/A', union_by_name = true, types = {types})"
    return ours, f"{picks} FROM {reader}"


def _read_jsonl(types: dict[str, str]) -> str:
    return (
        f"read_json(?, format = 'newline_delimited', columns = {_struct(types)}, "
        "ignore_errors = true)"  # a line cut by a crash reads as NULLs, filtered below
    )


def _csv_insert(table: str, mapping: tuple[tuple[str, str, str], ...]) -> str:
    ours, select = _read_csv(mapping)
    return f"INSERT INTO {table} (cell_id, {ours}) SELECT CAST(? AS VARCHAR), {select}"


def _requests_insert(types: dict[str, str]) -> str:
    """INSERT ... SELECT for one side's request files; the fields a side lacks are NULL."""
    extra = ("ok", "error", "source", "t_intended", "db_ms")
    picks = ", ".join(name if name in types else "NULL" for name in extra)
    return (
        "INSERT INTO requests (cell_id, side, request_id, method, path, status, t_start, "
        f"duration_ms, pid, in_warmup, {', '.join(extra)}) "
        "SELECT CAST(? AS VARCHAR), CAST(? AS VARCHAR), request_id, method, path, status, "
        "t_start, duration_ms, pid, coalesce(t_start < CAST(? AS DOUBLE), false), "
        f"{picks} FROM {_read_jsonl(types)} WHERE t_start IS NOT NULL"
    )


_LAG_INSERT = (
    "INSERT INTO loop_lag (cell_id, pid, t, lag_ms, in_warmup) "
    "SELECT CAST(? AS VARCHAR), pid, t, lag_ms, coalesce(t < CAST(? AS DOUBLE), false) "
    f"FROM {_read_jsonl(LAG_JSON)} WHERE t IS NOT NULL AND lag_ms IS NOT NULL"
)
_RESOURCES_INSERT = (
    "INSERT INTO resources (cell_id, t, role, pid, cpu_percent, rss_bytes) "
    "SELECT CAST(? AS VARCHAR), t, role, pid, cpu_percent, rss_bytes "
    f"FROM {_read_jsonl(RESOURCES_JSON)} WHERE t IS NOT NULL"
)


_HOST_INSERT = (
    "INSERT INTO host_ticks (cell_id, t, host_cpu_percent, own_cpu_percent) "
    "SELECT CAST(? AS VARCHAR), t, host_cpu_percent, own_cpu_percent "
    f"FROM {_read_jsonl(HOST_JSON)} WHERE t IS NOT NULL"
)


_STALL_EVIDENCE = ("late_ms", "wait_ms", "cpu_ms", "core_wait_ms", "cpu_window_ms")
_STALLS_INSERT = (
    "INSERT INTO stalls (cell_id, pid, t_start, duration_ms, samples, stack, leaf, late, "
    f"source, in_warmup, {', '.join(_STALL_EVIDENCE)}) "
    "SELECT CAST(? AS VARCHAR), pid, t_start, duration_ms, samples, stack, leaf, late, source, "
    f"coalesce(t_start < CAST(? AS DOUBLE), false), {', '.join(_STALL_EVIDENCE)} "
    f"FROM {_read_jsonl(STALLS_JSON)} WHERE t_start IS NOT NULL"
)


def _files(directory: Path, pattern: str) -> list[str]:
    """Non-empty files matching pattern, sorted (a failed cell may have none)."""
    return sorted(str(p) for p in directory.glob(pattern) if p.is_file() and p.stat().st_size)


def _loads(rec: CellRecord, cell_dir: Path) -> list[tuple[str, str, list[Any]]]:
    """(table, INSERT ... SELECT, parameters) for each of the cell's files that exist."""
    cid, t0 = rec.cell_id, rec.t_measure_start
    server, client = cell_dir / contract.SERVER_DIR, cell_dir / contract.CLIENT_DIR
    plan: list[tuple[str, str, list[Any]]] = []

    def add(table: str, files: list[str], sql: str, *params: Any) -> None:
        if files:
            plan.append((table, sql, [*params, files]))

    add(
        "locust_stats",
        _files(cell_dir, contract.locust_csv(cell_dir, "stats").name),
        _csv_insert("locust_stats", LOCUST_STATS),
        cid,
    )
    add(
        "locust_history",
        _files(cell_dir, contract.locust_csv(cell_dir, "stats_history").name),
        _csv_insert("locust_history", LOCUST_HISTORY),
        cid,
    )
    add(
        "failures",
        _files(cell_dir, contract.locust_csv(cell_dir, "failures").name),
        _csv_insert("failures", LOCUST_FAILURES),
        cid,
    )
    add(
        "requests",
        _files(client, contract.REQUESTS_GLOB),
        _requests_insert(CLIENT_JSON),
        cid,
        "client",
        t0,
    )
    add(
        "requests",
        _files(server, contract.REQUESTS_GLOB),
        _requests_insert(SERVER_JSON),
        cid,
        "server",
        t0,
    )
    add("loop_lag", _files(server, contract.LAG_GLOB), _LAG_INSERT, cid, t0)
    add("resources", _files(cell_dir, contract.RESOURCES), _RESOURCES_INSERT, cid)
    add("host_ticks", _files(cell_dir, contract.HOST_TICKS), _HOST_INSERT, cid)
    add("stalls", _files(server, contract.STALLS_GLOB), _STALLS_INSERT, cid, t0)
    return plan


def ingest_cell(
    con: duckdb.DuckDBPyConnection, rec: CellRecord, cell_dir: Path | None
) -> dict[str, int]:
    """Replace everything stored of rec.cell_id by rec and the files of cell_dir, atomically.

    Returns rows inserted per table. On any error the transaction is rolled back and the
    error re-raised: the store then holds the cell exactly as before.
    """
    counts = dict.fromkeys(CELL_TABLES, 0)
    # Rows of a table have no order to keep; letting DuckDB insert in any order lets both
    # cores parse and append in parallel (about 25 % faster on a 1M-row cell).
    con.execute("SET preserve_insertion_order = false")
    con.begin()
    try:
        for table in CELL_TABLES:
            con.execute(f"DELETE FROM {table} WHERE cell_id = ?", [rec.cell_id])
        insert_cell(con, rec)
        counts["cells"] = 1
        for table, sql, params in _loads(rec, cell_dir) if cell_dir is not None else []:
            counts[table] += int(con.execute(sql, params).fetchall()[0][0])
        if cell_dir is not None:
            counts["doctor_findings"] = ingest_findings(con, rec.cell_id, cell_dir)
        flag_overlaps(con, rec.host)  # this cell's and its host's other cells' flags
        flag_foreign(con, rec.cell_id)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        con.execute("RESET preserve_insertion_order")
    return counts
