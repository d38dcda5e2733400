"""Open the DuckDB store: create it (readable by the duckdb 1.5 CLI), check and upgrade its
schema version, or refuse it with one clear line. Never reads a store it does not understand.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import duckdb

from runner.store.errors import StoreError
from runner.store.migrations import MIGRATIONS

SCHEMA_VERSION = 5
# The storage format of a new store: what PyPI's duckdb-cli 1.5 shell reads.
STORAGE_VERSION = "v1.5.0"
ALIAS = "store"


def _sql(name: str) -> str:
    return resources.files("runner.store").joinpath(name).read_text()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _stored_version(con: duckdb.DuckDBPyConnection, path: Path) -> int | None:
    """The store's schema version; None for an empty database file; StoreError if unknowable."""
    tables = {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [ALIAS]
        ).fetchall()
    }
    if not tables:
        return None
    if "meta" not in tables:
        raise StoreError(f"store {path} has tables but no schema_version: not a syncblock store")
    rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    if len(rows) != 1 or not str(rows[0][0]).isdigit():
        raise StoreError(f"store {path} has an unreadable schema_version {rows!r}: refusing it")
    return int(rows[0][0])


def _set_version(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM meta WHERE key IN ('schema_version', 'duckdb_version')")
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?), ('duckdb_version', ?)",
        [str(SCHEMA_VERSION), duckdb.__version__],
    )


def _prepare(con: duckdb.DuckDBPyConnection, path: Path, *, read_only: bool) -> None:
    """Create, upgrade or just check the schema of the attached store."""
    found = _stored_version(con, path)
    if found is not None and found > SCHEMA_VERSION:
        raise StoreError(
            f"store {path} has schema version {found}, newer than this syncblock's "
            f"{SCHEMA_VERSION}: use a newer syncblock to read it"
        )
    if read_only:
        if found is None:
            raise StoreError(f"store {path} is empty: no sweep has been stored in it")
        if found < SCHEMA_VERSION:
            raise StoreError(
                f"store {path} has schema version {found}, older than {SCHEMA_VERSION}: "
                "open it once for writing (python -m runner) to upgrade it"
            )
        return
    con.begin()
    try:
        if found is None:
            con.execute(_sql("schema.sql"))
        else:
            for version in range(found, SCHEMA_VERSION):
                MIGRATIONS[version](con)
        _set_version(con)
        con.execute(_sql("views.sql"))
        con.commit()
    except BaseException:
        con.rollback()
        raise


def open_store(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection whose default database is the store at `path` (created when missing)."""
    path = Path(path)
    if read_only and not path.exists():
        raise StoreError(f"store {path} does not exist")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    # The storage version is chosen at creation only: DuckDB refuses to lower an existing one.
    if read_only:
        options = " (READ_ONLY)"
    elif not path.exists():
        options = f" (STORAGE_VERSION {_quote(STORAGE_VERSION)})"
    else:
        options = ""
    con = duckdb.connect(":memory:")
    try:
        try:
            con.execute(f"ATTACH {_quote(str(path))} AS {ALIAS}{options}")
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(f"cannot open store {path}: {first}") from exc
        con.execute(f"USE {ALIAS}")
        _prepare(con, path, read_only=read_only)
    except BaseException:
        con.close()
        raise
    return con
