"""A cell's app database, and the lifetime of the sweep's throwaway PostgreSQL server.

- `db=sqlite`: a fresh file in the cell's directory (the URL's `{cell_dir}`).
- `db=postgres` with `db.url`: that server, used as given; nothing is started.
- `db=postgres` without `db.url`: the sweep's throwaway server (runner/serve/pg_server.py) and a
  fresh database in it for each cell (`CREATE DATABASE ... TEMPLATE`), so cells share no rows.

Lifetime of the throwaway server: started by the first cell that needs it, kept in the
module-level registry below for the rest of the runner process (Hydra's basic launcher runs a
sweep's cells one after another in that process), and stopped by `close_servers()`:
- at the end of a run or a multirun (the Hydra callback calls it),
- at any other exit of the process (atexit: Ctrl-C, a failure, SIGTERM once it is turned into
  an exception),
- and when the runner is killed outright, by the server's parent-death signal (SIGQUIT).
Nothing of this sits on a request's path: it runs once per sweep, and once per cell.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from runner.plan.spec import CellSpec
from runner.serve.pg_server import PostgresServer
from runner.store.redact import redact

DB_JSON = "db.json"  # in the cell dir: where the cell's database was, its rows at the end
PG_LOG = "postgres.log"
_registry: dict[str, PostgresServer] = {}


@dataclass
class CellDatabase:
    """Where a cell's app keeps its users."""

    db: str  # 'sqlite' or 'postgres'
    url: str  # handed to the app (may hold a password: never printed or stored)
    database: str | None = None  # the throwaway server's database of this cell
    server_start_s: float | None = None  # set when this cell had to start the server
    rows: int | None = None  # users rows at the end of the cell (throwaway and sqlite)

    def shown(self) -> dict[str, object]:
        """What may be written down: the URL without its password."""
        return asdict(self) | {"url": redact(self.url)}


def database_name(sweep_id: str, job_num: int) -> str:
    """A PostgreSQL database name for a cell (pure): lower case, <= 63 characters."""
    stem = re.sub(r"[^a-z0-9_]", "_", sweep_id.lower())[-40:]
    return f"cell_{stem}_j{job_num}"


def throwaway_server(log_path: Path) -> tuple[PostgresServer, float | None]:
    """The sweep's server, started now if there is none (or it died): (server, start s)."""
    server = _registry.get("throwaway")
    if server is not None and server.pid is not None:
        return server, None
    if server is not None:
        server.stop()
        del _registry["throwaway"]
    server = PostgresServer(log_path=log_path)
    server.start()  # PostgresStartError: one line, nothing left running
    _registry["throwaway"] = server
    print(
        f"syncblock: PostgreSQL started in {server.start_s:.2f} s "
        f"(ready after {server.ready_s:.2f} s) on {server.host}:{server.port}",
        file=sys.stderr,
    )
    return server, server.start_s


def close_servers() -> None:
    """Stop every throwaway server of this process (idempotent)."""
    while _registry:
        _, server = _registry.popitem()
        with contextlib.suppress(Exception):
            server.stop()


atexit.register(close_servers)


def cell_database(spec: CellSpec, cell_dir: Path, sweep_id: str, job_num: int) -> CellDatabase:
    """The database a cell's app uses; starts the throwaway server when it is needed."""
    cell_dir.mkdir(parents=True, exist_ok=True)
    (cell_dir / DB_JSON).unlink(missing_ok=True)
    url = spec.db_url_for(cell_dir)
    if url:
        if spec.db == "postgres":
            check_reachable(url)
        return CellDatabase(db=spec.db, url=url)
    # A sweep's cells are siblings under its dir (multirun.yaml beside them); a single run's
    # server log stays in its own dir.
    log_dir = cell_dir.parent if (cell_dir.parent / "multirun.yaml").exists() else cell_dir
    server, start_s = throwaway_server(log_dir / PG_LOG)
    name = database_name(sweep_id, job_num)
    url = server.create_database(name)
    return CellDatabase(db=spec.db, url=url, database=name, server_start_s=start_s)


def check_reachable(url: str) -> None:
    """Connect once to an external database (RuntimeError: one line, no password)."""
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(url, connect_args={"connect_timeout": 5})
        try:
            with engine.connect() as con:
                con.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as exc:
        lines = str(exc).strip().splitlines()
        reason = f"{type(exc).__name__}: {lines[0] if lines else ''}"
        raise RuntimeError(redact(f"db.url {url} unusable: {reason}")[:400]) from None


def count_rows(cdb: CellDatabase) -> int | None:
    """Users rows in the cell's database now (throwaway PostgreSQL or SQLite file), else None."""
    with contextlib.suppress(Exception):
        if cdb.database is not None:
            server = _registry.get("throwaway")
            return None if server is None else server.count_rows(cdb.database)
        if cdb.url.startswith("sqlite:///"):
            import sqlite3

            con = sqlite3.connect(cdb.url.removeprefix("sqlite:///"))
            try:
                return int(con.execute("SELECT count(*) FROM users").fetchone()[0])
            finally:
                con.close()
    return None


def write_db_json(cell_dir: Path, cdb: CellDatabase) -> None:
    (cell_dir / DB_JSON).write_text(json.dumps(cdb.shown(), indent=2))
