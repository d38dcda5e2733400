"""SIGTERM, SIGHUP and SIGKILL of a real runner mid-cell: nothing outlives it, whole cells only."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from runner.processes.proc import wait_until
from tests.runner.helpers import (
    ignoring,
    query,
    server_ready,
    start_runner,
    strays,
    under_load,
)

pytestmark = pytest.mark.e2e

SHORT = ["duration=3", "warmup=0", "bcrypt_rounds=4", "baseline=false", "compare.hashing=[]"]


@pytest.mark.parametrize(
    "sig",
    [signal.SIGTERM, pytest.param(signal.SIGHUP, marks=pytest.mark.slow)],
    ids=["SIGTERM", "SIGHUP"],
)
def test_signal_mid_sweep_acts_like_ctrl_c(tmp_path: Path, sig: signal.Signals) -> None:
    """The signal in cell 2 of 2: exit 128+sig with one line, nothing left running, cell 1
    stored alone (resuming after it: Ctrl-C's test, tests/runner/test_faults_sweep.py)."""
    store, sweep = tmp_path / "r.duckdb", tmp_path / "sweep"
    args = ["-m", "users=1,2", "workers=2", *SHORT, f"store={store}", f"hydra.sweep.dir={sweep}"]
    runner = start_runner(*args)
    try:
        wait_until(lambda: server_ready(sweep / "1", 2), timeout=150, what="cell 2's server")
        runner.send_signal(sig)
        _, err = runner.communicate(timeout=60)
    finally:
        if runner.poll() is None:
            runner.kill()
    assert runner.returncode == 128 + sig, (runner.returncode, err[-2000:])
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"syncblock: interrupted ({sig.name}); finished cells are stored"), err
    assert "Traceback" not in err
    wait_until(lambda: strays(tmp_path) == [], timeout=10, what="no process of the sweep")
    cells = query(store, "SELECT cell_id, status FROM cells")
    assert len(cells) == 1 and cells[0][1] == "ok" and cells[0][0].endswith("-j0"), cells


def test_sigkill_of_the_runner_leaves_no_process_of_the_cell(tmp_path: Path) -> None:
    """SIGKILL mid-cell (2 uvicorn workers, locust with 2 processes): 5 s later no process of
    the cell is alive (the reaper and PR_SET_PDEATHSIG stop them)."""
    run = tmp_path / "run"
    args = ["duration=30", "warmup=1", "bcrypt_rounds=6", "workers=2", "load.processes=2"]
    runner = start_runner(*args, f"store={tmp_path / 'r.duckdb'}", f"hydra.run.dir={run}")
    try:
        wait_until(lambda: server_ready(run, 2), timeout=120, what="the cell's server")
        wait_until(
            lambda: (run / "locust.log").exists() and len(strays(tmp_path)) >= 5,
            timeout=60,
            what="server and locust processes",
        )
        before = strays(tmp_path)
        runner.send_signal(signal.SIGKILL)
        runner.wait(timeout=10)
        t0 = time.monotonic()
    finally:
        if runner.poll() is None:
            runner.kill()
    wait_until(lambda: strays(tmp_path) == [], timeout=5, what=f"none of {before} left")
    assert time.monotonic() - t0 <= 5.5


def test_a_runner_started_ignoring_sighup_and_sigint_runs_on(tmp_path: Path) -> None:
    """Started with SIGHUP and SIGINT ignored (`nohup python -m runner ... &`), the runner keeps
    both ignored: sent mid-cell they change nothing, the cell is stored ok, nothing is left."""
    store, run = tmp_path / "r.duckdb", tmp_path / "run"
    runner = start_runner(
        *SHORT,
        f"store={store}",
        f"hydra.run.dir={run}",
        preexec_fn=ignoring(signal.SIGHUP, signal.SIGINT),
    )
    try:
        wait_until(lambda: under_load(run), timeout=120, what="the cell under load")
        runner.send_signal(signal.SIGHUP)
        runner.send_signal(signal.SIGINT)
        _, err = runner.communicate(timeout=120)
    finally:
        if runner.poll() is None:
            runner.kill()
    assert runner.returncode == 0, err[-2000:]
    assert "interrupted" not in err and "Traceback" not in err, err[-2000:]
    assert query(store, "SELECT status FROM cells") == [("ok",)]
    wait_until(lambda: strays(tmp_path) == [], timeout=10, what="no process of the run")
