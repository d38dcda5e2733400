"""Per-worker timing of every request and of the event loop's lateness.

- `Recorder` owns this process's two buffered files, `requests-<pid>.jsonl` and
  `lag-<pid>.jsonl` (names from `runner.layout`); it is opened and closed by the lifespan
  and drops records while closed (e.g. a TestClient without lifespan).
- `TimingMiddleware` (pure ASGI) writes one record per HTTP request and echoes
  `X-Request-ID` (taken from the request, or a fresh UUID).
- `lag_probe` sleeps `interval` again and again and records how late each wake-up was.

Records carry ids, paths, statuses and times only: never a body, so never a password.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import dbtime
from app.contract import lag_file, requests_file
from app.jsonl import JsonlBuffer

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID_RAW = REQUEST_ID_HEADER.encode("latin-1")
_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class Recorder:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self._requests: JsonlBuffer | None = None
        self._lag: JsonlBuffer | None = None

    def open(self, log_dir: Path, capacity: int) -> None:
        self.pid = os.getpid()
        self._requests = JsonlBuffer(requests_file(log_dir, self.pid), capacity)
        self._lag = JsonlBuffer(lag_file(log_dir, self.pid), capacity)

    def close(self) -> None:
        for buffer in (self._requests, self._lag):
            if buffer is not None:
                buffer.close()
        self._requests = self._lag = None

    def request(
        self,
        request_id: str,
        method: str,
        path: str,
        status: int,
        t_start: float,
        ms: float,
        db_ms: float | None = None,
    ) -> None:
        if self._requests is not None:
            self._requests.add(
                {
                    "request_id": request_id,
                    "method": method,
                    "path": path,
                    "status": status,
                    "t_start": t_start,
                    "duration_ms": ms,
                    "pid": self.pid,
                    "db_ms": db_ms,
                }
            )

    def lag(self, t: float, lag_ms: float) -> None:
        if self._lag is not None:
            self._lag.add({"pid": self.pid, "t": t, "lag_ms": lag_ms})


def request_id_from(scope: Scope) -> str:
    """The client's X-Request-ID when it is a sane token, else a new UUID (hex).

    Scans the raw header list (no Headers object: this runs for every request)."""
    for name, value in scope["headers"]:
        if name == _REQUEST_ID_RAW:
            given = value.decode("latin-1")
            if _REQUEST_ID_OK.match(given):
                return given
            break
    return uuid.uuid4().hex


class TimingMiddleware:
    def __init__(self, app: ASGIApp, recorder: Recorder) -> None:
        self.app = app
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        status = 500
        t_start = time.time()
        t0 = time.perf_counter()
        t_end: float | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status, t_end
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", ()) if h[0] != _REQUEST_ID_RAW]
                headers.append((_REQUEST_ID_RAW, request_id.encode("latin-1")))
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
        finally:
            ms = ((t_end if t_end is not None else time.perf_counter()) - t0) * 1000
            self.recorder.request(
                request_id, scope["method"], scope["path"], status, t_start, ms, dbtime.db_ms(scope)
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
