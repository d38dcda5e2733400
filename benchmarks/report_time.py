"""Item 8: how long the report takes on a store of 60 cells.

The store is the design's own sweep shape, 4 hashings x workers 1,2,4 x users 1,5,10,15,20 =
60 cells, each holding the rows of one synthetic cell (benchmarks.ingest.synthesize_cell) of
the size of the captured fixture cell `cell_mixed` (1 s warm-up + 3 s, about 1,000 rows),
ingested under its own cell id. The benchmarks make what they need: nothing from `tests`, so
an installed (non-editable) syncblock runs them. Timed: `python -m analysis` as a user runs it
(a fresh process: imports included), and `analysis.build_report` in this process."""

from __future__ import annotations

import dataclasses
import itertools
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from analysis import build_report
from app.contract import HASHINGS
from benchmarks.ingest import T0, synthesize_cell, synthetic_record
from benchmarks.stats import median
from runner.store import finish_sweep, ingest_cell, open_store, record_sweep
from runner.store.records import CellRecord, SweepRecord

WORKERS = (1, 2, 4)
USERS = (1, 5, 10, 15, 20)


def grid(n: int) -> list[tuple[str, int, int]]:
    """The first n (hashing, workers, users) points of the design sweep (pure)."""
    return list(itertools.islice(itertools.product(HASHINGS, WORKERS, USERS), n))


SWEEP_ID = "bench-report"


def report_sweep() -> SweepRecord:
    """The sweeps row of the benchmark's store: this machine."""
    when = datetime.fromtimestamp(T0, UTC)
    return SweepRecord(
        sweep_id=SWEEP_ID,
        started_at=when,
        finished_at=when,
        argv="python -m benchmarks (report_time)",
        hostname=platform.node(),
        cpu_model=platform.processor() or platform.machine(),
        cpu_count=2,
        python_version=platform.python_version(),
    )


def report_cell() -> CellRecord:
    """The cells row every benchmark cell starts from: 2 workers, 1 s warm-up + 3 s, cost 8."""
    return dataclasses.replace(
        synthetic_record("bench-report-cell"),
        sweep_id=SWEEP_ID,
        users=4,
        spawn_rate=4.0,
        duration_s=3.0,
        warmup_s=1.0,
        bcrypt_rounds=8,
        hash_ms=17.0,
        t_measure_start=T0 + 1,
        t_measure_end=T0 + 4,
    )


def build_store(path: Path, cells: int = 60) -> Path:
    """A store of `cells` cells, each a copy of one synthetic cell under its own id/config."""
    cell_dir = path.parent / "report_cell"
    # cell_mixed's size: ~170 requests a side over 4 s, ~640 lag samples
    synthesize_cell(cell_dir, request_rows=340, lag_rows=640, request_step_s=4.0 / 170)
    sweep = report_sweep()
    base = report_cell()
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
            ingest_cell(con, rec, cell_dir)
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
        subprocess.run(argv, cwd=work, capture_output=True, check=True, timeout=300)
        cli.append(time.perf_counter() - t0)
    inproc = []
    for _ in range(builds):
        t0 = time.perf_counter()
        build_report(store=store, out=out)
        inproc.append(time.perf_counter() - t0)
    return ReportTime(cells, cli, inproc)
