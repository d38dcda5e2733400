"""`server.balance=reuseport`: N uvicorn processes on one port, each with its own socket."""

from __future__ import annotations

import json
import socket
from collections import Counter
from pathlib import Path

import httpx
import psutil
import pytest

from app.contract import SERVER_DIR
from runner.probe.sampler import Sampler
from runner.processes.proc import wait_until
from runner.serve.reuseport import ReuseportServer
from runner.serve.reuseport_child import reuseport_socket
from runner.serve.server import ServerStartError
from tests.runner.helpers import leftovers


def app_env(tmp_path: Path) -> dict[str, str]:
    return {
        "SYNCBLOCK_HASHING": "threadpool",
        "SYNCBLOCK_BCRYPT_ROUNDS": "4",
        "SYNCBLOCK_DB_URL": f"sqlite:///{tmp_path}/app.db",
        "SYNCBLOCK_LOG_DIR": str(tmp_path / SERVER_DIR),
    }


def served_by_pid(log_dir: Path) -> Counter[int]:
    rows = [json.loads(line) for f in log_dir.glob("requests-*.jsonl") for line in f.open()]
    return Counter(int(r["pid"]) for r in rows)


def gone(pids: list[int]) -> bool:
    return not any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie" for p in pids)


def test_socket_is_bound_with_reuseport_and_not_listening() -> None:
    a = reuseport_socket("127.0.0.1", 0)
    try:
        port = a.getsockname()[1]
        b = reuseport_socket("127.0.0.1", port)  # a second socket on the same port: allowed
        try:
            assert a.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
            assert a.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 0
        finally:
            b.close()
    finally:
        a.close()


def test_reuseport_spreads_new_connections_and_stops_every_process(tmp_path: Path) -> None:
    """2 processes, 60 requests each on a new connection: both serve, none takes > 80 %."""
    server = ReuseportServer(workers=2, env=app_env(tmp_path), log_path=tmp_path / "server.log")
    with server, Sampler(tmp_path / "resources.jsonl", [server.targets()]) as sampler:
        pids = server.worker_pids()
        assert len(pids) == 2
        for _ in range(60):
            with httpx.Client(trust_env=False) as client:  # a fresh TCP connection each time
                assert client.get(server.url + "/api/health/").status_code == 200
        wait_until(lambda: len(sampler.rows) > 0, timeout=10, what="a resource sample")
    wait_until(lambda: gone(pids), timeout=10, what="every reuseport process gone")
    served = served_by_pid(tmp_path / SERVER_DIR)  # flushed by each graceful shutdown
    assert set(served) == set(pids)
    total = sum(served.values())
    assert total >= 60  # the readiness probe's request is logged too
    assert max(served.values()) / total <= 0.8, served
    assert {r["role"] for r in sampler.rows} == {"server_worker"}
    assert {r["pid"] for r in sampler.rows} <= set(pids)
    assert leftovers(tmp_path) == []


def test_interrupt_inside_the_server_block_stops_all(tmp_path: Path) -> None:
    server = ReuseportServer(workers=2, env=app_env(tmp_path), log_path=tmp_path / "server.log")
    with pytest.raises(KeyboardInterrupt), server:
        pids = server.worker_pids()
        raise KeyboardInterrupt
    wait_until(lambda: gone(pids), timeout=10, what="every reuseport process gone")
    assert leftovers(tmp_path) == []


def test_a_failing_app_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    env = app_env(tmp_path) | {"SYNCBLOCK_HASHING": "no-such-strategy"}
    server = ReuseportServer(workers=2, env=env, log_path=tmp_path / "server.log")
    with pytest.raises(ServerStartError) as info:
        server.start()
    assert "\n" not in str(info.value)
    assert leftovers(tmp_path) == []
