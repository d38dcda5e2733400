"""runner.probe.pyspy_stalls: py-spy's chrometrace events -> one row per stall window (pure)."""

from __future__ import annotations

from typing import Any

from runner.probe.pyspy_stalls import loop_thread, module_of, name_stalls, spans

MAIN, THREAD = 1, 2


def _ev(ph: str, name: str, filename: str, line: int, ts: int, tid: int = MAIN) -> dict[str, Any]:
    return {
        "ph": ph,
        "name": name,
        "tid": tid,
        "ts": ts,
        "args": {"filename": filename, "line": line},
    }


def _trace() -> list[dict[str, Any]]:
    """Main thread: run_forever, then 300 ms inside app.work:backtrack, then back; a worker
    thread sits in threading's _bootstrap the whole time."""
    return [
        _ev("B", "Thread._bootstrap", "/usr/lib/python3.11/threading.py", 995, 0, THREAD),
        _ev("B", "Runner.run", "/usr/lib/python3.11/asyncio/runners.py", 118, 0),
        _ev("B", "handler", "/srv/proj/app/routes.py", 40, 100_000),
        _ev("B", "backtrack", "/srv/proj/app/work.py", 90, 100_000),
        _ev("E", "backtrack", "/srv/proj/app/work.py", 90, 400_000),
        _ev("E", "handler", "/srv/proj/app/routes.py", 40, 400_000),
        _ev("E", "Runner.run", "/usr/lib/python3.11/asyncio/runners.py", 118, 600_000),
        _ev("E", "Thread._bootstrap", "/usr/lib/python3.11/threading.py", 995, 600_000, THREAD),
    ]


def test_module_names_match_the_watchdogs() -> None:
    roots = ("/srv/proj",)
    assert module_of("/srv/proj/app/work.py", roots) == "app.work"
    assert module_of("/usr/lib/python3.11/asyncio/runners.py") == "asyncio.runners"
    assert module_of("/v/lib/python3.11/site-packages/starlette/routing.py") == "starlette.routing"
    assert module_of("/v/site-packages/uvicorn/__init__.py") == "uvicorn"
    assert module_of("<frozen runpy>") == "runpy"


def test_spans_replay_the_stack_and_find_the_loop_thread() -> None:
    per = spans(_trace(), ("/srv/proj",))
    assert loop_thread(per) == MAIN
    inner = [s for s in per[MAIN] if s.stack[-1].startswith("app.work:backtrack")]
    assert [(s.start_us, s.end_us) for s in inner] == [(100_000, 400_000)]


def test_each_stall_window_is_named_by_the_stack_that_covered_it_most() -> None:
    anchor = 1000.0
    lag = [
        {"t": anchor + 0.41, "lag_ms": 300.0},  # stood still 0.11 .. 0.41 s: in backtrack
        {"t": anchor + 0.45, "lag_ms": 2.0},  # not a stall
        {"t": anchor + 0.55, "lag_ms": 40.0},  # 0.51 .. 0.55 s: in the loop's own code
    ]
    rows = name_stalls(
        _trace(), anchor=anchor, pid=7, lag_rows=lag, stall_ms=20, rate_hz=100, roots=("/srv/proj",)
    )
    assert len(rows) == 2
    first, second = rows
    assert first["leaf"] == "app.work:backtrack:90" and first["stack"][0].startswith("asyncio")
    assert first["samples"] == 30 and first["source"] == "py-spy" and first["late"] is False
    assert abs(first["t_start"] - (anchor + 0.11)) < 1e-9 and first["duration_ms"] == 300.0
    assert second["leaf"] == "asyncio.runners:Runner.run:118"
    empty = name_stalls([], anchor=anchor, pid=7, lag_rows=lag, stall_ms=20, rate_hz=100)
    assert [r["samples"] for r in empty] == [0, 0] and empty[0]["stack"] == []


def test_a_loop_starved_of_the_gil_is_named_by_the_thread_holding_it() -> None:
    """The loop thread only waits in the event loop (a pool thread holds the GIL in C code):
    the GIL-only trace names the holder's stack."""
    loop_only = [
        _ev("B", "Runner.run", "/usr/lib/python3.11/asyncio/runners.py", 118, 0),
        _ev("E", "Runner.run", "/usr/lib/python3.11/asyncio/runners.py", 118, 600_000),
    ]
    gil = [
        _ev("B", "Thread._bootstrap", "/usr/lib/python3.11/threading.py", 995, 100_000, THREAD),
        _ev("B", "backtrack", "/srv/proj/app/work.py", 90, 100_000, THREAD),
        _ev("E", "backtrack", "/srv/proj/app/work.py", 90, 400_000, THREAD),
        _ev("E", "Thread._bootstrap", "/usr/lib/python3.11/threading.py", 995, 400_000, THREAD),
    ]
    lag = [{"t": 1000.41, "lag_ms": 300.0}]
    common: dict[str, Any] = {"pid": 7, "lag_rows": lag, "stall_ms": 20, "rate_hz": 100}
    (alone,) = name_stalls(loop_only, anchor=1000.0, roots=("/srv/proj",), **common)
    assert alone["leaf"] == "asyncio.runners:Runner.run:118"
    (named,) = name_stalls(
        loop_only, anchor=1000.0, gil_events=gil, gil_anchor=1000.0, roots=("/srv/proj",), **common
    )
    assert named["leaf"] == "app.work:backtrack:90" and named["samples"] == 29  # 0.11 .. 0.40 s
    assert named["stack"][0] == "threading:Thread._bootstrap:995"
