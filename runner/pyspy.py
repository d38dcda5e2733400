"""`stalls.sampler=pyspy`: py-spy records each server worker for the cell, out of process.

An in-process watchdog cannot run while a C call holds the GIL; py-spy reads the worker's
memory from outside (ptrace; we run as root), so it sees the stack during such a stall.
`PySpyRecorders` runs `py-spy record --format chrometrace --idle --rate 100` per worker as a
managed process (own group, stopped with SIGINT so it writes its file, killed after a
timeout: nothing outlives the cell). After the server has stopped (its lag files flushed),
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
from types import TracebackType

from app import contract
from runner.proc import ManagedProcess
from runner.pyspy_stalls import name_stalls
from runner.server import PROJECT_ROOT

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


def trace_file(server_dir: Path, pid: int) -> Path:
    return server_dir / f"pyspy-{pid}.trace.json"


def meta_file(server_dir: Path, pid: int) -> Path:
    return server_dir / f"pyspy-{pid}.json"


def pyspy_stalls_file(server_dir: Path, pid: int) -> Path:
    return server_dir / f"stalls-pyspy-{pid}.jsonl"  # matches contract.STALLS_GLOB


def record_argv(exe: str, pid: int, out: Path, rate_hz: int = RATE_HZ) -> list[str]:
    """The py-spy command line for one worker (pure)."""
    return [
        exe,
        "record",
        "--pid",
        str(pid),
        "--format",
        "chrometrace",
        "--rate",
        str(rate_hz),
        "--idle",
        "--output",
        str(out),
    ]


class PySpyRecorders:
    """One `py-spy record` per worker pid, for the life of the `with` block."""

    def __init__(self, server_dir: Path, pids: list[int], rate_hz: int = RATE_HZ) -> None:
        self.server_dir = server_dir
        self.pids = pids
        self.rate_hz = rate_hz
        self._procs: list[ManagedProcess] = []

    def __enter__(self) -> PySpyRecorders:
        exe = pyspy_exe()
        self.server_dir.mkdir(parents=True, exist_ok=True)
        try:
            for pid in self.pids:
                out = trace_file(self.server_dir, pid)
                proc = ManagedProcess(
                    record_argv(exe, pid, out, self.rate_hz),
                    log_path=self.server_dir / f"pyspy-{pid}.log",
                    stop_signal=signal.SIGINT,
                    stop_timeout=STOP_TIMEOUT_S,
                )
                anchor = time.time()  # py-spy's ts 0 is its start, a few ms after this
                proc.start()
                self._procs.append(proc)
                meta = {"pid": pid, "anchor": anchor, "rate_hz": self.rate_hz}
                meta_file(self.server_dir, pid).write_text(json.dumps(meta))
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for proc in self._procs:
            proc.stop()  # SIGINT: py-spy writes its trace and exits
        self._procs = []

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _jsonl(path: Path) -> list[dict[str, object]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_stalls(server_dir: Path, stall_ms: float) -> int:
    """Name each worker's stalls from its py-spy trace; returns the number of rows written."""
    written = 0
    for meta_path in sorted(server_dir.glob("pyspy-*.json")):
        if meta_path.name.endswith(".trace.json"):
            continue
        meta = json.loads(meta_path.read_text())
        pid = int(meta["pid"])
        trace = trace_file(server_dir, pid)
        events = json.loads(trace.read_text()) if trace.is_file() else []
        rows = name_stalls(
            events,
            anchor=float(meta["anchor"]),
            pid=pid,
            lag_rows=_jsonl(contract.lag_file(server_dir, pid)),
            stall_ms=stall_ms,
            rate_hz=float(meta["rate_hz"]),
            roots=(str(PROJECT_ROOT), os.getcwd()),
        )
        text = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows)
        pyspy_stalls_file(server_dir, pid).write_text(text)
        written += len(rows)
    return written
