"""Real uvicorn under concurrent registrations: what each hashing strategy does to the loop."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.settings import HASHING_STRATEGIES
from runner.serve.server import UvicornServer

pytestmark = pytest.mark.e2e

REGISTER, HEALTH = "/api/users/register/", "/api/health/"


@dataclass
class Run:
    statuses: list[int]
    health_ms: list[float]
    t_start: float
    t_end: float
    passwords: list[str]
    request_ids: list[str]


async def _register_while_probing(url: str, n: int) -> Run:
    """n concurrent registrations; meanwhile, health probed one request at a time."""
    limits = httpx.Limits(max_connections=n + 1)
    async with httpx.AsyncClient(
        base_url=url, timeout=120, trust_env=False, limits=limits
    ) as client:
        await client.get(HEALTH)
        passwords = [f"pw-{uuid.uuid4().hex}" for _ in range(n)]
        ids = [uuid.uuid4().hex for _ in range(n)]
        done = asyncio.Event()

        async def register(i: int) -> int:
            body = {"username": f"user{i}-{ids[i][:8]}", "password": passwords[i]}
            r = await client.post(REGISTER, json=body, headers={"X-Request-ID": ids[i]})
            assert r.headers["x-request-id"] == ids[i]
            return r.status_code

        async def probe() -> list[float]:
            latencies: list[float] = []
            while not done.is_set():
                t0 = time.perf_counter()
                (await client.get(HEALTH)).raise_for_status()
                latencies.append((time.perf_counter() - t0) * 1000)
                await asyncio.sleep(0.02)
            return latencies

        prober = asyncio.create_task(probe())
        await asyncio.sleep(0)
        t_start = time.time()
        statuses = await asyncio.gather(*(register(i) for i in range(n)))
        t_end = time.time()
        done.set()
        return Run(list(statuses), await prober, t_start, t_end, passwords, ids)


def _jsonl(paths: list[Path]) -> list[dict]:
    return [json.loads(line) for p in paths for line in p.read_text().splitlines()]


@pytest.mark.parametrize("hashing", HASHING_STRATEGIES)
def test_only_blocking_stalls_the_loop(
    serve: Callable[..., UvicornServer], tmp_path: Path, hashing: str
) -> None:
    """4 registrations at cost 12: blocking lags >= 100 ms; others keep health under 50 ms."""
    server = serve(hashing=hashing, workers=1, rounds=12)
    run = asyncio.run(_register_while_probing(server.url, 4))
    server.stop()
    lags = [
        r["lag_ms"]
        for r in _jsonl(sorted((tmp_path / "server").glob("lag-*.jsonl")))
        if run.t_start <= r["t"] <= run.t_end
    ]
    health = statistics.median(run.health_ms)
    print(
        f"\n[{hashing}] registrations {run.t_end - run.t_start:.2f} s; health probes "
        f"{len(run.health_ms)}: median {health:.1f} ms, max {max(run.health_ms):.1f} ms; "
        f"loop lag samples {len(lags)}: median {statistics.median(lags):.2f} ms, "
        f"max {max(lags):.1f} ms"
    )
    assert run.statuses == [201] * 4
    if hashing == "blocking":
        assert max(lags) >= 100
        assert max(run.health_ms) >= 100
    else:
        assert health < 50
        assert statistics.median(lags) < 50


def test_three_workers_register_forty_users_and_log_each_request_once(
    serve: Callable[..., UvicornServer], tmp_path: Path
) -> None:
    """3 workers x 40 concurrent registrations: 40 x 201, 40 rows, clean per-worker logs."""
    server = serve(hashing="threadpool", workers=3, rounds=4)
    workers = server.worker_pids()
    run = asyncio.run(_register_while_probing(server.url, 40))
    server.stop()
    assert run.statuses == [201] * 40
    with sqlite3.connect(tmp_path / "app.db") as db:
        assert db.execute("select count(*) from users").fetchone() == (40,)

    log_dir = tmp_path / "server"
    rows = _jsonl(sorted(log_dir.glob("requests-*.jsonl")))
    registered = [r["request_id"] for r in rows if r["path"] == REGISTER]
    assert sorted(registered) == sorted(run.request_ids)
    assert all(r["status"] == 201 for r in rows if r["path"] == REGISTER)
    assert {r["pid"] for r in rows} <= set(workers)
    lag_pids = {r["pid"] for r in _jsonl(sorted(log_dir.glob("lag-*.jsonl")))}
    assert lag_pids == set(workers) and len(workers) == 3

    texts = [p.read_text() for p in [*log_dir.iterdir(), tmp_path / "server.log"]]
    for text in texts:
        assert "$2b$" not in text
        assert not any(pw in text for pw in run.passwords)
