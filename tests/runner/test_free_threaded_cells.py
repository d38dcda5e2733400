"""Free-threaded cells for real (slow; needs SYNCBLOCK_FT_PYTHON): the server's GIL read from
inside it, PYTHON_GIL=1 turning it back on and the report flagging that cell, and a work kind
without a wheel there refused with one line before any cell runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from runner.serve.interpreter import cache_dir, prepare
from tests.runner.helpers import PLAIN, REPO, leftovers, query, run_runner

FT = os.environ.get("SYNCBLOCK_FT_PYTHON")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.timeout(900),  # the first run makes the interpreter's venv
    pytest.mark.skipif(
        not FT,
        reason="SYNCBLOCK_FT_PYTHON not set: point it at a free-threaded CPython "
        "(scripts/free-threaded-python.sh builds one)",
    ),
]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ft")
    store = root / "ft.duckdb"
    done = run_runner(
        "-m",
        f"server.python={FT}",
        "server.python_gil=null,1",
        "work=pbkdf2_python",
        "work.ms=40",
        "hashing=threadpool",
        "users=4",
        "duration=3",
        "warmup=0.5",
        "bcrypt_rounds=8",
        *PLAIN,
        f"store={store}",
        f"hydra.sweep.dir={root / 'sweep'}",
        timeout=900,  # the first run makes the interpreter's venv
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert leftovers(root) == []
    return store


def test_the_gil_is_read_from_inside_the_server(sweep: Path) -> None:
    """Both cells ran free-threaded; the GIL was off by default and on with PYTHON_GIL=1."""
    rows = query(
        sweep,
        "SELECT python_gil, free_threaded, gil_enabled, status FROM cells ORDER BY job_num",
    )
    assert rows == [(None, True, False, "ok"), (1, True, True, "ok")]


def test_the_report_flags_the_cell_whose_gil_was_on(sweep: Path, tmp_path: Path) -> None:
    """Section 8 warns about the one cell with its GIL on, naming PYTHON_GIL=1."""
    out = tmp_path / "r.html"
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "--store", str(sweep), "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    page = out.read_text()
    assert "the GIL was on in 1 cell run on free-threaded" in page
    assert "PYTHON_GIL=1 set in 1 cell" in page


def test_a_kind_without_a_wheel_is_refused_before_any_cell(tmp_path: Path) -> None:
    """work=argon2id on an interpreter without argon2: exit 2, one line naming the key."""
    assert FT is not None
    if prepare(FT, cache_dir()).modules.get("argon2"):
        pytest.skip(f"{FT} has an argon2 wheel: nothing to refuse")
    done = run_runner(
        "-m",
        f"server.python={FT}",
        "work=argon2id",
        "hashing=threadpool",
        *PLAIN,
        f"store={tmp_path / 's.duckdb'}",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    )
    assert done.returncode == 2
    lines = [x for x in done.stderr.splitlines() if x.startswith("syncblock:")]
    assert len(lines) == 1 and "work=argon2id:" in lines[0], done.stderr[-2000:]
    assert not (tmp_path / "s.duckdb").exists()
