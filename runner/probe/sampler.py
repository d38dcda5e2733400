"""CPU % and RSS of the cell's processes every 0.25 s (psutil), written as resources.jsonl.

Roles: `server_master` (the uvicorn supervisor), `server_worker` (every process serving or
hashing for it: its descendants, or the single process when it has no supervisor) and
`load_generator` (locust and, with `--processes`, every forked locust worker). Samples are
kept in memory and written in one go when the sampler stops.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

import psutil

from runner.probe.host import HostTicks
from runner.processes.lifecycle import Lifecycle

INTERVAL_S = 0.25

# (role, pid) pairs to sample this tick
Targets = Callable[[], list[tuple[str, int]]]


def process_tree(pid: int) -> list[int]:
    """pid and its live descendants (empty when pid is gone)."""
    try:
        root = psutil.Process(pid)
        return [pid] + [p.pid for p in root.children(recursive=True)]
    except psutil.Error:
        return []


def server_targets(master_pid: int, worker_pids: Callable[[], list[int]]) -> Targets:
    """Targets of a uvicorn server: the supervisor and everything under it."""

    def targets() -> list[tuple[str, int]]:
        tree = process_tree(master_pid)
        if not tree:
            return []
        single = master_pid in worker_pids()  # one worker: uvicorn runs no supervisor
        master_role = "server_worker" if single else "server_master"
        return [(master_role, master_pid)] + [("server_worker", p) for p in tree[1:]]

    return targets


def load_targets(locust_pid: Callable[[], int | None]) -> Targets:
    """Targets of the load generator: locust and all of its descendants."""

    def targets() -> list[tuple[str, int]]:
        pid = locust_pid()
        return [] if pid is None else [("load_generator", p) for p in process_tree(pid)]

    return targets


class Sampler(Lifecycle):
    """A background thread sampling `targets` every INTERVAL_S until stopped."""

    def __init__(
        self,
        out: Path,
        targets: list[Targets],
        interval: float = INTERVAL_S,
        host_out: Path | None = None,
    ) -> None:
        self.out = out
        self.targets = targets
        self.interval = interval
        self.rows: list[dict[str, Any]] = []
        self.host_out = host_out  # the machine's CPU beside the cell's own (runner/probe/host.py)
        self.host = HostTicks() if host_out is not None else None
        self.host_rows: list[dict[str, Any]] = []
        self._procs: dict[int, psutil.Process] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def _proc(self, pid: int) -> psutil.Process | None:
        proc = self._procs.get(pid)
        if proc is None:
            try:
                proc = psutil.Process(pid)
                proc.cpu_percent(None)  # first call primes the counter and returns 0.0
            except psutil.Error:
                return None
            self._procs[pid] = proc
            return None  # no meaningful CPU % until the next tick
        return proc

    def sample_once(self) -> None:
        now = time.time()
        if self.host is not None:
            self.host_rows.append(self.host.tick(now))
        for targets in self.targets:
            for role, pid in targets():
                proc = self._proc(pid)
                if proc is None:
                    continue
                try:
                    with proc.oneshot():
                        cpu = proc.cpu_percent(None)
                        rss = proc.memory_info().rss
                except psutil.Error:
                    continue
                self.rows.append(
                    {"t": now, "role": role, "pid": pid, "cpu_percent": cpu, "rss_bytes": rss}
                )

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):  # a vanished process must not end sampling
                self.sample_once()
            self._stop.wait(self.interval)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.out.write_text("".join(json.dumps(r) + "\n" for r in self.rows))
        if self.host_out is not None:
            self.host_out.write_text("".join(json.dumps(r) + "\n" for r in self.host_rows))
