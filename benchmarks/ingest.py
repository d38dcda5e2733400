"""Item 2: ingest rate and the runner's memory during it.

`synthesize_cell` writes a cell directory in the exact formats of app/contract.py (client and
server request JSON lines, lag JSON lines, resources) with DuckDB's COPY, fast. Each timed
ingest runs in a fresh child process (`python -m benchmarks.ingest CELL_DIR STORE`) into a fresh
store, so its peak RSS (getrusage maxrss) is the ingest's alone, as in the runner.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from app import contract
from benchmarks.stats import median
from runner.store import ingest_cell, open_store
from runner.store.records import CellRecord

T0 = 1_800_000_000.0  # epoch s of the synthetic cell's first request
PIDS = (4101, 4102)  # two server workers

_REQUESTS_SQL = """
COPY (
  SELECT md5(CAST(i AS VARCHAR)) AS request_id,
         CASE WHEN i % 6 = 0 THEN 'GET' ELSE 'POST' END AS method,
         CASE WHEN i % 6 = 0 THEN '/api/health/' ELSE '/api/users/register/' END AS path,
         CASE WHEN i % 6 = 0 THEN 200 ELSE 201 END AS status,
         CAST({t0} AS DOUBLE) + i * {step} + {shift} + random() * 1e-4 AS t_start,
         random() * 120 + {shift_ms} AS duration_ms,
         {pid} AS pid{extra}
  FROM range({lo}, {hi}) r(i)
) TO '{path}' (FORMAT json)
"""
_LAG_SQL = """
COPY (SELECT {pid} AS pid, CAST({t0} AS DOUBLE) + i * 0.01 + random() * 1e-3 AS t,
             random() * 3 AS lag_ms
      FROM range({n}) r(i)) TO '{path}' (FORMAT json)
"""
_RESOURCES_SQL = """
COPY (SELECT CAST({t0} AS DOUBLE) + (i // 3) * 0.25 AS t,
             ['server_master', 'server_worker', 'load_generator'][i % 3 + 1] AS role,
             4100 + i % 3 AS pid, round(random() * 100, 1) AS cpu_percent,
             CAST(50e6 + random() * 1e6 AS BIGINT) AS rss_bytes
      FROM range({n}) r(i)) TO '{path}' (FORMAT json)
"""


def synthesize_cell(
    cell_dir: Path, *, request_rows: int, lag_rows: int, request_step_s: float = 0.0005
) -> int:
    """Write a synthetic cell: request_rows (half client, half server over two workers, one
    request every request_step_s from T0), lag_rows over two workers (every 10 ms), some
    resource samples. Returns the rows ingest should load."""
    server, client = cell_dir / contract.SERVER_DIR, cell_dir / contract.CLIENT_DIR
    server.mkdir(parents=True, exist_ok=True)
    client.mkdir(parents=True, exist_ok=True)
    per_side = request_rows // 2
    con = duckdb.connect()
    try:
        con.execute(
            _REQUESTS_SQL.format(
                t0=T0,
                step=request_step_s,
                shift=0,
                shift_ms=0.4,
                pid=4200,
                lo=0,
                hi=per_side,
                extra=", true AS ok, CAST(NULL AS VARCHAR) AS error",
                path=contract.requests_file(client, 4200),
            )
        )
        half = per_side // 2
        for pid, (lo, hi) in zip(PIDS, ((0, half), (half, per_side)), strict=True):
            con.execute(
                _REQUESTS_SQL.format(
                    t0=T0,
                    step=request_step_s,
                    shift=0.0002,
                    shift_ms=0,
                    pid=pid,
                    lo=lo,
                    hi=hi,
                    extra="",
                    path=contract.requests_file(server, pid),
                )
            )
        for k, pid in enumerate(PIDS):
            n = lag_rows // 2 + (lag_rows % 2 if k == 0 else 0)
            con.execute(_LAG_SQL.format(pid=pid, t0=T0, n=n, path=contract.lag_file(server, pid)))
        con.execute(_RESOURCES_SQL.format(t0=T0, n=300, path=cell_dir / contract.RESOURCES))
    finally:
        con.close()
    return 2 * per_side + lag_rows + 300


def synthetic_record(cell_id: str) -> CellRecord:
    return CellRecord(
        cell_id=cell_id,
        sweep_id="bench-ingest",
        cell_key=cell_id,
        job_num=0,
        scenario="mixed",
        hashing="blocking",
        db="sqlite",
        workers=2,
        users=10,
        spawn_rate=10.0,
        duration_s=60.0,
        warmup_s=3.0,
        repeat=1,
        bcrypt_rounds=12,
        status="ok",
        t_load_start=T0,
        t_measure_start=T0 + 3,
        t_measure_end=T0 + 63,
    )


@dataclass(frozen=True)
class IngestRun:
    rows: int
    seconds: float
    peak_rss_bytes: int  # the child's maxrss: imports, open store and ingest together
    rss_before_bytes: int  # its RSS just before the ingest

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def ingest_once(cell_dir: Path, store: Path) -> IngestRun:
    """Ingest cell_dir into a store in this process; time and memory of it."""
    con = open_store(store)
    try:
        before = _rss_now()
        t0 = time.perf_counter()
        counts = ingest_cell(con, synthetic_record("bench-ingest-cell"), cell_dir)
        seconds = time.perf_counter() - t0
    finally:
        con.close()
    rows = sum(n for table, n in counts.items() if table != "cells")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    return IngestRun(rows, seconds, peak, before)


def _rss_now() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def ingest_in_child(cell_dir: Path, store: Path, timeout: float = 300) -> IngestRun:
    """One timed ingest in a fresh Python process (as the runner would do it)."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.ingest", str(cell_dir), str(store)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return IngestRun(**json.loads(done.stdout.strip().splitlines()[-1]))


@dataclass(frozen=True)
class IngestRate:
    runs: list[IngestRun]

    @property
    def rows_per_s(self) -> float | None:
        return median(r.rows_per_s for r in self.runs)

    @property
    def peak_rss_mb(self) -> float | None:
        return max((r.peak_rss_bytes / 1e6 for r in self.runs), default=None)


def measure_ingest(work: Path, *, request_rows: int, lag_rows: int, runs: int) -> IngestRate:
    """Synthesize once, ingest `runs` times (fresh store and process each)."""
    cell_dir = work / "ingest_cell"
    synthesize_cell(cell_dir, request_rows=request_rows, lag_rows=lag_rows)
    out = [ingest_in_child(cell_dir, work / f"ingest_{i}.duckdb") for i in range(runs)]
    return IngestRate(out)


if __name__ == "__main__":
    run = ingest_once(Path(sys.argv[1]), Path(sys.argv[2]))
    print(json.dumps(run.__dict__))
