"""Upgrades of an older store, one function per schema version: MIGRATIONS[v] turns v into v+1.

Each runs inside the opening transaction, on the attached store, and only alters tables;
the views are recreated from views.sql afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

Migration = Callable[[duckdb.DuckDBPyConnection], None]


def _v1_to_v2(con: duckdb.DuckDBPyConnection) -> None:
    """v2 keeps the client's own verdict: requests.ok and requests.error."""
    con.execute("ALTER TABLE requests ADD COLUMN IF NOT EXISTS ok BOOLEAN")
    con.execute("ALTER TABLE requests ADD COLUMN IF NOT EXISTS error VARCHAR")


def _v2_to_v3(con: duckdb.DuckDBPyConnection) -> None:
    """v3 records the cells a resumed sweep reused: reused_cells(sweep_id, cell_id)."""
    con.execute("CREATE TABLE IF NOT EXISTS reused_cells (sweep_id VARCHAR, cell_id VARCHAR)")


_V4_CELLS = (
    "work VARCHAR", "work_ms DOUBLE", "connections VARCHAR", "balance VARCHAR",
    "server_app VARCHAR", "pool_size INTEGER", "thread_limit INTEGER", "db_pool_size INTEGER",
    "probe_hz DOUBLE", "arrival VARCHAR", "rate DOUBLE", "arrival_process VARCHAR",
    "max_in_flight INTEGER", "stalls_sampler VARCHAR", "dropped BIGINT", "host VARCHAR",
    "overlapped_on_host BOOLEAN",
)  # fmt: skip
_V4_REQUESTS = ("source VARCHAR", "t_intended DOUBLE", "db_ms DOUBLE")


def _v3_to_v4(con: duckdb.DuckDBPyConnection) -> None:
    """v4 adds the load, server and work axes to cells, source/t_intended/db_ms to requests, and
    the stalls table. Cells stored before v4 ran bcrypt with persistent connections."""
    for col in _V4_CELLS:
        con.execute(f"ALTER TABLE cells ADD COLUMN IF NOT EXISTS {col}")
    for col in _V4_REQUESTS:
        con.execute(f"ALTER TABLE requests ADD COLUMN IF NOT EXISTS {col}")
    con.execute(
        "UPDATE cells SET work = coalesce(work, 'bcrypt'), "
        "connections = coalesce(connections, 'persistent'), balance = coalesce(balance, 'shared')"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS stalls (cell_id VARCHAR, pid INTEGER, t_start DOUBLE, "
        "duration_ms DOUBLE, samples INTEGER, stack VARCHAR[], leaf VARCHAR, late BOOLEAN, "
        "source VARCHAR, in_warmup BOOLEAN)"
    )


_V5_STALLS = (
    "late_ms DOUBLE", "wait_ms DOUBLE", "cpu_ms DOUBLE", "core_wait_ms DOUBLE",
    "cpu_window_ms DOUBLE",
)  # fmt: skip


_V5_INTERPRETER = (
    "server_python VARCHAR", "python_gil INTEGER", "python_version VARCHAR",
    "free_threaded BOOLEAN", "gil_enabled BOOLEAN", "gil_enabled_by VARCHAR",
)  # fmt: skip


def _v4_to_v5(con: duckdb.DuckDBPyConnection) -> None:
    """v5 keeps the watchdog's evidence of the kind of call in each stall row (NULL before),
    the doctor's findings per route, each cell's foreign CPU (other processes on the host),
    the SLURM job that ran it, and the server's interpreter (version, free-threaded build,
    GIL on)."""
    for col in _V5_STALLS:
        con.execute(f"ALTER TABLE stalls ADD COLUMN IF NOT EXISTS {col}")
    cells = ("foreign_cpu_pct DOUBLE", "foreign_cpu_max_pct DOUBLE", "foreign_load BOOLEAN")
    for col in (*cells, "slurm_job_id VARCHAR"):
        con.execute(f"ALTER TABLE cells ADD COLUMN IF NOT EXISTS {col}")
    for col in _V5_INTERPRETER:
        con.execute(f"ALTER TABLE cells ADD COLUMN IF NOT EXISTS {col}")
    con.execute(
        "CREATE TABLE IF NOT EXISTS host_ticks (cell_id VARCHAR, t DOUBLE, "
        "host_cpu_percent DOUBLE, own_cpu_percent DOUBLE)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS doctor_findings (cell_id VARCHAR, route VARCHAR, "
        "method VARCHAR, path VARCHAR, handler VARCHAR, handler_file VARCHAR, "
        "handler_line INTEGER, first_status INTEGER, first_ms DOUBLE, left_out VARCHAR, "
        "requests BIGINT, avg_ms DOUBLE, p95_ms DOUBLE, stalled_s DOUBLE, stalled_share DOUBLE, "
        "stalls INTEGER, line VARCHAR, call VARCHAR, kind VARCHAR, fix VARCHAR, how VARCHAR, "
        "evidence VARCHAR, suggestion VARCHAR)"
    )


MIGRATIONS: dict[int, Migration] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5}
