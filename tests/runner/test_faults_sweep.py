"""Faults around a whole run, for real on 127.0.0.1: Ctrl-C mid-sweep then resume, two runners
on one store, a non-loopback target_url."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from runner.plan.config import ConfigError, validate
from runner.processes.proc import wait_until
from tests.runner import helpers
from tests.runner.helpers import (
    REPO,
    TABLES,
    query,
    run_runner,
    strays,
    under_load,
)

pytestmark = pytest.mark.e2e

SHORT = ["duration=3", "warmup=1", "bcrypt_rounds=6", "baseline=false", "compare.hashing=[]"]


def start_runner(*args: str) -> subprocess.Popen[str]:
    return helpers.start_runner(*args, stderr=subprocess.STDOUT)


def rows_of(store: Path, cell_id: str) -> dict[str, int]:
    """Rows per table of one cell (sweeps has no cell_id)."""
    tables = [t for t in TABLES if t != "sweeps"]
    return {
        t: query(store, f"SELECT count(*) FROM {t} WHERE cell_id = ?", [cell_id])[0][0]
        for t in tables
    }


def test_ctrl_c_mid_sweep_keeps_first_cell_and_resume_runs_only_the_rest(tmp_path: Path) -> None:
    """SIGINT (a terminal's Ctrl-C) in cell 2 of 3 while locust loads it: exit != 0 within
    10 s with one 'interrupted' line, no process left, only cell 1 stored; resume adds 2, 3."""
    store, sweep = tmp_path / "r.duckdb", tmp_path / "sweep"
    args = ["-m", "users=1,2,3", *SHORT, f"store={store}", f"hydra.sweep.dir={sweep}"]
    runner = start_runner(*args)
    try:
        # the second cell's server is up and locust is loading it: mid-cell
        wait_until(lambda: under_load(sweep / "1"), timeout=150, what="cell 2 under load")
        t0 = time.monotonic()
        runner.send_signal(signal.SIGINT)
        out, _ = runner.communicate(timeout=60)
        exit_s = time.monotonic() - t0
        code = runner.returncode
    finally:
        if runner.poll() is None:
            runner.kill()
    assert code != 0 and exit_s < 10, (code, exit_s)
    assert "syncblock: interrupted (SIGINT)" in out and "Traceback" not in out, out[-2000:]
    wait_until(lambda: strays(tmp_path) == [], timeout=10, what="no process of the sweep")
    cells = query(store, "SELECT cell_id, status FROM cells")
    assert len(cells) == 1 and cells[0][1] == "ok" and cells[0][0].endswith("-j0"), cells
    second = cells[0][0].removesuffix("-j0") + "-j1"
    assert set(rows_of(store, second).values()) == {0}

    first_log = sweep / "0" / "server.log"
    before = (first_log.stat().st_mtime_ns, first_log.read_bytes())
    again = run_runner(*args, "resume=true")
    assert again.returncode == 0, again.stderr[-3000:]
    assert (first_log.stat().st_mtime_ns, first_log.read_bytes()) == before  # no new server
    assert again.stdout.count("skipped") == 1
    final = query(store, "SELECT status, count(*), count(DISTINCT cell_key) FROM cells GROUP BY 1")
    assert final == [("ok", 3, 3)]
    # the interrupted attempt's rows were not ingested with the resumed one's: one locust pid
    pids = query(
        store,
        "SELECT count(DISTINCT pid) FROM requests WHERE cell_id = ? AND side = 'client'",
        [second],
    )
    assert pids == [(1,)]
    assert strays(tmp_path) == []


@pytest.mark.slow  # a long real-process check kept out of the default run
def test_second_runner_on_a_busy_store_exits_and_the_first_is_unaffected(tmp_path: Path) -> None:
    """A real second runner on the same store says it is in use, exits non-zero, serves nothing;
    the first runner finishes its cell ok."""
    store = tmp_path / "r.duckdb"
    # the first cell outlasts the second runner's start-up on a loaded machine (seen: a 4 s
    # cell stored before the second runner reached the store, which then skipped it)
    longer = [a if not a.startswith("duration=") else "duration=12" for a in SHORT]
    first = start_runner(*longer, f"store={store}", f"hydra.run.dir={tmp_path / 'a'}")
    try:
        wait_until(lambda: (tmp_path / "a" / "server.log").exists(), timeout=90, what="server 1")
        second = run_runner(*SHORT, f"store={store}", f"hydra.run.dir={tmp_path / 'b'}")
        first_out, _ = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert second.returncode != 0
    assert "in use by another run" in second.stderr.strip().splitlines()[0], second.stderr
    assert not list((tmp_path / "b").rglob("server.log"))
    assert first.returncode == 0, first_out[-3000:]
    assert query(store, "SELECT status, dir FROM cells") == [("ok", str(tmp_path / "a"))]
    assert strays(tmp_path) == []


def test_non_loopback_target_url_is_refused_before_anything_runs(tmp_path: Path) -> None:
    """target_url on a non-loopback host: one line naming allow_remote, exit != 0, nothing run."""
    done = run_runner(
        "target_url=http://192.0.2.10:8000",
        f"store={tmp_path / 'r.duckdb'}",
        f"hydra.run.dir={tmp_path / 'run'}",
        timeout=60,
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "target_url" in lines[0] and "allow_remote=true" in lines[0]
    assert not list(tmp_path.rglob("*.log")) and not (tmp_path / "r.duckdb").exists()


def composed(*overrides: str) -> DictConfig:
    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


@pytest.mark.parametrize(
    "url",
    [
        "http://192.0.2.10:8000",
        "http://127.0.0.1@192.0.2.10:8000/",
        "http://localhost.example:80",
        "http://127.0.0.1.nip.io:80",
    ],
)
def test_target_url_hosts_that_only_look_local_are_refused(url: str) -> None:
    """Userinfo tricks and look-alike names are not loopback; allow_remote=true lets them pass."""
    with pytest.raises(ConfigError, match="allow_remote"):
        validate(composed(f"target_url='{url}'"))
    assert validate(composed(f"target_url='{url}'", "allow_remote=true")).target_url == url
