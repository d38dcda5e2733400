"""app.watchdog, in a real loop: a stall's CPU evidence tells a CPU-bound call from a sleep."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from typing import Any

import pytest

from app.instrumentation import Recorder, lag_probe
from app.watchdog import Watchdog

pytestmark = pytest.mark.skipif(
    not hasattr(time, "pthread_getcpuclockid"), reason="no thread CPU clock on this platform"
)


def _stall_of(block: Callable[[], object], min_ms: float = 150.0) -> dict[str, Any]:
    """Run `block` once on a watched loop; the stall row of at least min_ms, polled for until
    the watchdog has written it (5 s deadline)."""
    rows: list[dict[str, Any]] = []

    async def scenario() -> None:
        watchdog = Watchdog(rows.append, stall_ms=20, sample_ms=5).start()
        probe = asyncio.create_task(lag_probe(Recorder(), 0.01, watchdog.beat))
        await asyncio.sleep(0.05)
        block()
        deadline = time.monotonic() + 5
        while not any(r["duration_ms"] >= min_ms for r in rows) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        probe.cancel()
        watchdog.stop()

    asyncio.run(scenario())
    long = [r for r in rows if r["duration_ms"] >= min_ms]
    assert len(long) == 1, rows
    return long[0]


def _cpu_bound_for(seconds: float) -> None:
    """hashlib.pbkdf2_hmac (releases the GIL: the watchdog captures on time) for `seconds`."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", 2_000)


def test_a_cpu_bound_stall_burns_cpu_over_its_window() -> None:
    """cpu_ms (plus the time it waited for a core, on a loaded machine) covers at least half
    the window, and the window most of the stall."""
    row = _stall_of(lambda: _cpu_bound_for(0.3))
    window, cpu = row["cpu_window_ms"], row["cpu_ms"]
    assert window is not None and cpu is not None and cpu > 0, row
    assert 0.5 * row["duration_ms"] <= window < row["duration_ms"], row
    assert cpu + (row["core_wait_ms"] or 0.0) >= 0.5 * window, row
    assert row["late_ms"] is not None and row["late_ms"] < 0.5 * row["duration_ms"], row


def test_a_sleep_on_the_loop_burns_almost_no_cpu() -> None:
    """time.sleep: cpu_ms at most 20 % of the window, the watchdog on time."""
    row = _stall_of(lambda: time.sleep(0.3))
    window = row["cpu_window_ms"]
    assert window is not None and window >= 0.5 * row["duration_ms"], row
    assert row["cpu_ms"] <= 0.2 * window, row
    assert row["wait_ms"] is not None and row["late"] is False, row
