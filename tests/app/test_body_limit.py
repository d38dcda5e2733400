"""Oversized and malformed bodies against a real uvicorn worker on 127.0.0.1.

Raw sockets, so the client sends exactly what the test says: a Content-Length that
promises too much, or a chunked body with no length at all. Neither is ever finished, so
a 413 proves the server refused before it had (or parsed) the whole body.
"""

from __future__ import annotations

import itertools
import socket
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import httpx
import psutil
import pytest

from runner.serve.server import UvicornServer
from tests.conftest import app_env

pytestmark = pytest.mark.e2e

REGISTER = "/api/users/register/"
LIMIT = 64 * 1024
MALFORMED = [
    b"{",
    b'{"username": "abc", "password": ',
    b"\xff\xfe not utf-8",
    b'{"username": "abc", "password": ' + b"9" * 5000 + b"}",
    b"[" * 3000,
    b'{"username": 1, "password": [null, {}]}',
    b"null",
]


def head(path: str, host: str, extra: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{extra}\r\n"
    ).encode()


def status_after_sending(url: str, request_head: bytes, pieces: list[bytes]) -> int:
    """Send the head and as many pieces as the server takes; the status line of its answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=15) as s:
        s.sendall(request_head)
        for piece in pieces:
            try:
                s.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server answered and closed: read what it said
        answer = b""
        deadline = time.monotonic() + 15
        while b"\r\n" not in answer and time.monotonic() < deadline:
            try:
                chunk = s.recv(4096)
            except ConnectionResetError:
                break
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer.split()[1])


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UvicornServer]:
    root = tmp_path_factory.mktemp("limit")
    env = app_env(root, "threadpool", rounds=4)
    with UvicornServer(workers=1, env=env, log_path=root / "server.log") as s:
        yield s


def test_announced_oversize_is_413_before_the_body_arrives(server: UvicornServer) -> None:
    """Content-Length of 10 MB, only 1 KiB sent: 413 at once, the rest never read."""
    host = urlsplit(server.url).netloc
    request_head = head(REGISTER, host, "Content-Length: 10000000\r\n")
    assert status_after_sending(server.url, request_head, [b"{" + b" " * 1023]) == 413


def test_chunked_oversize_is_413_without_the_final_chunk(server: UvicornServer) -> None:
    """A chunked body (no Content-Length) is cut off once it passes 64 KiB: 413, unfinished."""
    host = urlsplit(server.url).netloc
    pieces = [chunk(b" " * 8192) for _ in range(LIMIT // 8192 + 2)]  # 80 KiB, never terminated
    request_head = head(REGISTER, host, "Transfer-Encoding: chunked\r\n")
    assert status_after_sending(server.url, request_head, pieces) == 413


def test_chunked_body_just_under_the_limit_is_parsed(server: UvicornServer) -> None:
    """The limit is the limit: a complete chunked body of 64 KiB is parsed (422, not 413)."""
    host = urlsplit(server.url).netloc
    body = b'{"username": "abc", "password": "' + b"x" * (LIMIT - 40) + b'"}'
    assert len(body) <= LIMIT
    pieces = [chunk(body[i : i + 8192]) for i in range(0, len(body), 8192)] + [b"0\r\n\r\n"]
    request_head = head(REGISTER, host, "Transfer-Encoding: chunked\r\n")
    assert status_after_sending(server.url, request_head, pieces) == 422


def burst(client: httpx.Client, count: int) -> dict[int, int]:
    statuses: dict[int, int] = {}
    for body in itertools.islice(itertools.cycle(MALFORMED), count):
        code = client.post(REGISTER, content=body).status_code
        statuses[code] = statuses.get(code, 0) + 1
    return statuses


@pytest.mark.slow
def test_malformed_json_burst_does_not_grow_worker_memory(
    serve: Callable[..., UvicornServer],
) -> None:
    """10,000 malformed JSON posts on one keep-alive connection raise worker RSS < 20 MB."""
    server = serve(hashing="threadpool", workers=1, rounds=4)
    (worker,) = server.worker_pids()
    headers = {"content-type": "application/json"}
    with httpx.Client(base_url=server.url, headers=headers, trust_env=False, timeout=30) as c:
        burst(c, 1000)  # warm-up: allocator arenas, caches, the log buffer's first flush
        before = psutil.Process(worker).memory_info().rss
        t0 = time.monotonic()
        statuses = burst(c, 10_000)
        elapsed = time.monotonic() - t0
        after = psutil.Process(worker).memory_info().rss
        assert c.get("/api/health/").json() == {"status": "OK"}
    grown_mb = (after - before) / 2**20
    print(
        f"10,000 malformed posts in {elapsed:.1f} s, RSS {before / 2**20:.1f} -> "
        f"{after / 2**20:.1f} MiB ({grown_mb:+.1f}), statuses {statuses}"
    )
    assert statuses == {422: 10_000}
    assert grown_mb < 20
