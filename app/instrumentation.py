"""Per-worker timing of every request and of the event loop's lateness.

- `Recorder` owns this process's two buffered files, `requests-<pid>.jsonl` and
  `lag-<pid>.jsonl` (names from `app.contract`); it is opened and closed by the lifespan
  and drops records while closed (e.g. a TestClient without lifespan).
- `TimingMiddleware` (pure ASGI) writes one record per HTTP request and echoes
  `X-Request-ID` (taken from the request, or a fresh UUID).
- `lag_probe` sleeps `interval` again and again and records how late each wake-up was.

A record is a tuple while the server runs (cheap to make on the loop); it becomes its JSON
line only when its batch is written, in the buffer's writer thread or at shutdown.
`request_record` / `request_line` are the one place a request record's fields are named.

Records carry ids, paths, statuses and times only: never a body, so never a password.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
from collections.abc import Callable
from json.encoder import encode_basestring_ascii as _json_str
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import dbtime
from app.contract import REQUEST_ID_HEADER, lag_file, requests_file
from app.jsonl import JsonlBuffer

_REQUEST_ID_RAW = REQUEST_ID_HEADER.lower().encode("latin-1")  # ASGI header names are lower case
_REQUEST_ID_OK = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")

# request_id, method, path, status, t_start (epoch s), duration_ms, pid
RequestRecord = tuple[str, str, str, int, float, float, int, float | None]
LagRecord = tuple[int, float, float]  # pid, t (epoch s), lag_ms


def request_record(
    request_id: str,
    method: str,
    path: str,
    status: int,
    t_start: float,
    ms: float,
    pid: int,
    db_ms: float | None = None,
) -> RequestRecord:
    """One request's record, in the order of its JSON fields (see `request_line`)."""
    return (request_id, method, path, status, t_start, ms, pid, db_ms)


def request_line(r: RequestRecord) -> str:
    """The record's JSON line: byte for byte what `json.dumps` of the same dict writes with
    separators (",", ":"), at a third of its cost (pinned by tests/app/test_instrumentation)."""
    return (
        f'{{"request_id":{_json_str(r[0])},"method":{_json_str(r[1])},'
        f'"path":{_json_str(r[2])},"status":{r[3]},"t_start":{r[4]!r},'
        f'"duration_ms":{r[5]!r},"pid":{r[6]}'
        + ("}\n" if r[7] is None else f',"db_ms":{r[7]!r}}}\n')  # no db call: no db_ms
    )


def lag_line(r: LagRecord) -> str:
    return f'{{"pid":{r[0]},"t":{r[1]!r},"lag_ms":{r[2]!r}}}\n'


class Recorder:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self._requests: JsonlBuffer[RequestRecord] | None = None
        self._lag: JsonlBuffer[LagRecord] | None = None

    def open(self, log_dir: Path, capacity: int) -> None:
        self.pid = os.getpid()
        self._requests = JsonlBuffer(requests_file(log_dir, self.pid), capacity, request_line)
        self._lag = JsonlBuffer(lag_file(log_dir, self.pid), capacity, lag_line)

    def close(self) -> None:
        for buffer in (self._requests, self._lag):
            if buffer is not None:
                buffer.close()
        self._requests = self._lag = None

    def request(self, record: RequestRecord) -> None:
        if self._requests is not None:
            self._requests.add(record)

    def lag(self, t: float, lag_ms: float) -> None:
        if self._lag is not None:
            self._lag.add((self.pid, t, lag_ms))


def _request_id(scope: Scope) -> bytes:
    """The client's X-Request-ID when it is a sane token, else a new UUID (hex), as bytes.

    Scans the raw header list (no Headers object: this runs for every request)."""
    for name, value in scope["headers"]:
        if name == _REQUEST_ID_RAW:
            if _REQUEST_ID_OK.match(value):
                return bytes(value)
            break
    return uuid.uuid4().hex.encode("latin-1")


class TimingMiddleware:
    def __init__(self, app: ASGIApp, recorder: Recorder) -> None:
        self.app = app
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_id = _request_id(scope)
        status = 500
        t_start = time.time()
        t0 = time.perf_counter()
        t_end = 0.0

        async def send_with_id(message: Message) -> None:
            nonlocal status, t_end
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", ()) if h[0] != _REQUEST_ID_RAW]
                headers.append((_REQUEST_ID_RAW, raw_id))
                message["headers"] = headers
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                # The response is out: what runs after (dependency teardown, which may yield
                # the loop to a blocking handler) is not the client's wait.
                t_end = time.perf_counter()

        try:
            await self.app(scope, receive, send_with_id)
        except HTTPException as exc:  # answered by an outer layer (e.g. 413 body limit)
            status = exc.status_code
            raise
        except asyncio.CancelledError:
            if not t_end:  # cancelled before its answer (a stopping server): no response, no row
                status = 0
            raise
        finally:
            if status:
                ms = ((t_end or time.perf_counter()) - t0) * 1000
                self.recorder.request(
                    request_record(
                        raw_id.decode("latin-1"),
                        scope["method"],
                        scope["path"],
                        status,
                        t_start,
                        ms,
                        self.recorder.pid,
                        dbtime.db_ms(scope),
                    )
                )


async def lag_probe(
    recorder: Recorder,
    interval_s: float,
    beat: Callable[[float, float, float], None] | None = None,
) -> None:
    """Run until cancelled: record, every `interval_s`, how late the loop woke us up.

    `beat(now, due, lag_s)` (the stall watchdog's heartbeat) hears of every wake-up."""
    lag_s = 0.0
    while True:  # perf_counter, not loop.time(): uvloop's clock has 1 ms steps
        now = time.perf_counter()
        due = now + interval_s
        if beat is not None:
            beat(now, due, lag_s)
        await asyncio.sleep(interval_s)
        lag_s = max(0.0, time.perf_counter() - due)
        recorder.lag(time.time(), lag_s * 1000)


def instrument(
    asgi_app: ASGIApp,
    *,
    log_dir: Path | str | None = None,
    stall_ms: float | None = None,
) -> ASGIApp:
    """Any ASGI app with the timing middleware, the lag probe and the stall watchdog added,
    started and stopped by its lifespan (see `app.instrumented`). Unset arguments come from
    the `SYNCBLOCK_*` environment (`SYNCBLOCK_LOG_DIR`, `SYNCBLOCK_STALL_MS`)."""
    from app.instrumented import InstrumentedApp

    return InstrumentedApp(asgi_app, log_dir=log_dir, stall_ms=stall_ms)
