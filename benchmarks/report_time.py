"""Item 8: how long the report takes on a store of 60 cells.

The store is the design's own sweep shape, 4 hashings x workers 1,2,4 x users 1,5,10,15,20 =
60 cells, each holding the rows of the real captured fixture cell `cell_mixed` (ingested under
its own cell id). Timed: `python -m analysis` as a user runs it (a fresh process: imports
included), and `analysis.build_report` in this process (the work alone)."""

from __future__ import annotations

import dataclasses
import itertools
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from analysis import build_report
from benchmarks.stats import median
from runner.server import PROJECT_ROOT
from runner.store import finish_sweep, ingest_cell, open_store, record_sweep
from tests.fixtures import CELL_DIRS, fixture_cell, fixture_sweep

HASHINGS = ("blocking", "sync_def", "threadpool", "processpool")
WORKERS = (1, 2, 4)
USERS = (1, 5, 10, 15, 20)


def grid(n: int) -> list[tuple[str, int, int]]:
    """The first n (hashing, workers, users) points of the design sweep (pure)."""
    return list(itertools.islice(itertools.product(HASHINGS, WORKERS, USERS), n))


def build_store(path: Path, cells: int = 60) -> Path:
    """A store of `cells` cells, every one the fixture cell_mixed under its own id/config."""
    sweep = fixture_sweep()
    base = fixture_cell(CELL_DIRS[0], sweep.sweep_id)
    con = open_store(path)
    try:
        record_sweep(con, sweep)
        for job, (hashing, workers, users) in enumerate(grid(cells)):
            rec = dataclasses.replace(
                base,
                cell_id=f"bench-{job:03d}",
                cell_key=f"bench-{job:03d}",
                job_num=job,
                hashing=hashing,
                workers=workers,
                users=users,
                spawn_rate=float(users),
            )
            ingest_cell(con, rec, CELL_DIRS[0])
        finish_sweep(con, sweep.sweep_id, sweep.finished_at)
    finally:
        con.close()
    return path


@dataclass(frozen=True)
class ReportTime:
    cells: int
    cli_s: list[float]  # `python -m analysis` wall times
    in_process_s: list[float]  # build_report() wall times

    @property
    def cli_median_s(self) -> float | None:
        return median(self.cli_s)

    @property
    def in_process_median_s(self) -> float | None:
        return median(self.in_process_s)


def measure_report_time(work: Path, *, cells: int = 60, builds: int = 3) -> ReportTime:
    """Build the store once, then time `builds` CLI runs and `builds` in-process builds."""
    store = build_store(work / "report60.duckdb", cells)
    out = work / "report60.html"
    argv = [sys.executable, "-m", "analysis", "--store", str(store), "--out", str(out)]
    cli = []
    for _ in range(builds):
        t0 = time.perf_counter()
        subprocess.run(argv, cwd=PROJECT_ROOT, capture_output=True, check=True, timeout=300)
        cli.append(time.perf_counter() - t0)
    inproc = []
    for _ in range(builds):
        t0 = time.perf_counter()
        build_report(store=store, out=out)
        inproc.append(time.perf_counter() - t0)
    return ReportTime(cells, cli, inproc)
