"""runner.serve.server.UvicornServer: real uvicorn on 127.0.0.1, started, checked, stopped clean."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
import pytest

from runner.serve.server import ServerStartError, UvicornServer
from tests.conftest import app_env

pytestmark = pytest.mark.e2e


def test_workers_start_serve_and_stop_without_leftovers(
    serve: Callable[..., UvicornServer], tmp_path: Path
) -> None:
    """Two workers come up, answer health, shut down gracefully (logs flushed), leave nothing."""
    server = serve(hashing="processpool", workers=2, rounds=4)
    assert httpx.get(server.url + "/api/health/", trust_env=False).json() == {"status": "OK"}
    workers = server.worker_pids()
    assert len(workers) == 2 and server.pid not in workers
    family = psutil.Process(server.pid).children(recursive=True)
    assert len(family) >= 5  # 2 workers, >= 1 pool process each, the resource tracker
    server.stop()
    assert not [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    log = (tmp_path / "server.log").read_text()
    assert log.count("Application shutdown complete") == 2
    for pid in workers:
        assert (tmp_path / "server" / f"lag-{pid}.jsonl").stat().st_size > 0


def test_single_worker_is_the_master(serve: Callable[..., UvicornServer]) -> None:
    """With one worker, the process serving requests is the master itself."""
    server = serve(hashing="blocking", workers=1, rounds=4)
    assert server.worker_pids() == [server.pid]


def test_a_taken_port_is_a_clear_start_error(tmp_path: Path) -> None:
    """Starting on a port someone listens on fails at once, naming the port."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = UvicornServer(
            workers=1, env=app_env(tmp_path, "blocking"), log_path=tmp_path / "s.log", port=port
        )
        with pytest.raises(ServerStartError, match=f"port {port} .*already in use"), server:
            pass


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"SYNCBLOCK_DB_URL": "nosuchdb://x/y"}, "nosuchdb"),
        ({"SYNCBLOCK_HASHING": "bogus"}, "validation error for Settings"),
    ],
    ids=["db_url", "hashing"],
)
def test_a_broken_setting_is_a_clear_start_error(
    tmp_path: Path, workers: int, override: dict[str, str], reason: str
) -> None:
    """A bad DB URL or setting stops start-up (no endless worker restarts), naming the cause."""
    env = app_env(tmp_path, "blocking") | override
    server = UvicornServer(workers=workers, env=env, log_path=tmp_path / "s.log", start_timeout=45)
    with pytest.raises(ServerStartError, match=reason), server:
        pass
    assert not psutil.pid_exists(server.pid)  # reaped: nothing left behind
