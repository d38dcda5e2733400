"""After a real sweep, no password or bcrypt hash appears in any log, in the store, or in the
report; only the app's own database holds hashes (the positive control)."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import bcrypt
import pytest

from app.contract import PASSWORD_ENV
from tests.runner.helpers import REPO, query

# slow: a long real-process check kept out of the default run (its time budget)
pytestmark = [pytest.mark.e2e, pytest.mark.slow]

HASH = re.compile(rb"\$2[abxy]\$\d\d\$")


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, str]:
    """A two-cell sweep with a unique password: (tmp root, password, runner's output)."""
    root = tmp_path_factory.mktemp("secure")
    password = f"pw-{uuid.uuid4().hex[:20]}"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "runner",
            "-m",
            "scenario=register,sequential",
            "baseline=false",
            "compare.hashing=[]",
            "scenario.requests=20",
            "workers=2",
            "users=3",
            "duration=2",
            "warmup=1",
            "bcrypt_rounds=4",
            "stalls.stall_ms=1",  # stalls of any length: the watchdog's stacks are scanned too
            f"store={root / 'r.duckdb'}",
            f"hydra.sweep.dir={root / 'sweep'}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={**os.environ, PASSWORD_ENV: password},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return root, password.encode(), done.stdout + done.stderr


def leaks(data: bytes, password: bytes) -> list[str]:
    found = [f"password at {m.start()}" for m in re.finditer(re.escape(password), data)]
    return found + [f"hash {data[m.start() : m.start() + 12]!r}" for m in HASH.finditer(data)]


def test_the_sweep_really_registered_with_the_password(swept: tuple[Path, bytes, str]) -> None:
    """Positive control: each cell's app.db holds bcrypt hashes of exactly that password."""
    root, password, _ = swept
    dbs = sorted((root / "sweep").rglob("app.db"))
    assert len(dbs) == 2
    for db in dbs:
        con = sqlite3.connect(db)
        try:
            rows = con.execute("SELECT * FROM users").fetchall()
        finally:
            con.close()
        stored = [v for row in rows for v in row if isinstance(v, str) and HASH.match(v.encode())]
        assert len(stored) == len(rows) >= 5  # one hash per registered user
        assert bcrypt.checkpw(password, stored[0].encode())
        assert leaks(db.read_bytes(), password)  # the scanner does find hashes where they are


def test_no_secret_in_any_cell_file_or_runner_output(swept: tuple[Path, bytes, str]) -> None:
    """Every file of every cell dir (logs, JSONL, CSVs, cell.json, Hydra's) and the runner's
    stdout/stderr are free of the password and of bcrypt hashes."""
    root, password, output = swept
    files = [f for f in (root / "sweep").rglob("*") if f.is_file() and "app.db" not in f.name]
    assert len(files) > 20 and any(f.name == "server.log" for f in files)
    found = {str(f.relative_to(root)): leaks(f.read_bytes(), password) for f in files}
    assert {k: v for k, v in found.items() if v} == {}
    assert leaks(output.encode(), password) == []


def test_no_secret_in_any_text_column_of_the_store(swept: tuple[Path, bytes, str]) -> None:
    """No VARCHAR or JSON value of any table or view of the DuckDB store holds a secret."""
    root, password, _ = swept
    store = root / "r.duckdb"
    columns = query(
        store,
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE data_type IN ('VARCHAR', 'JSON', 'VARCHAR[]')",  # stalls.stack is a list
    )
    assert len(columns) > 20
    assert query(store, "SELECT count(*) FROM requests WHERE status = 201")[0][0] >= 10
    assert query(store, "SELECT count(*) FROM stalls WHERE samples > 0")[0][0] >= 1
    hits = []
    for table, column in columns:
        n = query(
            store,
            f'SELECT count(*) FROM "{table}" WHERE contains("{column}"::VARCHAR, ?) '
            f'OR regexp_matches("{column}"::VARCHAR, ?)',
            [password.decode(), r"\$2[abxy]\$\d\d\$"],
        )[0][0]
        if n:
            hits.append((table, column, n))
    assert hits == []


def test_no_secret_in_the_report(swept: tuple[Path, bytes, str]) -> None:
    """The generated report.html holds neither the password nor a bcrypt hash."""
    root, password, _ = swept
    report = root / "report.html"
    assert report.stat().st_size > 10_000
    assert leaks(report.read_bytes(), password) == []
