"""Faults inside one cell of a real sweep on 127.0.0.1: a worker killed mid-load, a taken port,
a locustfile that fails or hangs. Each time the cell ends as it should and the next cell runs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runner.processes.proc import wait_until
from tests.runner.helpers import (
    REPO,
    query,
    run_runner,
    server_pids,
    server_ready,
    serving,
    strays,
    under_load,
)

pytestmark = pytest.mark.e2e

SHORT = ["duration=2", "warmup=1", "bcrypt_rounds=6", "baseline=false", "compare.hashing=[]"]


def cells(store: Path) -> list[tuple[str, str, str | None]]:
    return query(store, "SELECT cell_id, status, error FROM cells ORDER BY job_num")


def test_worker_killed_mid_cell_counts_failures_and_sweep_goes_on(tmp_path: Path) -> None:
    """kill -9 of a busy worker (workers=2): cell ok, its failed requests stored; next cell ok."""
    store, sweep = tmp_path / "r.duckdb", tmp_path / "sweep"
    runner = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "runner",
            "-m",
            "repeat=1,2",
            "baseline=false",
            "compare.hashing=[]",
            "workers=2",
            "users=4",
            "duration=4",
            "warmup=1",
            "bcrypt_rounds=10",
            f"store={store}",
            f"hydra.sweep.dir={sweep}",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cell = sweep / "0"
    try:
        wait_until(lambda: server_ready(cell, 2), timeout=120, what="cell 1's server")
        workers = server_pids(cell)
        assert len(workers) == 2
        wait_until(lambda: under_load(cell), timeout=30, what="locust's first connection")
        # the first request (and its warm-up clock) started before that connection was seen
        warm_end = time.time() + 1.0  # warmup=1
        wait_until(lambda: time.time() > warm_end, timeout=30, what="the end of the warm-up")
        wait_until(lambda: any(map(serving, workers)), timeout=30, what="a worker under load")
        victim = next(w for w in workers if serving(w))
        os.kill(victim, signal.SIGKILL)
        code = runner.wait(timeout=180)
    finally:
        if runner.poll() is None:
            runner.kill()
    assert code == 0
    assert [s for _, s, _ in cells(store)] == ["ok", "ok"]
    first = cells(store)[0][0]
    lost = query(
        store,
        "SELECT count(*) FROM requests WHERE cell_id = ? AND side = 'client' "
        "AND status = 0 AND NOT ok",  # sent in the warm-up or after: the kill fails it either way
        [first],
    )[0][0]
    summary = query(store, "SELECT sum(failures) FROM cell_summary WHERE cell_id = ?", [first])
    stored = query(store, "SELECT sum(occurrences) FROM failures WHERE cell_id = ?", [first])
    assert lost >= 1 and summary[0][0] >= 1 and stored[0][0] >= 1, (lost, summary, stored)
    assert strays(tmp_path) == []


def test_taken_port_fails_that_cell_in_one_line_and_the_next_runs(tmp_path: Path) -> None:
    """A cell whose port is already listening fails with a one-line reason; the next cell is ok."""
    store = tmp_path / "r.duckdb"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_runner(
            "-m", f"port={port},null", *SHORT, f"store={store}", f"hydra.sweep.dir={tmp_path}/s"
        )
    assert done.returncode == 1, done.stderr[-3000:]  # a cell failed: said in one line
    assert "syncblock: 1 of 2 cells failed" in done.stdout
    (_, s1, e1), (_, s2, e2) = cells(store)
    assert (s1, s2, e2) == ("failed", "ok", None)
    assert e1 == f"ServerStartError: port {port} on 127.0.0.1 is already in use"
    assert not (tmp_path / "s" / "0" / "server.log").exists()  # refused before starting uvicorn
    assert strays(tmp_path) == []


BROKEN = 'raise RuntimeError("locustfile broken on purpose")\n'
HUNG = """from gevent import monkey
from locust import HttpUser, task

real_sleep = monkey.get_original("time", "sleep")


class Hung(HttpUser):
    @task
    def block(self):
        real_sleep(3600)  # blocks gevent's hub: locust's own -t timer never fires
"""


def run_locustfiles(tmp_path: Path, files: dict[str, str]) -> tuple[Path, float]:
    """A sweep over custom locustfiles then the real mixed.py; returns (store, wall seconds)."""
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    paths = ",".join([*(str(tmp_path / n) for n in files), "mixed.py"])
    store = tmp_path / "r.duckdb"
    t0 = time.monotonic()
    done = run_runner(
        "-m",
        f"scenario.locustfile={paths}",
        "load.deadline_margin=3",
        *SHORT,
        f"store={store}",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    )
    assert done.returncode == 1, done.stderr[-3000:]  # the custom locustfile's cell failed
    assert f"syncblock: {len(files)} of {len(files) + 1} cells failed" in done.stdout
    return store, time.monotonic() - t0


def test_a_failing_and_a_hung_locust_fail_their_cells_and_the_next_runs(tmp_path: Path) -> None:
    """A locustfile that cannot load: its cell failed with locust's exit code and error. A
    locust that never stops: killed at warmup+duration+margin, its cell failed. The next ok."""
    store, _ = run_locustfiles(tmp_path, {"broken.py": BROKEN, "hung.py": HUNG})
    (_, s1, e1), (_, s2, e2), (_, s3, _) = cells(store)
    assert (s1, s2, s3) == ("failed", "failed", "ok")
    assert e1 == "LoadError: locust exited with code 1: RuntimeError: locustfile broken on purpose"
    assert e2 == "LoadError: locust did not finish within 6 s; killed"
    wall = query(store, "SELECT wall_s FROM cells ORDER BY job_num")[1][0]
    assert wall < 40, wall  # deadline 6 s + 3 s grace + start-up, not locust's 30 s stop-timeout
    assert strays(tmp_path) == []
