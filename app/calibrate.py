"""Calibration: the cost at which one call of a work kind takes about S ms.

At start-up every server process needs (kind, cost). The runner calibrates once per sweep
(runner/serve/workcal.py, right after it measures S, on a quiet machine) and passes the cost as
SYNCBLOCK_WORK_COST, so every cell of a kind runs the same call. Without it (the app run by
hand) the app calibrates itself: the first process of a server measures; the others (uvicorn
--workers) wait on a file lock and reuse its answer, so N workers do not calibrate at once on
shared cores. Each process writes `work-<pid>.json` (contract.work_file) into its log dir.

Search: cost -> time is monotonic and close to a power law (linear for argon2id, pbkdf2 and
sleep, cubic for gil_c's backtracking), so each step rescales the cost by (target / t)^(1/e),
with e estimated from the last two points (log-log secant), until a median of samples lands
within `tolerance` of the target.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from app.contract import Work, work_file
from app.work import MIN_COST, hash_as

SHARED_FILE = "calibration.json"
LOCK_FILE = "calibration.lock"
# The cost each search starts from (cheap: a few ms), and its power-law exponent guess.
START: dict[Work, tuple[int, float]] = {
    "argon2id": (2, 1.0),
    "pbkdf2_python": (2000, 1.0),
    "gil_c": (200, 3.0),
    "sleep": (1000, 1.0),
}
PROBE_PASSWORD = "calibration-probe-0123"
# A step whose one call lands within TOLERANCE of the target is confirmed by a median of a few
# calls, accepted within ACCEPTED: the error a calibration promises.
TOLERANCE = 0.05
ACCEPTED = 2 * TOLERANCE


@dataclass(frozen=True)
class Calibration:
    """A kind at its calibrated cost: `ms` is the median time of one call there."""

    kind: Work
    cost: int
    target_ms: float | None  # None: bcrypt at its own rounds, no target
    ms: float
    samples: int
    seconds: float  # time the calibration took
    pid: int
    reused: bool = False  # True: taken from the first process of this server

    @property
    def error(self) -> float:
        """ms / target - 1 (0 when there is no target)."""
        return 0.0 if not self.target_ms else self.ms / self.target_ms - 1.0


def time_call_ms(kind: Work, cost: int, samples: int = 1) -> float:
    """Median wall time in ms of `samples` calls of `kind` at `cost`."""
    times = []
    for _ in range(max(1, samples)):
        t0 = time.perf_counter()
        hash_as(kind, PROBE_PASSWORD, cost)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def next_cost(cost: int, t_ms: float, target_ms: float, exponent: float, floor: int) -> int:
    """The cost a power law t ~ cost^exponent through (cost, t) gives for target (pure).
    Never more than 64x up or 16x down in one step; never under the kind's floor."""
    ratio: float = max(1 / 16, min(64.0, (target_ms / max(t_ms, 1e-3)) ** (1 / exponent)))
    return max(floor, round(cost * ratio))


def secant_exponent(c1: int, t1: float, c2: int, t2: float, guess: float) -> float:
    """Local exponent of t(cost) from two points, within [0.5, 4]; `guess` when the points are
    too close in cost (< 1.5x apart: timing noise would swamp the slope) or too fast (pure)."""
    if max(c1, c2) < 1.5 * min(c1, c2) or min(t1, t2) < 1.0:
        return guess
    e = math.log(t2 / t1) / math.log(c2 / c1)
    return guess if not math.isfinite(e) else max(0.5, min(4.0, e))


def search(
    kind: Work,
    target_ms: float,
    *,
    timer: Callable[[Work, int, int], float] = time_call_ms,
    tolerance: float = TOLERANCE,
    samples: int = 3,
    max_steps: int = 10,
) -> tuple[int, float]:
    """(cost, median ms) of `kind` nearest `target_ms`; `timer(kind, cost, samples)` measures.

    Steps time one call each; a step within `tolerance` is confirmed by a median of `samples`
    calls (accepted within twice the tolerance: the median is what is reported)."""
    cost, exponent = START[kind]
    floor = MIN_COST[kind]
    prev: tuple[int, float] | None = None
    best: tuple[float, int] | None = None  # (|error| of one call, cost)
    for _ in range(max_steps):
        t = timer(kind, cost, 1)
        if abs(t / target_ms - 1) <= tolerance:
            median = timer(kind, cost, samples)
            if abs(median / target_ms - 1) <= 2 * tolerance:
                return cost, median
            t = median
        gap = abs(t / target_ms - 1)
        best = min(best or (gap, cost), (gap, cost))
        if prev is not None:
            exponent = secant_exponent(prev[0], prev[1], cost, t, exponent)
        new = next_cost(cost, t, target_ms, exponent, floor)
        if new == cost:  # at the floor, or no integer step left
            break
        prev, cost = (cost, t), new
    assert best is not None
    return best[1], timer(kind, best[1], samples)


def calibrate(
    kind: Work, target_ms: float | None, bcrypt_rounds: int, *, samples: int = 3
) -> Calibration:
    """Measure in this process: bcrypt keeps its rounds (a power of two cannot be tuned to a
    target, so `target_ms` is ignored for it); the others search their cost."""
    t0 = time.perf_counter()
    if kind == "bcrypt":
        target_ms = None
        cost, ms = bcrypt_rounds, time_call_ms("bcrypt", bcrypt_rounds, samples)
    else:
        target = target_ms if target_ms else time_call_ms("bcrypt", bcrypt_rounds, samples)
        target_ms = target
        cost, ms = search(kind, target, samples=samples)
    return Calibration(
        kind=kind,
        cost=cost,
        target_ms=target_ms,
        ms=ms,
        samples=samples,
        seconds=time.perf_counter() - t0,
        pid=os.getpid(),
    )


def calibrate_shared(
    kind: Work,
    target_ms: float | None,
    bcrypt_rounds: int,
    log_dir: Path,
    cost: int | None = None,
) -> Calibration:
    """The calibration of this server: `cost` when given, and bcrypt's rounds (no measurement:
    ms is the target, 0 for bcrypt),
    else measured by its first process and reused by the others (a file lock in `log_dir`
    orders them); `work-<pid>.json` written for each process."""
    log_dir.mkdir(parents=True, exist_ok=True)
    if kind == "bcrypt":  # nothing to search: its rounds are its cost (S is the runner's)
        cost = bcrypt_rounds
    if cost is not None:
        cal = Calibration(kind, cost, target_ms, target_ms or 0.0, 0, 0.0, os.getpid(), True)
        work_file(log_dir, os.getpid()).write_text(
            json.dumps(asdict(cal) | {"given": True, "bcrypt_rounds": bcrypt_rounds})
        )
        return cal
    wanted = {"kind": kind, "target_ms": target_ms, "bcrypt_rounds": bcrypt_rounds}
    with open(log_dir / LOCK_FILE, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        shared = log_dir / SHARED_FILE
        found = json.loads(shared.read_text()) if shared.exists() else None
        if found and found.get("wanted") == wanted:
            cal = Calibration(**(found["calibration"] | {"pid": os.getpid(), "reused": True}))
        else:
            cal = calibrate(kind, target_ms, bcrypt_rounds)
            shared.write_text(json.dumps({"wanted": wanted, "calibration": asdict(cal)}))
    work_file(log_dir, os.getpid()).write_text(
        json.dumps(asdict(cal) | {"error": cal.error, "bcrypt_rounds": bcrypt_rounds})
    )
    return cal
