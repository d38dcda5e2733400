"""Pure: how many calls can run at once for each (work kind, hashing strategy) pair.

c is the number of parallel executors of the synchronous call; the pair's ceiling is
min(users, c) / S registrations per second (closed loop, no think time). Where the work can
run in parallel decides c:

| kind (GIL, CPU)              | blocking      | sync_def, threadpool | processpool       |
|------------------------------|---------------|----------------------|-------------------|
| bcrypt, argon2id (free, CPU) | min(W, cores) | min(T x W, cores)    | min(P x W, cores) |
| pbkdf2_python (held, Python) | min(W, cores) | min(W, cores)        | min(P x W, cores) |
| gil_c (held in one C call)   | min(W, cores) | min(W, cores)        | min(P x W, cores) |
| sleep (free, no CPU)         | W             | T x W                | P x W             |

On a free-threaded interpreter with the GIL off (PEP 703), a call that holds the GIL on a
standard build holds nothing: pbkdf2_python and gil_c in threads run like bcrypt there,
min(T x W, cores) at once, and the loop stays free.

W workers (uvicorn processes; `workers used` when the load reached fewer), T the thread limit
(anyio's default limiter, 40 per worker), P the process pool size per worker (default: cores).
The loop: `blocked` whenever the call runs on it (blocking); `starved` when a thread holds the
GIL in C for the whole call (gil_c in threads: health waits about S); `slowed` when a Python
thread holds it between switch intervals (pbkdf2_python in threads: each loop step waits up
to 5 ms for the GIL); `free` otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from app.contract import HASHINGS, WORKS, Row

GIL_RELEASING_CPU = frozenset({"bcrypt", "argon2id"})
GIL_HOLDING_PYTHON = frozenset({"pbkdf2_python"})
GIL_HOLDING_C = frozenset({"gil_c"})
NO_CPU = frozenset({"sleep"})
# A work kind that runs as each kind of call the doctor finds (runner/doctor/kinds.py) does:
# the same executors and the same fate of the loop under each strategy.
CALL_KINDS = {"gil_released": "bcrypt", "gil_held": "pbkdf2_python", "wait": "sleep"}
DEFAULT_THREAD_LIMIT = 40  # anyio's default limiter (Starlette's run_in_threadpool, sync def)

Loop = Literal["blocked", "starved", "slowed", "free"]


def work_of(row: Row) -> str:
    """A cell's work kind; cells without one ran bcrypt (stores from before the kinds)."""
    return row.get("work") or "bcrypt"


def interpreter_of(row: Row) -> str | None:
    """The server's interpreter as a label: '3.11.7', '3.13.5t' (free-threaded, GIL off),
    '3.13.5t GIL on' (free-threaded, its GIL back on); None for cells from before it was kept."""
    version = row.get("python_version")
    if not version:
        return None
    if not row.get("free_threaded"):
        return str(version)
    return f"{version}t" + (" GIL on" if row.get("gil_enabled") else "")


def first_interpreter(rows: Sequence[Row]) -> str | None:
    """Of the rows' interpreters, the one a single answer is given on: those with a GIL
    before free-threaded ones, then by label (None when there are none or one)."""
    found = {r.get("interpreter"): gil_free(r) for r in rows}
    return min(found, key=lambda k: (found[k], k or "")) if found else None


def gil_free(row: Row) -> bool:
    """Did the cell's server run without a GIL (a free-threaded build with it off)?"""
    return bool(row.get("free_threaded")) and row.get("gil_enabled") is False


@dataclass(frozen=True)
class Pair:
    """The model of one (kind, strategy) pair on one machine and server shape."""

    executors: int  # c: calls that can run at once
    loop: Loop  # what the event loop suffers while calls run
    rule: str  # the table's formula, for the report and README


def pair(
    kind: str,
    strategy: str,
    *,
    workers: int,
    cores: int,
    pool_size: int | None = None,
    thread_limit: int | None = None,
    free_threaded: bool = False,
) -> Pair:
    """c and the loop's fate for `kind` under `strategy` (see the module's table);
    `free_threaded`: the server ran with the GIL off, so no call holds it."""
    if kind not in WORKS:
        raise ValueError(f"unknown work kind {kind!r}")
    if strategy not in HASHINGS:
        raise ValueError(f"unknown hashing strategy {strategy!r}")
    if workers < 1 or cores < 1:
        raise ValueError("workers and cores must be >= 1")
    w = workers
    cpu = kind not in NO_CPU
    threads = (thread_limit or DEFAULT_THREAD_LIMIT) * w
    procs = (pool_size or cores) * w
    if strategy == "blocking":
        if cpu:
            return Pair(min(w, cores), "blocked", "min(W, cores)")
        return Pair(w, "blocked", "W")
    if strategy == "processpool":
        if cpu:
            return Pair(min(procs, cores), "free", "min(P x W, cores)")
        return Pair(procs, "free", "P x W")
    # a thread per call: sync_def or threadpool
    if kind in GIL_RELEASING_CPU or (free_threaded and cpu):
        return Pair(min(threads, cores), "free", "min(T x W, cores)")
    if kind in GIL_HOLDING_PYTHON:
        return Pair(min(w, cores), "slowed", "min(W, cores)")
    if kind in GIL_HOLDING_C:
        return Pair(min(w, cores), "starved", "min(W, cores)")
    return Pair(threads, "free", "T x W")


def ceiling_rps(executors: int, service_ms: float) -> float:
    """c / S: the calls per second of c executors that never idle (c = cores: the machine's
    limit, every core busy all the time)."""
    if executors < 1 or service_ms <= 0:
        raise ValueError("executors must be >= 1 and service_ms > 0")
    return executors / (service_ms / 1000.0)


def closed_loop_ceiling_rps(users: int, executors: int, service_ms: float) -> float:
    """min(users, c) / S: a closed loop of users without think time keeps at most that many
    executors busy."""
    return ceiling_rps(min(users, executors), service_ms)
