"""The whole machine's CPU beside the cell's own, each sampler tick: what other processes on
the host took while the cell was measured (`cells.foreign_cpu_pct`). 100 % = one core.

`own` is the runner's process and every descendant (the server, locust, py-spy, the sampler
itself), so another cell of a parallel launcher counts as foreign here, as any other load."""

from __future__ import annotations

import os

import psutil

from app.contract import Row


class HostTicks:
    def __init__(self, root_pid: int | None = None) -> None:
        self.root_pid = root_pid or os.getpid()
        self.cores = psutil.cpu_count() or 1
        self._procs: dict[int, psutil.Process] = {}
        psutil.cpu_percent(None)  # primes the host counter: the first tick measures from here

    def _own_percent(self) -> float:
        try:
            root = psutil.Process(self.root_pid)
            pids = [self.root_pid, *(p.pid for p in root.children(recursive=True))]
        except psutil.Error:
            return 0.0
        total = 0.0
        for pid in pids:
            proc = self._procs.get(pid)
            try:
                if proc is None:  # first sight: primed now, counted from the next tick
                    self._procs[pid] = proc = psutil.Process(pid)
                    proc.cpu_percent(None)
                    continue
                total += proc.cpu_percent(None)
            except psutil.Error:
                continue
        return total

    def tick(self, now: float) -> Row:
        """One row: the host's CPU and the cell's own since the previous tick (100 = a core)."""
        own = self._own_percent()
        host = psutil.cpu_percent(None) * self.cores
        return {"t": now, "host_cpu_percent": host, "own_cpu_percent": own}
