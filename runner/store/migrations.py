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


MIGRATIONS: dict[int, Migration] = {1: _v1_to_v2, 2: _v2_to_v3}
