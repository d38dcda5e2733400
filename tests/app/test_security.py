"""Secrets stay secret and the server stays local: real uvicorn on 127.0.0.1.

Every answer and every file the server writes (its log, the per-worker JSON lines) is
scanned for the passwords sent and for the bcrypt hashes stored in the app database.
"""

from __future__ import annotations

import contextlib
import inspect
import re
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
import pytest

from runner.serve.server import UvicornServer

pytestmark = pytest.mark.e2e

REGISTER, LOGIN = "/api/users/register/", "/api/users/login/"
JSON = {"content-type": "application/json"}
BCRYPT_HASH = re.compile(r"\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}")


def test_uvicorn_server_binds_loopback_by_default(serve: Callable[..., UvicornServer]) -> None:
    """UvicornServer's default host is 127.0.0.1, and the started server listens only there."""
    assert inspect.signature(UvicornServer).parameters["host"].default == "127.0.0.1"
    server = serve(hashing="blocking", rounds=4)
    listening = [
        c.laddr
        for c in psutil.Process(server.pid).net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    ]
    assert listening and {addr.ip for addr in listening} == {"127.0.0.1"}, listening


def secret_exchanges(secret: str) -> list[tuple[str, object, int]]:
    """(path, body, expected status): every way a request can carry `secret` as a password."""
    user = f"u{uuid.uuid4().hex[:12]}"
    return [
        (REGISTER, {"username": user, "password": secret}, 201),
        (REGISTER, {"username": user, "password": secret}, 409),
        (LOGIN, {"username": user, "password": secret}, 200),
        (LOGIN, {"username": user, "password": secret[::-1]}, 401),  # wrong password
        (LOGIN, {"username": "nobody-here", "password": secret}, 401),  # unknown user
        (REGISTER, {"username": "no", "password": secret}, 422),  # bad username, good password
        (REGISTER, {"username": "toolong", "password": secret * 4}, 422),  # over 72 bytes
        (LOGIN, {"username": user, "password": secret * 4}, 422),
        (REGISTER, {"username": user + "x", "password": secret, "confirm": secret}, 422),
        (REGISTER, {"username": user + "y", "password": [secret]}, 422),
        (LOGIN, {"username": secret, "password": secret}, 422),  # '!' is not a username char
        (REGISTER, f'{{"username": "{user}z", "password": "{secret}"'.encode(), 422),  # broken
    ]


def test_no_password_or_hash_in_answers_or_server_files(
    serve: Callable[..., UvicornServer], tmp_path: Path
) -> None:
    """Passwords and stored hashes appear in no response body, server log or timing file."""
    server = serve(hashing="threadpool", workers=2, rounds=4)
    secrets = [f"Pw!{uuid.uuid4().hex[:16]}" for _ in range(3)]
    answers: list[str] = []
    with httpx.Client(base_url=server.url, trust_env=False, timeout=30) as client:
        for secret in secrets:
            for path, body, expected in secret_exchanges(secret):
                if isinstance(body, bytes):
                    r = client.post(path, content=body, headers=JSON)
                else:
                    r = client.post(path, json=body)
                assert r.status_code == expected, (path, body, r.status_code, r.text)
                answers.append(r.text)
    server.stop()  # graceful: workers flush their buffered logs
    with contextlib.closing(sqlite3.connect(tmp_path / "app.db")) as db:
        hashes = [h for (h,) in db.execute("select password_hash from users")]
    assert len(hashes) == len(secrets) and all(BCRYPT_HASH.fullmatch(h) for h in hashes)
    files = {
        p: p.read_text(errors="replace")
        for p in tmp_path.rglob("*")
        if p.is_file() and p.suffix in {".log", ".jsonl"}
    }
    assert any(p.name.startswith("requests-") for p in files)
    assert sum(text.count('"status":422') for text in files.values()) == 7 * len(secrets)
    for where, text in [
        *((f"answer {i}", a) for i, a in enumerate(answers)),
        *((str(p), t) for p, t in files.items()),
    ]:
        for secret in [*secrets, *hashes, *(s[::-1] for s in secrets)]:
            assert secret not in text, (where, secret)
        assert not BCRYPT_HASH.search(text), where
