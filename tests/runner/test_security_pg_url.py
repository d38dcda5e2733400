"""An external PostgreSQL through db.url with a password: the runner starts no server, a bad
URL fails its cell in one line, and the password appears in no output: not in the runner's
output, Hydra's files, any cell file, any text column of the store, nor the report."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.serve.pg_server import PostgresServer
from tests.runner.helpers import query, run_runner
from tests.runner.test_pg_server import pg_processes

# slow: a long real-process check kept out of the default run (its time budget)
pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def external(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """A PostgreSQL server the runner did not start (loopback, trust auth: any password)."""
    with PostgresServer(log_path=tmp_path_factory.mktemp("ext") / "pg.log") as pg:
        pg.create_database("external_db")
        yield pg


@pytest.fixture(scope="module")
def swept(
    external: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str, str]:
    """A 2-cell sweep, a good and an unreachable db.url, both with a unique password:
    (tmp root, password, runner output)."""
    root = tmp_path_factory.mktemp("pgsecure")
    password = f"pgpw{uuid.uuid4().hex[:16]}"
    good = f"postgresql+psycopg://postgres:{password}@127.0.0.1:{external.port}/external_db"
    bad = f"postgresql+psycopg://postgres:{password}@127.0.0.1:1/nowhere"
    servers = pg_processes()
    done = run_runner(
        "-m",
        "db=postgres",
        f'db.url="{good}","{bad}"',
        "workers=1",
        "users=3",
        "hashing=threadpool",
        "duration=2",
        "warmup=0",
        "bcrypt_rounds=4",
        "baseline=false",
        f"store={root / 'r.duckdb'}",
        f"hydra.sweep.dir={root / 'sweep'}",
    )
    assert done.returncode == 1, done.stderr[-3000:]  # a cell failed: said in one line
    assert "syncblock: 1 of 2 cells failed" in done.stdout
    assert pg_processes() == servers  # an external URL starts no server
    return root, password, done.stdout + done.stderr


def test_good_url_ok_bad_url_failed_in_one_line(swept: tuple[Path, str, str]) -> None:
    """The reachable server gives an ok cell with rows; the unreachable one a failed cell
    whose reason is one line naming db.url, the password masked."""
    root, _, _ = swept
    rows = query(root / "r.duckdb", "SELECT job_num, status, error FROM cells ORDER BY job_num")
    assert [r[1] for r in rows] == ["ok", "failed"], rows
    error = rows[1][2]
    assert "\n" not in error and error.startswith("RuntimeError: db.url ")
    assert "postgres:***@127.0.0.1:1/nowhere" in error
    created = query(root / "r.duckdb", "SELECT count(*) FROM requests WHERE status = 201")[0][0]
    assert created > 0


def test_password_in_no_file_no_output_no_store_column(swept: tuple[Path, str, str]) -> None:
    """Not in the runner's stdout/stderr, any file of the sweep (Hydra's config, overrides and
    multirun.yaml included), any VARCHAR/JSON value of the store, nor the report."""
    root, password, output = swept
    assert password not in output
    assert "***" in output  # Hydra's launcher line names the URL, masked
    files = [f for f in root.rglob("*") if f.is_file() and f.suffix != ".duckdb"]
    assert any(f.name == "multirun.yaml" for f in files)
    assert any(f.name == "overrides.yaml" for f in files)
    assert any(f.name == "report.html" for f in files)
    leaked = [str(f.relative_to(root)) for f in files if password.encode() in f.read_bytes()]
    assert leaked == []
    store = root / "r.duckdb"
    columns = query(
        store,
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE data_type IN ('VARCHAR', 'JSON')",
    )
    hits = [
        (t, c)
        for t, c in columns
        if query(
            store, f'SELECT count(*) FROM "{t}" WHERE contains("{c}"::VARCHAR, ?)', [password]
        )[0][0]
    ]
    assert hits == []
    assert (
        query(store, "SELECT count(*) FROM cells WHERE config::VARCHAR LIKE '%:***@%'")[0][0] == 2
    )
