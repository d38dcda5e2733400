"""`stalls.sampler=pyspy`: py-spy records each server worker for the cell, out of process.

An in-process watchdog cannot run while a C call holds the GIL; py-spy reads the worker's
memory from outside (ptrace; we run as root), so it sees the stack during such a stall.
`PySpyRecorders` runs two `py-spy record --format chrometrace --rate 100` per worker, each a
managed process: `--idle` (every thread: the loop thread's stack, also while it sleeps) and
`--gil` (only the thread holding the GIL: who starved the loop when the loop thread itself
was only waiting, e.g. a GIL-holding call in the thread pool). Each is a managed process
(own group, stopped with SIGINT so it writes its file, killed after a timeout: nothing
outlives the cell). After the server has stopped (its lag files flushed),
`write_stalls` turns each trace into `stalls-pyspy-<pid>.jsonl` rows (source 'py-spy'),
which ingest reads with the watchdog's.

Choice (measured, see the README): `record` at 100 Hz rather than `dump` on demand: a dump
costs a process start (tens of ms) and would come after a short stall ended; 100 Hz gives a
10 ms resolution and costs the worker little. Without --nonblocking py-spy pauses the worker
for each sample (a consistent stack).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Self

from app import contract
from app.contract import REPO_ROOT
from runner.probe.pyspy_stalls import name_stalls
from runner.processes.lifecycle import Lifecycle
from runner.processes.proc import ManagedProcess

RATE_HZ = 100
STOP_TIMEOUT_S = 15.0


def pyspy_exe() -> str:
    """The py-spy binary installed with the project (beside this Python), else on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    if beside.is_file():
        return str(beside)
    found = shutil.which("py-spy")
    if found is None:
        raise RuntimeError("stalls.sampler=pyspy: py-spy is not installed (pip install py-spy)")
    return found


def trace_file(server_dir: Path, pid: int, gil: bool = False) -> Path:
    return server_dir / f"pyspy-{pid}{'.gil' if gil else ''}.trace.json"


def meta_file(server_dir: Path, pid: int) -> Path:
    return server_dir / f"pyspy-{pid}.json"


def pyspy_stalls_file(server_dir: Path, pid: int) -> Path:
    return server_dir / f"stalls-pyspy-{pid}.jsonl"  # matches contract.STALLS_GLOB


def record_argv(
    exe: str, pid: int, out: Path, rate_hz: int = RATE_HZ, gil: bool = False
) -> list[str]:
    """The py-spy command line for one worker (pure): every thread, idle ones too, or
    (`gil`) only the thread holding the GIL at each sample."""
    return [
        exe,
        "record",
        "--pid",
        str(pid),
        "--format",
        "chrometrace",
        "--rate",
        str(rate_hz),
        "--gil" if gil else "--idle",
        "--output",
        str(out),
    ]


class PySpyRecorders(Lifecycle):
    """One `py-spy record` per worker pid, for the life of the `with` block."""

    def __init__(self, server_dir: Path, pids: list[int], rate_hz: int = RATE_HZ) -> None:
        self.server_dir = server_dir
        self.pids = pids
        self.rate_hz = rate_hz
        self._procs: list[ManagedProcess] = []

    def start(self) -> Self:
        exe = pyspy_exe()
        self.server_dir.mkdir(parents=True, exist_ok=True)
        try:
            for pid in self.pids:
                meta: dict[str, float] = {"pid": pid, "rate_hz": self.rate_hz}
                for gil in (False, True):
                    out = trace_file(self.server_dir, pid, gil)
                    proc = ManagedProcess(
                        record_argv(exe, pid, out, self.rate_hz, gil),
                        log_path=self.server_dir / f"pyspy-{pid}.log",
                        stop_signal=signal.SIGINT,
                        stop_timeout=STOP_TIMEOUT_S,
                    )
                    meta["gil_anchor" if gil else "anchor"] = time.time()  # ts 0, a few ms early
                    proc.start()
                    self._procs.append(proc)
                meta_file(self.server_dir, pid).write_text(json.dumps(meta))
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for proc in self._procs:
            proc.stop()  # SIGINT: py-spy writes its trace and exits
        self._procs = []


def _jsonl(path: Path) -> list[dict[str, object]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _trace(path: Path) -> list[dict[str, object]]:
    return json.loads(path.read_text()) if path.is_file() and path.stat().st_size else []


def write_stalls(server_dir: Path, stall_ms: float) -> int:
    """Name each worker's stalls from its py-spy trace; returns the number of rows written."""
    written = 0
    for meta_path in sorted(server_dir.glob("pyspy-*.json")):
        if meta_path.name.endswith(".trace.json"):
            continue
        meta = json.loads(meta_path.read_text())
        pid = int(meta["pid"])
        rows = name_stalls(
            _trace(trace_file(server_dir, pid)),
            gil_events=_trace(trace_file(server_dir, pid, gil=True)),
            anchor=float(meta["anchor"]),
            gil_anchor=meta.get("gil_anchor"),
            pid=pid,
            lag_rows=_jsonl(contract.lag_file(server_dir, pid)),
            stall_ms=stall_ms,
            rate_hz=float(meta["rate_hz"]),
            roots=(str(REPO_ROOT), os.getcwd()),
        )
        text = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows)
        pyspy_stalls_file(server_dir, pid).write_text(text)
        written += len(rows)
    return written
