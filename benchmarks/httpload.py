"""A lean HTTP/1.1 keep-alive client for GET load: light enough that the server under test,
not the client, is what limits requests per second on a 2-core box.

- `closed_loop(url, path, concurrency, seconds)`: `concurrency` connections, each sending the
  next request as soon as the last answer is read (fixed concurrency, closed loop).
- `python -m benchmarks.httpload probe URL OUT [interval_ms]`: a separate process sending one
  request every interval on one connection, appending `t latency_ms status` lines to OUT until
  SIGINT: a health prober whose timing is not disturbed by the benchmark's own threads.

Every request carries a fresh `X-Request-ID`, as locust's requests do.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from dataclasses import dataclass
from itertools import count
from urllib.parse import urlsplit

import uvloop

from app.contract import HEALTH_PATH

_IDS = count()


def request_bytes(host: str, path: str, request_id: str) -> bytes:
    """One GET request with keep-alive (pure)."""
    return (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nX-Request-ID: {request_id}\r\n\r\n").encode()


def parse_head(head: bytes) -> tuple[int, int]:
    """(status, content length) of a response head ending with a blank line (pure)."""
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    return status, length


async def _get(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str
) -> int:
    writer.write(request_bytes(host, path, f"bench{next(_IDS):027x}"))
    head = await reader.readuntil(b"\r\n\r\n")
    status, length = parse_head(head)
    if length:
        await reader.readexactly(length)
    return status


@dataclass(frozen=True)
class LoadResult:
    requests: int  # answered with 2xx
    errors: int  # other statuses
    seconds: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


async def _closed_loop(url: str, path: str, concurrency: int, seconds: float) -> LoadResult:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    conns = [await asyncio.open_connection(host, port) for _ in range(concurrency)]
    ok = bad = 0
    t0 = time.perf_counter()
    deadline = t0 + seconds

    async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal ok, bad
        while time.perf_counter() < deadline:
            status = await _get(reader, writer, parts.netloc, path)
            if 200 <= status < 300:
                ok += 1
            else:
                bad += 1

    try:
        await asyncio.gather(*(worker(r, w) for r, w in conns))
    finally:
        for _, w in conns:
            w.close()
    return LoadResult(ok, bad, time.perf_counter() - t0)


def closed_loop(url: str, path: str, concurrency: int, seconds: float) -> LoadResult:
    """Run a closed-loop GET load for `seconds` (uvloop); answered requests and time."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(_closed_loop(url, path, concurrency, seconds))


async def _probe(url: str, path: str, out: str, interval_s: float) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    with open(out, "a", buffering=1) as f:
        next_at = time.perf_counter()
        while True:
            t, p0 = time.time(), time.perf_counter()
            status = await _get(reader, writer, parts.netloc, path)
            f.write(f"{t:.6f} {(time.perf_counter() - p0) * 1000:.3f} {status}\n")
            next_at = max(next_at + interval_s, time.perf_counter())
            await asyncio.sleep(next_at - time.perf_counter())


def read_probe(text: str) -> list[tuple[float, float]]:
    """(t epoch s, latency ms) of the 2xx lines a prober wrote (pure)."""
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2].startswith("2"):
            out.append((float(parts[0]), float(parts[1])))
    return out


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] != "probe":
        print("usage: python -m benchmarks.httpload probe URL OUT [interval_ms]", file=sys.stderr)
        return 2
    interval = float(argv[3]) / 1000 if len(argv) > 3 else 0.05
    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(_probe(argv[1], HEALTH_PATH, argv[2], interval))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
