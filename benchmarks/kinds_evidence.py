"""`python -m benchmarks.kinds_evidence [--busy N] [--repeats R]`: do the watchdog's stall
records tell the three kinds of blocking call apart?

Runs five calls of about `--ms` each on an asyncio loop with the real lag probe and watchdog
(started as `app.instrumented.Instruments` starts them): `hashlib.pbkdf2_hmac` (C, releases
the GIL), a pure-Python loop and `json.dumps` of a big list and a backtracking regex (all
hold the GIL), and `time.sleep` (a wait). Prints, per call, the CPU share of the loop thread
(`cpu_ms / cpu_window_ms`, and `cpu_ms / duration_ms`), `late_ms`, `wait_ms` and the kind
`runner.doctor.attribution.classify` gives. `--busy N` runs it while N busy-looping processes
(`timeout 60 python -c "while True: pass"`) compete for the cores; they are stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.instrumentation import Recorder, lag_probe
from app.watchdog import Watchdog
from runner.doctor.attribution import Evidence, classify

Call = Callable[[], object]
_REGEX = re.compile(r"a*a*b")


def _pbkdf2(n: int) -> Call:
    return lambda: hashlib.pbkdf2_hmac("sha256", b"password", b"salt", n)


def _python_loop(n: int) -> Call:
    def run() -> int:
        total = 0
        for i in range(n):
            total += i * i % 7
        return total

    return run


def _json_dumps(n: int) -> Call:
    data = [{"id": i, "name": f"user{i}", "score": i / 3} for i in range(n)]
    return lambda: json.dumps(data)


def _regex(n: int) -> Call:
    subject = "a" * n
    return lambda: _REGEX.search(subject)


def _sleep(n: int) -> Call:
    return lambda: time.sleep(n / 1e6)


# name -> (the kind it is, its call at size n, a small n, how its time grows with n)
CALLS: dict[str, tuple[str, Callable[[int], Call], int, float]] = {
    "hashlib.pbkdf2_hmac": ("gil_released", _pbkdf2, 20_000, 1.0),
    "pure-Python loop": ("gil_held", _python_loop, 200_000, 1.0),
    "json.dumps (big list)": ("gil_held", _json_dumps, 20_000, 1.0),
    "backtracking regex": ("gil_held", _regex, 300, 3.0),
    "time.sleep": ("wait", _sleep, 10_000, 1.0),
}


def sized(make: Callable[[int], Call], n0: int, power: float, target_s: float) -> Call:
    """`make(n)` with n scaled from n0 so one call takes about target_s (measured here)."""
    call = make(n0)
    t0 = time.perf_counter()
    call()
    took = max(time.perf_counter() - t0, 1e-4)
    return make(max(n0, int(n0 * (target_s / took) ** (1 / power))))


def stalls_of(calls: Sequence[Call], stall_ms: float = 20.0) -> list[dict[str, Any]]:
    """Each call run once on a loop watched as the app watches it; the watchdog's rows."""
    rows: list[dict[str, Any]] = []
    recorder = Recorder()  # closed: the probe's lag records are dropped

    async def scenario() -> None:
        watchdog = Watchdog(rows.append, stall_ms=stall_ms, sample_ms=5.0).start()
        probe = asyncio.create_task(lag_probe(recorder, 0.01, watchdog.beat))
        await asyncio.sleep(0.1)
        for call in calls:
            call()
            await asyncio.sleep(0.1)
        probe.cancel()
        watchdog.stop()

    asyncio.run(scenario())
    return rows


def sized_calls(target_ms: float) -> dict[str, Call]:
    """Each call sized to about target_ms (sized before any load starts: same work loaded)."""
    return {
        name: make(int(target_ms * 1000))
        if make is _sleep
        else sized(make, n0, power, target_ms / 1000)
        for name, (_, make, n0, power) in CALLS.items()
    }


def measure(calls: dict[str, Call], repeats: int) -> list[dict[str, Any]]:
    """Per call and repeat, the longest stall row of its run, with the call's name and kind."""
    out = []
    for name, call in calls.items():
        kind = CALLS[name][0]
        for _ in range(repeats):
            rows = stalls_of([call])
            if rows:
                out.append(max(rows, key=lambda r: r["duration_ms"]) | {"call": name, "kind": kind})
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _fmt(x: float | None, spec: str) -> str:
    """x formatted, '-' for None."""
    return "-" if x is None else format(x, spec)


def table(rows: list[dict[str, Any]]) -> str:
    """One line per call: medians (min-max) of its repeats, and what classify says (pure)."""
    head = (
        f"{'call':22} {'kind':12} {'dur ms':>7} {'cpu/win':>16} {'busy/win':>16} "
        f"{'late/dur':>16} {'wait ms':>16} classified"
    )
    lines = [head]
    for name in CALLS:
        mine = [r for r in rows if r["call"] == name]
        if not mine:
            lines.append(f"{name:22} (no stall recorded)")
            continue

        def spread(values: list[float | None], spec: str) -> str:
            got = [v for v in values if v is not None]
            if not got:
                return "-"
            mid = _fmt(statistics.median(got), spec)
            return f"{mid} ({_fmt(min(got), spec)}-{_fmt(max(got), spec)})"

        evidence = [Evidence.of(r) for r in mine]
        kinds = [classify(e) for e in evidence]
        lines.append(
            f"{name:22} {mine[0]['kind']:12} "
            f"{statistics.median(r['duration_ms'] for r in mine):7.0f} "
            f"{spread([e.cpu_share for e in evidence], '.2f'):>16} "
            f"{spread([e.busy_share for e in evidence], '.2f'):>16} "
            f"{spread([_ratio(e.late_ms, e.duration_ms) for e in evidence], '.2f'):>16} "
            f"{spread([e.wait_ms for e in evidence], '.1f'):>16} "
            f"{', '.join(str(k) for k in kinds)}"
        )
    return "\n".join(lines)


@contextmanager
def busy(n: int) -> Iterator[None]:
    """n processes spinning on a core each (bounded by `timeout 60`), stopped on exit."""
    procs = [
        subprocess.Popen(["timeout", "60", sys.executable, "-c", "while True: pass"])
        for _ in range(n)
    ]
    try:
        time.sleep(1.0 if n else 0.0)  # let them reach full speed
        yield
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)


def loadavg() -> str:
    path = Path("/proc/loadavg")
    return path.read_text().strip() if path.exists() else "n/a"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.kinds_evidence", description=__doc__)
    p.add_argument("--busy", type=int, default=0, help="busy-looping processes to run alongside")
    p.add_argument("--repeats", type=int, default=5, help="runs of each call")
    p.add_argument("--ms", type=float, default=150.0, help="target duration of one call")
    p.add_argument("--rows", action="store_true", help="print every stall row too")
    args = p.parse_args(argv)
    calls = sized_calls(args.ms)
    with busy(args.busy):
        before = loadavg()
        rows = measure(calls, args.repeats)
        after = loadavg()
    print(f"cpus={os.cpu_count()} busy={args.busy} loadavg before: {before} | after: {after}")
    print(table(rows))
    for r in rows if args.rows else []:
        keys = (
            "duration_ms", "samples", "late_ms", "wait_ms", "cpu_ms", "core_wait_ms",
            "cpu_window_ms",
        )  # fmt: skip
        print(r["call"], {k: r[k] if not isinstance(r[k], float) else round(r[k], 1) for k in keys})
    return 0


if __name__ == "__main__":
    sys.exit(main())
