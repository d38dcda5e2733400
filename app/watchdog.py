"""A watchdog thread that names the code holding a worker's event loop.

The lag probe's wake-ups are the heartbeat: before each sleep the probe calls
`Watchdog.beat(now, due)` (perf_counter seconds; `due` is when it should wake next). The
watchdog thread sleeps until `due + stall_ms`; if no beat came by then, the loop stood still,
and the thread samples the loop thread's stack (`sys._current_frames()`) every `sample_ms`
until the next beat. Each stall becomes one record:

    pid, t_start (epoch s, when the probe was due), duration_ms (how late it woke: the same
    number as the lag record), samples, stack (the most-sampled stack, frames
    'module:function:line', outermost first), leaf (its innermost frame), late, source

`late` means the first capture came more than 2 samples after the stall was due: the watchdog
itself could not run, the sign of a call that holds the GIL. Such a stall may have no sample
at all (samples 0, empty stack): the out-of-process sampler (py-spy) sees through it.

Only code locations are read (module name, function name, line number): never a local
variable or an argument, so a stack can never hold a password.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from types import FrameType
from typing import Any

Record = dict[str, Any]
Beat = tuple[float, float, float]  # (beat time, next due, lag of this wake) in seconds
SOURCE = "watchdog"
LATE_AFTER_SAMPLES = 2
MAX_FRAMES = 64


def frame_label(frame: FrameType) -> str:
    """'module:function:line' of one frame (code location only)."""
    code = frame.f_code
    module = frame.f_globals.get("__name__") or code.co_filename
    return f"{module}:{code.co_qualname}:{frame.f_lineno}"


def stack_of(frame: FrameType | None, limit: int = MAX_FRAMES) -> tuple[str, ...]:
    """The frames from `frame` outwards, returned outermost first (innermost `limit` kept)."""
    labels: list[str] = []
    while frame is not None and len(labels) < limit:
        labels.append(frame_label(frame))
        frame = frame.f_back
    return tuple(reversed(labels))


def stall_record(
    *,
    pid: int,
    t_start: float,
    duration_ms: float,
    stacks: list[tuple[str, ...]],
    late: bool,
    source: str = SOURCE,
) -> Record:
    """One stall row from its samples (pure): the most-sampled stack names it."""
    top: tuple[str, ...] = ()
    if stacks:
        top = Counter(stacks).most_common(1)[0][0]
    return {
        "pid": pid,
        "t_start": t_start,
        "duration_ms": duration_ms,
        "samples": len(stacks),
        "stack": list(top),
        "leaf": top[-1] if top else None,
        "late": late,
        "source": source,
    }


class Watchdog:
    """Samples the loop thread's stack while the loop stands still; `emit` gets one record per
    stall (called from the watchdog thread, so give it a buffer only this thread adds to)."""

    def __init__(
        self,
        emit: Callable[[Record], None],
        *,
        stall_ms: float = 20.0,
        sample_ms: float = 5.0,
        loop_thread_id: int | None = None,
    ) -> None:
        self.emit = emit
        self.stall_s = stall_ms / 1000
        self.sample_s = sample_ms / 1000
        self.loop_thread_id = loop_thread_id or threading.get_ident()
        self.pid = os.getpid()
        self._beat: Beat | None = None  # (beat time, due) in perf_counter s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self, now: float, due: float, lag_s: float = 0.0) -> None:
        """Loop thread: it runs at `now`, woke `lag_s` late, and expects to run again at `due`
        (perf_counter seconds)."""
        self._beat = (now, due, lag_s)  # one attribute store: atomic under the GIL

    def start(self) -> Watchdog:
        self.pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name="syncblock-watchdog", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread (a stall still open is dropped: it has no end yet)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        seen: Beat | None = None  # the last beat looked at
        while not self._stop.is_set():
            beat = self._beat
            if beat is not None and beat is not seen and beat[2] > self.stall_s:
                self._missed(beat)
            seen = beat
            if beat is None:
                self._stop.wait(self.sample_s)
                continue
            wait = beat[1] + self.stall_s - time.perf_counter()
            if wait > 0:
                self._stop.wait(wait)
                continue
            if self._beat is beat:
                seen = self._watch(beat)

    def _missed(self, beat: Beat) -> None:
        """A stall that ended before this thread could look (it could not get the GIL):
        one row with no sample, marked late."""
        t_start = time.time() - (time.perf_counter() - (beat[0] - beat[2]))
        record = stall_record(
            pid=self.pid, t_start=t_start, duration_ms=beat[2] * 1000, stacks=[], late=True
        )
        self.emit(record)

    def _watch(self, beat: Beat) -> Beat | None:
        """The loop missed `beat`'s due time by more than stall_ms: sample until it beats."""
        due = beat[1]
        first = time.perf_counter()
        late = first - (due + self.stall_s) > LATE_AFTER_SAMPLES * self.sample_s
        t_start = time.time() - (first - due)
        stacks: list[tuple[str, ...]] = []
        while self._beat is beat and not self._stop.is_set():
            frame = sys._current_frames().get(self.loop_thread_id)
            if frame is not None:
                stacks.append(stack_of(frame))
            del frame
            self._stop.wait(self.sample_s)
        new = self._beat
        if new is beat or new is None:
            return new  # stopped mid-stall: no end, no row
        duration_ms = max(0.0, new[0] - due) * 1000
        record = stall_record(
            pid=self.pid, t_start=t_start, duration_ms=duration_ms, stacks=stacks, late=late
        )
        self.emit(record)
        return new
