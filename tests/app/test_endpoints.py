"""The HTTP contract of the app, in-process (TestClient), with a fresh database per test."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import HASHING_STRATEGIES, Settings

REGISTER, LOGIN, HEALTH = "/api/users/register/", "/api/users/login/", "/api/health/"
PASSWORD = "€" * 24  # 72 bytes: the longest accepted


@pytest.fixture
def client(make_settings: Callable[..., Settings]) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(hashing="blocking"))) as c:
        yield c


def test_health_answers_ok(client: TestClient) -> None:
    """GET /api/health/ -> 200 {"status": "OK"}."""
    r = client.get(HEALTH)
    assert (r.status_code, r.json()) == (200, {"status": "OK"})


def test_register_returns_public_fields_only(client: TestClient) -> None:
    """201 with id, username, created_at; neither the password nor a hash comes back."""
    r = client.post(REGISTER, json={"username": "alice", "password": PASSWORD})
    assert r.status_code == 201
    assert set(r.json()) == {"id", "username", "created_at"}
    assert r.json()["username"] == "alice"
    assert PASSWORD not in r.text and "$2b$" not in r.text


def test_duplicate_username_is_409(client: TestClient) -> None:
    """Registering a taken username answers 409 and leaves the first user intact."""
    first = client.post(REGISTER, json={"username": "bob", "password": "12345678"})
    assert first.status_code == 201
    r = client.post(REGISTER, json={"username": "bob", "password": "87654321"})
    assert r.status_code == 409
    assert client.post(LOGIN, json={"username": "bob", "password": "12345678"}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"username": "carol", "password": "€" * 25},  # 75 bytes
        {"username": "carol", "password": "1234567"},
        {"username": "ca", "password": "12345678"},
        {"username": "carol!", "password": "12345678"},
        {"username": "carol"},
        {"username": "carol", "password": 12345678},
    ],
)
def test_invalid_bodies_are_422_without_echoing_input(client: TestClient, body: dict) -> None:
    """Every invalid body is a 422 (never a 500) whose detail does not repeat the input."""
    r = client.post(REGISTER, json=body)
    assert r.status_code == 422
    assert r.json()["detail"]
    assert "input" not in r.text
    if isinstance(body.get("password"), str):
        assert body["password"] not in r.text


def test_non_json_body_is_422(client: TestClient) -> None:
    """A body that is not JSON is a validation error, not a server error."""
    r = client.post(REGISTER, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_body_over_64_kib_is_413(client: TestClient) -> None:
    """A body over 64 KiB is refused with 413 before parsing."""
    big = json.dumps({"username": "dave", "password": "x" * 70_000})
    r = client.post(REGISTER, content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_login_wrong_password_and_unknown_user_look_the_same(client: TestClient) -> None:
    """200 on the right password; 401 with one identical body for a wrong one or no user."""
    client.post(REGISTER, json={"username": "erin", "password": PASSWORD})
    assert client.post(LOGIN, json={"username": "erin", "password": PASSWORD}).status_code == 200
    wrong = client.post(LOGIN, json={"username": "erin", "password": "wrong-password"})
    nobody = client.post(LOGIN, json={"username": "nobody", "password": "wrong-password"})
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json() == nobody.json()


def test_unknown_user_login_costs_a_bcrypt_verify(make_settings: Callable[..., Settings]) -> None:
    """An unknown user is verified against a dummy hash: its login is not much faster."""
    with TestClient(create_app(make_settings(bcrypt_rounds=10))) as c:
        c.post(REGISTER, json={"username": "frank", "password": "12345678"})

        def median_ms(username: str) -> float:
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                c.post(LOGIN, json={"username": username, "password": "not-his-password"})
                times.append((time.perf_counter() - t0) * 1000)
            return statistics.median(times)

        known, unknown = median_ms("frank"), median_ms("nobody")
    assert known > 20  # cost 10 is tens of ms: the check below means something
    assert unknown > 0.3 * known, (known, unknown)


def test_requests_are_logged_with_the_callers_request_id(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """The timing log has one line per request, with the X-Request-ID sent and echoed."""
    with TestClient(create_app(make_settings())) as c:
        r = c.get(HEALTH, headers={"X-Request-ID": "req-1"})
        c.post(REGISTER, json={"username": "gina", "password": PASSWORD})
    assert r.headers["x-request-id"] == "req-1"
    (log,) = (tmp_path / "server").glob("requests-*.jsonl")
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(x["path"], x["status"]) for x in rows] == [(HEALTH, 200), (REGISTER, 201)]
    assert rows[0]["request_id"] == "req-1" and rows[0]["duration_ms"] >= 0
    assert PASSWORD not in log.read_text()


@pytest.mark.parametrize("hashing", HASHING_STRATEGIES)
def test_every_strategy_registers_and_logs_in(
    make_settings: Callable[..., Settings], hashing: str
) -> None:
    """Each hashing strategy serves the same contract: 201, 409, 200 and 401."""
    with TestClient(create_app(make_settings(hashing=hashing))) as c:
        body = {"username": f"user-{hashing}", "password": PASSWORD}
        assert c.post(REGISTER, json=body).status_code == 201
        assert c.post(REGISTER, json=body).status_code == 409
        assert c.post(LOGIN, json=body).status_code == 200
        assert c.post(LOGIN, json=body | {"password": "12345678"}).status_code == 401
