"""`python -m runner` as a user runs it: bad values, a busy store, the default cell (Ctrl-C
mid-sweep: tests/runner/test_faults_sweep.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from runner.store import StoreLock
from tests.runner.helpers import REPO, query, run_runner


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["workers=0"], "workers"),
        (["users=-3"], "users"),
        (["duration=abc"], "duration"),
        (["hashing=nope"], "hashing"),
        (["-m", "workers=1,0"], "workers"),
        (["-m", "users=2,-3"], "users"),
    ],
)
def test_invalid_values_stop_before_any_process(tmp_path: Path, args: list[str], key: str) -> None:
    """A bad value exits non-zero with a first stderr line naming the key; nothing is run."""
    done = run_runner(
        *args,
        f"store={tmp_path / 'r.duckdb'}",
        f"hydra.run.dir={tmp_path / 'run'}",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        timeout=60,
    )
    assert done.returncode != 0
    first = done.stderr.strip().splitlines()[0]
    assert key in first, done.stderr
    assert not list(tmp_path.rglob("server.log")) and not list(tmp_path.rglob("locust.log"))
    assert not (tmp_path / "r.duckdb").exists()


def test_busy_store_fails_before_any_server(tmp_path: Path) -> None:
    """While another run holds the store, the runner exits non-zero saying so, serving nothing."""
    store = tmp_path / "r.duckdb"
    probe = (
        "import sys, time; from runner.store import StoreLock; "
        f"l = StoreLock({str(store)!r}); l.acquire(); print('held', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", probe], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        done = run_runner(f"store={store}", f"hydra.run.dir={tmp_path / 'run'}", timeout=60)
    finally:
        holder.kill()
        holder.wait(timeout=10)
    assert done.returncode != 0
    assert "in use by another run" in done.stderr.strip().splitlines()[0]
    assert not list(tmp_path.rglob("server.log"))
    with StoreLock(store):  # released by the dead holder: takeable again
        pass


@pytest.mark.slow
@pytest.mark.e2e
def test_default_cell_finishes_under_40_s(tmp_path: Path) -> None:
    """`python -m runner` with defaults (20 s + 3 s warm-up, cost 12) takes under 40 s."""
    t0 = time.monotonic()
    done = run_runner(f"store={tmp_path / 'r.duckdb'}", f"hydra.run.dir={tmp_path / 'run'}")
    elapsed = time.monotonic() - t0
    assert done.returncode == 0, done.stderr[-3000:]
    assert query(tmp_path / "r.duckdb", "SELECT status FROM cells") == [("ok",)]
    assert elapsed < 40, elapsed
