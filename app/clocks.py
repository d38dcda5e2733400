"""A thread's own clocks, read from another thread: its CPU time (a POSIX thread CPU clock)
and the time it spent runnable but waiting for a core (Linux's schedstat). None where the
platform cannot tell."""

from __future__ import annotations

import threading
import time
from pathlib import Path


def thread_cpu_clock(thread_id: int) -> int | None:
    """The CPU-time clock of the thread `thread_id` (a `threading.get_ident()`), readable from
    any thread of the process; None where the platform has none."""
    try:
        clock = time.pthread_getcpuclockid(thread_id)
        time.clock_gettime_ns(clock)
    except (AttributeError, OSError):
        return None
    return clock


def sched_file(thread_id: int) -> Path | None:
    """Linux's scheduler statistics of the thread `thread_id` (a `threading.get_ident()`):
    its second number is the time it spent runnable but waiting for a core (ns)."""
    native = next((t.native_id for t in threading.enumerate() if t.ident == thread_id), None)
    if thread_id == threading.get_ident():
        native = threading.get_native_id()
    path = Path(f"/proc/self/task/{native}/schedstat")
    return path if native is not None and path.is_file() else None


def core_wait_ns(path: Path | None) -> int | None:
    """The waited-for-a-core time from a schedstat file, None when unreadable."""
    if path is None:
        return None
    try:
        return int(path.read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None


def waited_s(before_ns: int | None, after_ns: int | None) -> float:
    """Seconds between two readings of a ns counter (0 when either is unknown)."""
    return 0.0 if before_ns is None or after_ns is None else max(0, after_ns - before_ns) / 1e9
