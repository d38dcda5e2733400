"""app.watchdog: a stall of the loop is named by the line that held it."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.instrumentation import Recorder, lag_probe
from app.watchdog import Watchdog, own_wait_ms, stack_of, stall_record


def test_stall_record_keeps_the_most_sampled_stack() -> None:
    a, b = ("m:outer:1", "m:inner:2"), ("m:outer:1", "m:other:3")
    row = stall_record(pid=7, t_start=1.5, duration_ms=30.0, stacks=[a, b, a], late=False)
    assert row["stack"] == list(a) and row["leaf"] == "m:inner:2" and row["samples"] == 3
    assert row["source"] == "watchdog" and row["late"] is False
    empty = stall_record(pid=7, t_start=1.5, duration_ms=30.0, stacks=[], late=True)
    assert empty["stack"] == [] and empty["leaf"] is None and empty["samples"] == 0


def _where_am_i() -> tuple[str, ...]:
    return stack_of(sys._getframe())


def test_stack_is_outermost_first_with_module_function_line() -> None:
    stack = _where_am_i()
    assert stack[-1].startswith(f"{__name__}:_where_am_i:")
    assert stack[-2].startswith(f"{__name__}:test_stack_is_outermost_first")
    assert all(part.count(":") >= 2 for part in stack)


def _blocking_call(seconds: float) -> None:
    time.sleep(seconds)  # the line the watchdog must name


def _gil_holding_call(n: int) -> int:
    return sum(range(n))  # one C call: no bytecode runs, the GIL is never offered


LONG_MS = 150  # the stalls the tests below look for (their calls take about 300 ms)


async def _until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Yield to the loop until predicate() holds; past the deadline, return (the test's
    assertions then say what is missing)."""
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


def _run_loop(tmp_path: Path, block: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    recorder = Recorder()
    recorder.open(tmp_path, capacity=1000)

    async def scenario() -> None:
        watchdog = Watchdog(rows.append, stall_ms=20, sample_ms=5).start()
        beats: list[float] = []

        def beat(now: float, due: float, lag_s: float = 0.0) -> None:
            beats.append(now)
            watchdog.beat(now, due, lag_s)

        probe = asyncio.create_task(lag_probe(recorder, 0.01, beat))
        await _until(lambda: len(beats) >= 2)  # the watchdog has a beat to find stale
        block()
        await _until(lambda: any(r["duration_ms"] >= LONG_MS for r in rows))
        probe.cancel()
        watchdog.stop()

    asyncio.run(scenario())
    recorder.close()
    return rows


def test_a_blocked_loop_gives_one_row_naming_the_sleeping_line(tmp_path: Path) -> None:
    rows = _run_loop(tmp_path, lambda: _blocking_call(0.3))
    long = [r for r in rows if r["duration_ms"] >= LONG_MS]
    assert len(long) == 1, rows
    row = long[0]
    assert row["leaf"].startswith(f"{__name__}:_blocking_call:")
    assert any(":_run_loop.<locals>.scenario:" in frame for frame in row["stack"])
    assert 150 <= row["duration_ms"] < 3000 and row["samples"] >= 5
    assert row["late"] is False
    lag = max(json.loads(line)["lag_ms"] for line in next(tmp_path.glob("lag-*")).open())
    assert abs(lag - row["duration_ms"]) < 5  # the same number as the probe's lag record


def test_a_gil_holding_call_is_marked_late(tmp_path: Path) -> None:
    n = 5_000_000
    t0 = time.perf_counter()
    _gil_holding_call(n)
    per_call = time.perf_counter() - t0
    n = int(n * 0.3 / max(per_call, 1e-3))  # about 300 ms on this machine
    rows = _run_loop(tmp_path, lambda: _gil_holding_call(n))
    long = [r for r in rows if r["duration_ms"] >= LONG_MS]
    assert len(long) == 1, rows
    assert long[0]["late"] is True


def _lifespan_and_one_request(app: Any) -> list[dict[str, Any]]:
    """Drive the ASGI lifespan protocol around one GET / (as a server would)."""
    sent: list[dict[str, Any]] = []

    async def scenario() -> None:
        inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        for message in ({"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}):
            inbox.put_nowait(message)

        async def receive() -> dict[str, Any]:
            message = await inbox.get()
            if message["type"] == "lifespan.shutdown":  # serve a request before shutting down
                await app(_http_scope(), _empty_body, _collect(sent))
            return message

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)

    asyncio.run(scenario())
    return sent


def _http_scope() -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}


async def _empty_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def _collect(sent: list[dict[str, Any]]) -> Any:
    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    return send


def test_instrument_wraps_a_starlette_app_with_and_without_lifespan(tmp_path: Path) -> None:
    """instrument() records requests and starts the probe inside the app's own lifespan;
    an app that has no lifespan of its own still gets them."""
    import contextlib

    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from app.instrumentation import instrument

    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> Any:
        events.append("app startup")
        yield
        events.append("app shutdown")

    async def home(_request: Any) -> PlainTextResponse:
        return PlainTextResponse("hi")

    async def no_lifespan(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            raise RuntimeError("no lifespan here")
        await Starlette(routes=[Route("/", home)])(scope, receive, send)

    for name, inner in (
        ("starlette", Starlette(routes=[Route("/", home)], lifespan=lifespan)),
        ("bare", no_lifespan),
    ):
        log_dir = tmp_path / name
        sent = _lifespan_and_one_request(instrument(inner, log_dir=log_dir))
        types = [m["type"] for m in sent]
        assert "lifespan.startup.complete" in types and "lifespan.shutdown.complete" in types
        assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [200]
        rows = [json.loads(line) for line in next(log_dir.glob("requests-*")).open()]
        assert [(r["path"], r["status"]) for r in rows] == [("/", 200)]
        assert next(log_dir.glob("lag-*")).exists() and next(log_dir.glob("stalls-*")).exists()
    assert events == ["app startup", "app shutdown"]


def test_the_watchdog_can_be_switched_off(tmp_path: Path, monkeypatch: Any) -> None:
    """SYNCBLOCK_WATCHDOG=false: requests and lag are still recorded, no stall file."""
    from starlette.applications import Starlette

    from app.instrumentation import instrument

    monkeypatch.setenv("SYNCBLOCK_WATCHDOG", "false")
    _lifespan_and_one_request(instrument(Starlette(), log_dir=tmp_path))
    assert next(tmp_path.glob("lag-*")).exists() and next(tmp_path.glob("requests-*")).exists()
    assert list(tmp_path.glob("stalls-*")) == []


def test_a_stall_s_gil_wait_is_its_own_stack_s() -> None:
    """A stall that ran a Python loop (5 ms waits) briefly, then a C call that lets the GIL go
    (0.3 ms) for most of its captures: its wait is the C call's, the stack it is named for."""
    loop, call = ("app:spin:50",), ("app:pbkdf2:38",)
    stacks = [loop] * 3 + [call] * 10
    waits = [0.005] * 3 + [0.0003] * 10
    assert own_wait_ms(stacks, waits) == pytest.approx(0.3)
    assert own_wait_ms(stacks, []) is None
    assert own_wait_ms([loop, loop], [0.005]) == pytest.approx(5.0)  # the last capture: no wait
