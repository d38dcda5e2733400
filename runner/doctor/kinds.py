"""What kind of call stalled the loop, and its fix (pure): the doctor's diagnosis of stalls.

A stall's evidence comes from the watchdog (app/watchdog.py), over a window inside the stall:
the loop thread's CPU time and its time waiting for a core, how late the watchdog's first
capture came (`late_ms`), and how long its later captures waited for the GIL (`wait_ms`).

- `gil_held`, C code holding the GIL (json.dumps, a backtracking regex): the watchdog cannot
  run at all, so its first capture is late by most of the stall (or never comes), or at
  least by longer than it could watch afterwards.
- `wait` (sleep, blocking I/O, a lock): the loop thread is off-CPU: it neither runs nor
  waits for a core, however loaded the machine.
- `gil_held`, Python code: the watchdog gets the GIL only at the switch interval, so each
  capture waits about 5 ms for it (the watchdog's own wait for a core taken out).
- `gil_released` (hashlib, bcrypt): CPU-bound, yet the watchdog gets the GIL at once.

CPU contention lowers a CPU-bound call's CPU share (it waits for a core: 0.13-0.35 measured
with both cores busy) but not its running-or-runnable share, and never lifts a sleep's above
0; each threshold sits between the kinds' numbers measured idle and loaded
(benchmarks/kinds_evidence.py). A route's kind is the stalled-time-weighted majority of its
stalls' kinds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.contract import Fix, StallKind

# A wait is off-CPU: time.sleep kept the loop thread running or runnable (cpu_ms + core_wait_ms)
# 0.00 of the window, idle and loaded; the CPU-bound calls 0.86-1.00, also with both cores
# busy, where their CPU share alone fell to 0.08-0.28.
WAIT_BUSY_SHARE = 0.5
# Without schedstat, the CPU share alone: time.sleep 0.00, CPU-bound calls >= 0.08 loaded.
WAIT_CPU_SHARE = 0.05
# A C call holding the GIL keeps the watchdog out for the whole call: its first capture came
# 0.56-0.96 of the stall late (json.dumps, regex; idle and loaded; an 86 ms call can be late by
# at most (86 - stall_ms) / 86), against at most 0.14 for the other kinds. A shorter such
# stall still shows the watchdog locked out longer than it then watched (late_ms over
# cpu_window_ms); a CPU-bound call late by 24 ms under load was watched for 350 ms.
HELD_LATE_SHARE = 0.5
# Python code lets the watchdog in at the switch interval: its captures waited for the GIL a
# mean 4.8-9.4 ms (idle and loaded), GIL-released code and waits 0.2-0.4 ms. Half the
# interpreter's switch interval (5 ms) splits them.
HELD_WAIT_MS = 2.5

FIX: dict[StallKind, Fix] = {
    "gil_released": "threadpool",
    "gil_held": "processpool",
    "wait": "threadpool",
}
# Blocking I/O libraries (a stack frame's top-level package) and their async counterparts:
# a wait in one of them is fixed better by the async library than by a thread.
ASYNC_ALTERNATIVES: dict[str, str] = {
    "requests": "httpx.AsyncClient",
    "urllib3": "httpx.AsyncClient",
    "urllib": "httpx.AsyncClient",
    "http": "httpx.AsyncClient",
    "psycopg2": "psycopg's AsyncConnection or asyncpg",
    "pymysql": "aiomysql",
    "redis": "redis.asyncio",
    "pymongo": "motor",
    "smtplib": "aiosmtplib",
}
SUGGESTION: dict[Fix, str] = {
    "threadpool": "await asyncio.to_thread({f}, *args)",
    "processpool": (
        "await asyncio.get_running_loop().run_in_executor(process_pool, {f}, *args)"
        "  # process_pool = concurrent.futures.ProcessPoolExecutor(), made once"
    ),
    "async": "await {f}(*args)  # with {alternative}",
}


@dataclass(frozen=True)
class Evidence:
    """One stall's numbers that tell the kinds apart (NULLs where its source had none)."""

    duration_ms: float
    samples: int = 0
    late: bool = False
    late_ms: float | None = None
    wait_ms: float | None = None
    cpu_ms: float | None = None
    core_wait_ms: float | None = None
    cpu_window_ms: float | None = None
    source: str = "watchdog"

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Evidence:
        """From a stalls row (or a watchdog record)."""
        return cls(
            duration_ms=float(row.get("duration_ms") or 0.0),
            samples=int(row.get("samples") or 0),
            late=bool(row.get("late")),
            late_ms=row.get("late_ms"),
            wait_ms=row.get("wait_ms"),
            cpu_ms=row.get("cpu_ms"),
            core_wait_ms=row.get("core_wait_ms"),
            cpu_window_ms=row.get("cpu_window_ms"),
            source=str(row.get("source") or "watchdog"),
        )

    @property
    def cpu_share(self) -> float | None:
        if self.cpu_ms is None or not self.cpu_window_ms:
            return None
        return min(1.0, max(0.0, self.cpu_ms / self.cpu_window_ms))

    @property
    def busy_share(self) -> float | None:
        """Share of the window the loop thread ran or waited for a core (not off-CPU)."""
        if self.cpu_ms is None or self.core_wait_ms is None or not self.cpu_window_ms:
            return None
        return min(1.0, max(0.0, (self.cpu_ms + self.core_wait_ms) / self.cpu_window_ms))


