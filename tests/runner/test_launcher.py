"""A sweep's cells as separate processes (hydra/launcher=submitit_local) share one store;
a second sweep on that store is refused. Real runner, uvicorn and locust on 127.0.0.1."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from runner.processes.proc import wait_until
from tests.runner.helpers import (
    REPO,
    default_signals,
    ignoring,
    query,
    run_runner,
    server_ready,
    strays,
)

pytestmark = pytest.mark.e2e

TINY = ["duration=2", "warmup=0", "bcrypt_rounds=4", "baseline=false", "compare.hashing=[]"]


@pytest.mark.slow  # a long real-process check kept out of the default run
def test_submitit_local_sweep_stores_every_cell_in_one_sweep_and_one_report(
    tmp_path: Path,
) -> None:
    """2 cells, each a submitit job process: 2 ok cells of one sweep (stamped finished, with
    the sweep's own command line), the host recorded, one report written once."""
    store, sweep = tmp_path / "r.duckdb", tmp_path / "sweep"
    done = run_runner(
        "-m",
        "hydra/launcher=submitit_local",
        "users=1,2",
        *TINY,
        f"store={store}",
        f"hydra.sweep.dir={sweep}",
        timeout=280,
    )
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    cells = query(store, "SELECT sweep_id, status, host, job_num FROM cells ORDER BY job_num")
    assert [c[1] for c in cells] == ["ok"] * 2, cells
    assert [c[3] for c in cells] == [0, 1]
    assert len({c[0] for c in cells}) == 1 and all(c[2] for c in cells)
    sweeps = query(store, "SELECT sweep_id, finished_at IS NOT NULL, argv FROM sweeps")
    assert len(sweeps) == 1 and sweeps[0][0] == cells[0][0] and sweeps[0][1], sweeps
    assert "hydra/launcher=submitit_local" in sweeps[0][2]  # the sweep's argv, not submitit's
    assert done.stdout.count("report written to") == 1
    assert (tmp_path / "report.html").stat().st_size > 0
    assert strays(tmp_path) == []


@pytest.mark.slow  # the lock logic is pinned fast in test_store_sharing.py
def test_a_second_sweep_on_a_store_in_use_is_refused(tmp_path: Path) -> None:
    """While sweep A runs a cell, sweep B on the same store says it is in use, exits
    non-zero and starts nothing; A then stops cleanly on SIGTERM."""
    store = tmp_path / "r.duckdb"
    first = subprocess.Popen(
        [sys.executable, "-m", "runner", "-m", "users=1,2", *TINY, "duration=20"]
        + [f"store={store}", f"hydra.sweep.dir={tmp_path / 'a'}"],
        cwd=REPO,
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=default_signals,
    )
    try:
        wait_until(lambda: server_ready(tmp_path / "a" / "0"), timeout=120, what="sweep A")
        second = run_runner(
            "-m", "users=3,4", *TINY, f"store={store}", f"hydra.sweep.dir={tmp_path / 'b'}"
        )
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
    assert second.returncode != 0
    assert "in use by another run" in second.stderr.strip().splitlines()[0], second.stderr
    assert not list((tmp_path / "b").rglob("server.log"))
    assert first.returncode == 128 + signal.SIGTERM
    wait_until(lambda: strays(tmp_path) == [], timeout=10, what="no process of either sweep")


@pytest.mark.slow
@pytest.mark.parametrize(
    "preexec",
    [
        default_signals,
        ignoring(signal.SIGINT),  # the jobs inherit it: they are killed instead
    ],
    ids=["from-a-terminal", "sigint-ignored"],
)
def test_sigterm_to_a_submitit_local_sweep_stops_its_jobs(
    tmp_path: Path, preexec: Callable[[], None]
) -> None:
    """SIGTERM to the sweep's process while two submitit_local jobs load their servers: exit
    143 with the one line last, the jobs' cells stopped and not stored, nothing left."""
    store, sweep = tmp_path / "r.duckdb", tmp_path / "sweep"
    runner = subprocess.Popen(
        [sys.executable, "-m", "runner", "-m", "hydra/launcher=submitit_local", "users=1,2"]
        + [*TINY, "duration=30", f"store={store}", f"hydra.sweep.dir={sweep}"],
        cwd=REPO,
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=preexec,
    )
    try:
        wait_until(
            lambda: server_ready(sweep / "0") and server_ready(sweep / "1"),
            timeout=180,
            what="both jobs' servers",
        )
        runner.send_signal(signal.SIGTERM)
        _, err = runner.communicate(timeout=60)
    finally:
        if runner.poll() is None:
            runner.kill()
    assert runner.returncode == 128 + signal.SIGTERM, err[-2000:]
    assert err.strip().splitlines()[-1].startswith("syncblock: interrupted (SIGTERM)")
    wait_until(lambda: strays(tmp_path) == [], timeout=10, what="no process of the sweep")
    assert query(store, "SELECT count(*) FROM cells") == [(0,)]
