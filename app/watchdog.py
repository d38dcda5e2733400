"""A watchdog thread that names the code holding a worker's event loop, and measures how.

The lag probe's wake-ups are the heartbeat: before each sleep the probe calls
`Watchdog.beat(now, due)` (perf_counter seconds; `due` is when it should wake next). The
watchdog thread sleeps until `due + stall_ms`; if no beat came by then, the loop stood still,
and the thread samples the loop thread's stack (`sys._current_frames()`) every `sample_ms`
until the next beat. Each stall becomes one record:

    pid, t_start (epoch s, when the probe was due), duration_ms (how late it woke: the same
    number as the lag record), samples, stack (the most-sampled stack, frames
    'module:function:line', outermost first), leaf (its innermost frame), late, source,
    late_ms, wait_ms, cpu_ms, core_wait_ms, cpu_window_ms

`late_ms` is how late the first capture came after it was due (`due + stall_ms`); `late`
means more than 2 samples late: the watchdog itself could not run, the sign of a call that
holds the GIL. Such a stall may have no sample at all (samples 0, empty stack): the
out-of-process sampler (py-spy) sees through it. `wait_ms` is the mean, over the later
captures that still found the loop stalled in the stall's own (most-sampled) stack, of how
long each waited for the GIL (one stall may run several handlers back to back: a Python loop's
waits must not be charged to the C call that follows it): its
lateness after the `sample_ms` sleep less the time this thread waited for a core meanwhile
(Linux's schedstat; all of it elsewhere). About 0 while the loop thread lets the GIL go (a C
call that releases it, a sleep), a multiple of the interpreter's switch interval (5 ms)
while it runs Python code.

`cpu_ms` is the CPU time the loop thread burned (its thread CPU clock, read from this
thread) and `core_wait_ms` the time it was runnable but waited for a core (its schedstat),
both over `cpu_window_ms` of wall time: from the first capture to the last capture that
still found the loop stalled. That window lies wholly inside the stall: it starts
`stall_ms + late_ms` after the stall began and ends at most one sample (plus the wait for
the GIL) before the stall's end, so `cpu_window_ms < duration_ms`, and the CPU share is
`cpu_ms / cpu_window_ms`, not `cpu_ms / duration_ms`. A CPU-bound call keeps
`cpu_ms + core_wait_ms` near the window however loaded the machine; a wait keeps both near
0. On a virtual machine both windows and lateness are taken net of the hypervisor's steal
(`app/steal.py`): a stolen vCPU stops the thread's clocks, so without that a CPU-bound call
on a busy host reads as partly off-CPU, and every capture as waiting for the GIL.
All three are NULL when no second capture fell inside the stall (a stall shorter than
about `stall_ms + sample_ms`, or one the watchdog first saw only as it ended); `cpu_ms` is
NULL without a thread CPU clock (not Linux), `core_wait_ms` without schedstat.

The loop thread does nothing for any of this beyond the one attribute store of `beat`.
Only code locations are read (module name, function name, line number): never a local
variable or an argument, so a stack can never hold a password.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from app.clocks import core_wait_ns, sched_file, thread_cpu_clock, waited_s
from app.contract import Row
from app.steal import steal_ns

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


def gil_wait_s(late_s: float, queued_ns: int | None, requeued_ns: int | None) -> float:
    """How long a capture waited for the GIL: its lateness less the time this thread waited
    for a core meanwhile (`queued_ns` before the sleep, `requeued_ns` after; all of it when
    unknown)."""
    if queued_ns is None or requeued_ns is None:
        return max(0.0, late_s)
    return max(0.0, late_s - (requeued_ns - queued_ns) / 1e9)


def own_wait_ms(stacks: list[tuple[str, ...]], waits: list[float]) -> float | None:
    """The mean GIL wait (ms) of the captures taken in the most-sampled stack (pure): `waits[i]`
    is how long the capture after `stacks[i]` waited, while the loop ran on from there."""
    if not waits:
        return None
    top = Counter(stacks).most_common(1)[0][0] if stacks else None
    own = [w for st, w in zip(stacks, waits, strict=False) if st == top]
    return statistics.fmean(own or waits) * 1000


def stall_record(
    *,
    pid: int,
    t_start: float,
    duration_ms: float,
    stacks: list[tuple[str, ...]],
    late: bool,
    source: str = SOURCE,
    late_ms: float | None = None,
    wait_ms: float | None = None,
    cpu_ms: float | None = None,
    core_wait_ms: float | None = None,
    cpu_window_ms: float | None = None,
) -> Row:
    """One stall row from its samples and evidence (pure): the most-sampled stack names it."""
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
        "late_ms": late_ms,
        "wait_ms": wait_ms,
        "cpu_ms": cpu_ms,
        "core_wait_ms": core_wait_ms,
        "cpu_window_ms": cpu_window_ms,
    }


class Watchdog:
    """Samples the loop thread's stack while the loop stands still; `emit` gets one record per
    stall (called from the watchdog thread, so give it a buffer only this thread adds to)."""

    def __init__(
        self,
        emit: Callable[[Row], None],
        *,
        stall_ms: float = 20.0,
        sample_ms: float = 5.0,
        loop_thread_id: int | None = None,
    ) -> None:
        self.emit = emit
        self.stall_s = stall_ms / 1000
        self.sample_s = sample_ms / 1000
        self.loop_thread_id = loop_thread_id or threading.get_ident()
        self._cpu_clock = thread_cpu_clock(self.loop_thread_id)
        self._sched = sched_file(self.loop_thread_id)
        self._own_sched: Path | None = None  # this watchdog thread's, once it runs
        self._slept_queued: int | None = None  # its core wait when it last went to sleep
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
        self._own_sched = sched_file(threading.get_ident())
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
                self._slept_queued = core_wait_ns(self._own_sched)
                self._stop.wait(wait)
                continue
            if self._beat is beat:
                seen = self._watch(beat)

    def _clocks(self) -> tuple[int | None, int | None]:
        """The loop thread's CPU time and time waited for a core so far (ns); None for what
        this platform cannot tell, or once the thread is gone."""
        cpu = None
        if self._cpu_clock is not None:
            try:
                cpu = time.clock_gettime_ns(self._cpu_clock)
            except OSError:
                pass
        return cpu, core_wait_ns(self._sched)

    def _missed(self, beat: Beat) -> None:
        """A stall that ended before this thread could look (it could not get the GIL):
        one row with no sample, marked late."""
        now = time.perf_counter()
        began = beat[0] - beat[2]  # when the missed wake-up was due
        t_start = time.time() - (now - began)
        record = stall_record(
            pid=self.pid,
            t_start=t_start,
            duration_ms=beat[2] * 1000,
            stacks=[],
            late=True,
            late_ms=max(0.0, now - (began + self.stall_s)) * 1000,
        )
        self.emit(record)

    def _watch(self, beat: Beat) -> Beat | None:
        """The loop missed `beat`'s due time by more than stall_ms: sample until it beats,
        reading the loop thread's CPU clock at each capture that still finds it stalled."""
        due = beat[1]
        first = time.perf_counter()
        clocks_first = clocks_last = self._clocks()
        steal_first = steal_last = steal = steal_ns()
        last = first
        late_s = first - (due + self.stall_s)
        # `late` (the sign of a GIL held) leaves out the time this thread waited for a core
        woke_queued = core_wait_ns(self._own_sched)
        queued_s = waited_s(self._slept_queued, woke_queued)
        t_start = time.time() - (first - due)
        stacks: list[tuple[str, ...]] = []
        waits: list[float] = []
        while self._beat is beat and not self._stop.is_set():
            frame = sys._current_frames().get(self.loop_thread_id)
            if frame is not None:
                stacks.append(stack_of(frame))
            del frame
            slept, queued = time.perf_counter(), core_wait_ns(self._own_sched)
            self._stop.wait(self.sample_s)
            now, requeued, stolen = time.perf_counter(), core_wait_ns(self._own_sched), steal_ns()
            clocks = self._clocks()
            if self._beat is beat:  # read while still stalled: inside the window
                late = now - slept - self.sample_s - waited_s(steal, stolen)
                waits.append(gil_wait_s(late, queued, requeued))
                last, clocks_last, steal_last = now, clocks, stolen
            steal = stolen  # one read of /proc/stat per capture: the next one starts here
        new = self._beat
        if new is beat or new is None:
            return new  # stopped mid-stall: no end, no row
        window_ms = (last - first - waited_s(steal_first, steal_last)) * 1000
        cpu_ms, core_ms = (
            (b - a) / 1e6 if a is not None and b is not None and window_ms > 0 else None
            for a, b in zip(clocks_first, clocks_last, strict=True)
        )
        record = stall_record(
            pid=self.pid,
            t_start=t_start,
            duration_ms=max(0.0, new[0] - due) * 1000,
            stacks=stacks,
            late=late_s - queued_s > LATE_AFTER_SAMPLES * self.sample_s,
            late_ms=max(0.0, late_s) * 1000,
            wait_ms=own_wait_ms(stacks, waits),
            cpu_ms=cpu_ms,
            core_wait_ms=core_ms,
            cpu_window_ms=window_ms if cpu_ms is not None or core_ms is not None else None,
        )
        self.emit(record)
        return new