def _kind_of(e: Evidence) -> StallKind | None:
    """One stall's kind, or None when its evidence decides nothing (e.g. a py-spy row)."""
    if e.duration_ms <= 0:
        return None
    if e.late_ms is not None and e.late_ms >= HELD_LATE_SHARE * e.duration_ms:
        return "gil_held"
    if e.late and e.source == "watchdog" and (e.late_ms or 0.0) >= (e.cpu_window_ms or 0.0):
        return "gil_held"  # the watchdog was locked out longer than it could then watch
    busy, share = e.busy_share, e.cpu_share
    if (busy is not None and busy < WAIT_BUSY_SHARE) or (
        busy is None and share is not None and share < WAIT_CPU_SHARE
    ):
        return "wait"
    if e.wait_ms is not None and e.wait_ms >= HELD_WAIT_MS:
        return "gil_held"
    if share is not None and e.wait_ms is not None:
        return "gil_released"
    return None


def classify(evidence: Evidence | Iterable[Evidence]) -> StallKind | None:
    """The kind of one stall, or of a route's stalls: the kind holding most stalled time."""
    stalls = [evidence] if isinstance(evidence, Evidence) else list(evidence)
    weight: dict[StallKind, float] = defaultdict(float)
    for e in stalls:
        kind = _kind_of(e)
        if kind is not None:
            weight[kind] += e.duration_ms
    if not weight:
        return None
    return max(sorted(weight), key=lambda k: weight[k])


def async_alternative(stack: Sequence[str]) -> str | None:
    """The async library to use instead of the blocking I/O library the stack waits in."""
    for frame in reversed(stack):
        top = frame.split(":", 1)[0].split(".", 1)[0]
        if top in ASYNC_ALTERNATIVES:
            return ASYNC_ALTERNATIVES[top]
    return None


def fix_for(kind: StallKind | None, stack: Sequence[str] = ()) -> Fix | None:
    """The fix for a kind: a wait inside a known blocking I/O library is 'async'."""
    if kind is None:
        return None
    if kind == "wait" and async_alternative(stack) is not None:
        return "async"
    return FIX[kind]


def suggestion(fix: Fix | None, call: str | None = None, stack: Sequence[str] = ()) -> str:
    """A paste-able line for the fix, around `call` ('module:function:line') when known."""
    if fix is None:
        return ""
    f = call.split(":")[1].rpartition(".")[2] if call and call.count(":") >= 2 else "f"
    alternative = async_alternative(stack) or "an async library"
    return SUGGESTION[fix].format(f=f, alternative=alternative)


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def explain(kind: StallKind | None, stalls: Iterable[Evidence]) -> str:
    """The evidence behind a kind, in one sentence with the stalls' own numbers."""
    mine = [e for e in stalls if _kind_of(e) == kind]
    total = sum(e.duration_ms for e in mine)
    if kind is None or not mine or total <= 0:
        return "no stall of this route had evidence enough to tell its kind"
    cpu = sum(e.cpu_ms or 0.0 for e in mine if e.cpu_share is not None)
    window = sum(e.cpu_window_ms or 0.0 for e in mine if e.cpu_share is not None)
    waits = sorted(e.wait_ms for e in mine if e.wait_ms is not None)
    late = sum(e.late_ms or 0.0 for e in mine) / total
    if kind == "wait":
        return (
            f"the loop thread burned {_pct(cpu / window if window else 0.0)} CPU during the "
            "stalls: it waited (a sleep, blocking I/O or a lock)"
        )
    if kind == "gil_released":
        return (
            f"the loop thread burned {_pct(cpu / window if window else 1.0)} CPU during the "
            "stalls and the watchdog still ran: C code that releases the GIL"
        )
    if waits and (late < HELD_LATE_SHARE):
        return (
            f"the loop thread burned {_pct(cpu / window if window else 1.0)} CPU and the "
            f"watchdog waited {waits[len(waits) // 2]:.1f} ms for the GIL at every look "
            "(the interpreter's switch interval): Python code holding the GIL"
        )
    return (
        f"the watchdog could not run for {_pct(min(1.0, late))} of the stalled time: "
        "C code that holds the GIL"
    )
