"""Sampling and load generation against real processes (uvicorn from runner/serve/server.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from app.contract import CLIENT_DIR, SERVER_DIR
from runner.load.loadgen import LoadPlan, finish_locust, start_locust
from runner.probe.sampler import Sampler, load_targets, server_targets
from runner.processes.proc import ManagedProcess, wait_until
from runner.serve.server import UvicornServer
from tests.runner.helpers import leftovers


def rows_of(directory: Path) -> list[dict]:
    return [json.loads(ln) for f in directory.glob("requests-*.jsonl") for ln in f.open()]


def test_sampler_reports_a_busy_process(tmp_path: Path) -> None:
    """A spinning child shows CPU % well above zero and its RSS, every 0.25 s, as JSON lines."""
    spin = ManagedProcess(
        [sys.executable, "-c", "import time\nt=time.time()\nwhile time.time()-t<30: pass"],
        log_path=tmp_path / "spin.log",
    )
    out = tmp_path / "resources.jsonl"
    with spin, Sampler(out, [load_targets(lambda: spin.pid)], interval=0.1) as sampler:
        wait_until(lambda: len(sampler.rows) >= 8, timeout=30, what="8 samples")
    rows = [json.loads(ln) for ln in out.read_text().splitlines()]
    assert len(rows) >= 8 and {r["role"] for r in rows} == {"load_generator"}
    assert max(r["cpu_percent"] for r in rows) > 20 and min(r["rss_bytes"] for r in rows) > 0


@pytest.mark.slow  # a long real-process check kept out of the default run
@pytest.mark.e2e
def test_locust_with_two_processes_logs_every_request(tmp_path: Path) -> None:
    """With --processes 2 each locust worker writes its own client file; rows join the server's."""
    env = {
        "SYNCBLOCK_HASHING": "threadpool",
        "SYNCBLOCK_BCRYPT_ROUNDS": "4",
        "SYNCBLOCK_DB_URL": f"sqlite:///{tmp_path}/app.db",
        "SYNCBLOCK_LOG_DIR": str(tmp_path / SERVER_DIR),
    }
    with UvicornServer(workers=2, env=env, log_path=tmp_path / "server.log") as server:
        plan = LoadPlan("mixed.py", server.url, 4, 4, 4, processes=2)
        locust = start_locust(plan, tmp_path, {})
        targets = [server_targets(server.pid, server.worker_pids), load_targets(lambda: locust.pid)]
        with locust, Sampler(tmp_path / "resources.jsonl", targets) as sampler:
            finish_locust(locust, deadline=120)
    files = list((tmp_path / CLIENT_DIR).glob("requests-*.jsonl"))
    assert len(files) == 2, files
    client, server_rows = rows_of(tmp_path / CLIENT_DIR), rows_of(tmp_path / SERVER_DIR)
    assert len({r["pid"] for r in client}) == 2 and all(r["ok"] for r in client)
    assert {r["path"] for r in client} == {"/api/users/register/", "/api/health/"}
    ids = {r["request_id"] for r in client}
    assert len(ids) == len(client)
    joined = sum(r["request_id"] in ids for r in server_rows)
    assert joined >= 0.95 * len(server_rows) > 0
    load_pids = {r["pid"] for r in sampler.rows if r["role"] == "load_generator"}
    assert len(load_pids) >= 3  # the locust master and its two forked workers
    assert {"server_master", "server_worker"} <= {r["role"] for r in sampler.rows}
    assert leftovers(tmp_path) == []
