"""Instrumentation for any ASGI app: what `app.instrumentation.instrument()` returns.

- `Instruments`: the per-worker pieces started and stopped together, on the event loop:
  the recorder's files, the lag probe, and the stall watchdog (heartbeat: the probe) with
  its own buffered `stalls-<pid>.jsonl`. Used by our own app's lifespan and by the wrapper.
- `InstrumentedApp`: wraps an ASGI app in the timing middleware and runs `Instruments`
  inside the app's lifespan (startup before the app's, shutdown after it). An app without
  lifespan support still gets them: the wrapper then answers the lifespan protocol itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import interpreter
from app.contract import stalls_file
from app.instrumentation import Recorder, TimingMiddleware, lag_probe
from app.jsonl import JsonlBuffer
from app.settings import Settings
from app.watchdog import Watchdog


class Instruments:
    """Recorder files + lag probe + watchdog of this worker (enter and exit on the loop)."""

    def __init__(self, recorder: Recorder, settings: Settings) -> None:
        self.recorder = recorder
        self.settings = settings
        self._probe: asyncio.Task[None] | None = None
        self._watchdog: Watchdog | None = None
        self._stalls: JsonlBuffer[dict[str, Any]] | None = None

    async def __aenter__(self) -> Instruments:
        s = self.settings
        self.recorder.open(s.log_dir, s.log_buffer_lines)
        interpreter.write(s.log_dir)  # the app has imported: its extensions had their say
        beat = None
        if s.watchdog:
            self._stalls = JsonlBuffer(
                stalls_file(s.log_dir, self.recorder.pid), s.log_buffer_lines
            )
            self._watchdog = Watchdog(
                self._stalls.add,
                stall_ms=s.stall_ms,
                sample_ms=s.stall_sample_ms,
                loop_thread_id=threading.get_ident(),  # we run on the loop's thread
            ).start()
            beat = self._watchdog.beat
        self._probe = asyncio.create_task(lag_probe(self.recorder, s.lag_interval_ms / 1000, beat))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
            self._probe = None
        if self._watchdog is not None:
            self._watchdog.stop()  # before its buffer closes: it is the only writer
            self._watchdog = None
        if self._stalls is not None:
            self._stalls.close()
            self._stalls = None
        self.recorder.close()


class InstrumentedApp:
    """`asgi_app` with per-request timing, loop lag and stalls recorded to `log_dir`."""

    def __init__(
        self,
        asgi_app: ASGIApp,
        *,
        log_dir: Path | str | None = None,
        stall_ms: float | None = None,
    ) -> None:
        overrides: dict[str, object] = {}
        if log_dir is not None:
            overrides["log_dir"] = Path(log_dir)
        if stall_ms is not None:
            overrides["stall_ms"] = stall_ms
        self.settings = Settings(**overrides)  # type: ignore[arg-type]
        self.app = asgi_app
        self.recorder = Recorder()
        self.timed = TimingMiddleware(asgi_app, self.recorder)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.timed(scope, receive, send)
            return
        async with contextlib.AsyncExitStack() as stack:
            started = False

            async def receive_first_ours() -> Message:
                nonlocal started
                message = await receive()
                if message["type"] == "lifespan.startup" and not started:
                    started = True
                    await stack.enter_async_context(Instruments(self.recorder, self.settings))
                return message

            async def send_after_ours(message: Message) -> None:
                if message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
                    await stack.aclose()  # flush our files before the server may exit
                await send(message)

            try:
                await self.app(scope, receive_first_ours, send_after_ours)
            except Exception:
                if started:
                    raise
                await self._own_lifespan(receive, send)  # the app has no lifespan of its own

    async def _own_lifespan(self, receive: Receive, send: Send) -> None:
        async with contextlib.AsyncExitStack() as stack:
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await stack.enter_async_context(Instruments(self.recorder, self.settings))
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await stack.aclose()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
