"""No user enumeration by timing: unknown users cost a bcrypt verify too (real uvicorn).

Logins for an existing user with a wrong password and for an unknown user are interleaved
(so load from other engineers' tests hits both alike) at cost 10; both medians must be
alike AND far above the cost of a request that does no bcrypt at all (health), so the test
fails if the dummy-hash verify were skipped.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import httpx
import pytest

from runner.serve.server import UvicornServer

pytestmark = pytest.mark.e2e

LOGIN, HEALTH = "/api/users/login/", "/api/health/"
ROUNDS = 10
SAMPLES = 8


def timed_ms(client: httpx.Client, method: str, path: str, **kwargs: object) -> tuple[int, float]:
    t0 = time.perf_counter()
    status = client.request(method, path, **kwargs).status_code  # type: ignore[arg-type]
    return status, (time.perf_counter() - t0) * 1000


# sync_def's plain-def handler calls verify_or_dummy in FastAPI's thread; the others via Offload.
@pytest.mark.parametrize("hashing", ["threadpool", "sync_def"])
def test_unknown_user_and_wrong_password_take_the_same_bcrypt_time(
    serve: Callable[..., UvicornServer], hashing: str
) -> None:
    """Median login time: unknown user / wrong password within 0.5..2, both > 5x health."""
    server = serve(hashing=hashing, rounds=ROUNDS)
    times: dict[str, list[float]] = {"wrong": [], "unknown": [], "health": []}
    with httpx.Client(base_url=server.url, trust_env=False, timeout=30) as client:
        user = {"username": "timing-victim", "password": "the-right-password"}
        assert client.post("/api/users/register/", json=user).status_code == 201
        wrong = {"json": user | {"password": "a-wrong-password"}}
        unknown = {"json": {"username": "nobody-by-that-name", "password": "a-wrong-password"}}
        for _ in range(2):  # warm-up: connection, first-request paths
            client.post(LOGIN, **unknown)
            client.get(HEALTH)
        for i in range(SAMPLES):
            order = [("wrong", wrong), ("unknown", unknown)]
            for name, kwargs in order if i % 2 else order[::-1]:
                status, ms = timed_ms(client, "POST", LOGIN, **kwargs)
                assert status == 401
                times[name].append(ms)
            status, ms = timed_ms(client, "GET", HEALTH)
            assert status == 200
            times["health"].append(ms)
    med = {name: statistics.median(values) for name, values in times.items()}
    print(
        f"{hashing} cost {ROUNDS} medians (ms): "
        + ", ".join(f"{k} {v:.1f}" for k, v in med.items())
    )
    assert 0.5 <= med["unknown"] / med["wrong"] <= 2, med
    floor = 5 * med["health"]
    assert med["wrong"] > floor and med["unknown"] > floor, med
