"""Item 1: the runner's overhead per cell, from a real `python -m runner -m` sweep.

Overhead = cells.wall_s - (warmup_s + duration_s): everything a cell costs beyond its load
(config, S, server start and readiness, locust start and stop, server stop, ingest). The sweep
runs in a child process exactly as a user runs it, into its own store and sweep directory.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.contract import REPO_ROOT
from benchmarks.cells import rows
from benchmarks.stats import median


@dataclass(frozen=True)
class CellOverhead:
    workers: int
    users: int
    wall_s: float
    load_s: float  # warmup_s + duration_s
    before_s: float  # cell start -> locust's first request (config, S, server and locust start)
    after_s: float  # end of the measured window -> cell end (drain, locust exit, server stop)

    @property
    def overhead_s(self) -> float:
        return self.wall_s - self.load_s


@dataclass(frozen=True)
class SweepOverhead:
    argv: list[str]
    cells: list[CellOverhead]
    sweep_wall_s: float  # the whole command: Hydra, every cell, the final report

    @property
    def median_s(self) -> float | None:
        return median(c.overhead_s for c in self.cells)


_CELLS_SQL = """
SELECT workers, users, wall_s, warmup_s, duration_s, status,
       t_load_start - epoch(started_at) AS before_s, epoch(finished_at) - t_measure_end AS after_s
FROM cells ORDER BY job_num
"""


def sweep_argv(
    store: Path,
    sweep_dir: Path,
    *,
    workers: str,
    users: str,
    warmup: float,
    duration: float,
    rounds: int,
) -> list[str]:
    """The runner command of the overhead sweep (pure)."""
    return [
        sys.executable,
        "-m",
        "runner",
        "-m",
        f"workers={workers}",
        f"users={users}",
        f"warmup={warmup:g}",
        f"duration={duration:g}",
        f"bcrypt_rounds={rounds}",
        f"store={store}",
        f"hydra.sweep.dir={sweep_dir}",
        "resume=false",
        "baseline=false",  # the grid alone, as before the main job gained extra cells
        "compare.hashing=[]",
    ]


def cell_overheads(found: list[dict[str, Any]]) -> list[CellOverhead]:
    """CellOverhead of each ok cell row (pure)."""
    return [
        CellOverhead(
            int(r["workers"]),
            int(r["users"]),
            float(r["wall_s"]),
            float(r["warmup_s"]) + float(r["duration_s"]),
            float(r["before_s"]),
            float(r["after_s"]),
        )
        for r in found
        if r["status"] == "ok" and r["wall_s"] is not None
    ]


def measure_overhead(
    work: Path,
    *,
    workers: str = "1,4",
    users: str = "1,10",
    warmup: float = 1,
    duration: float = 3,
    rounds: int = 10,
    timeout: float = 600,
) -> SweepOverhead:
    """Run the sweep for real and read every cell's overhead from its store."""
    store = work / "overhead.duckdb"
    argv = sweep_argv(
        store,
        work / "overhead_sweep",
        workers=workers,
        users=users,
        warmup=warmup,
        duration=duration,
        rounds=rounds,
    )
    t0 = time.monotonic()
    done = subprocess.run(
        argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    wall = time.monotonic() - t0
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
        raise RuntimeError(f"overhead sweep exited {done.returncode}: {tail}")
    found = rows(store, _CELLS_SQL)
    cells = cell_overheads(found)
    if len(cells) != len(found):
        raise RuntimeError(f"overhead sweep: {len(found) - len(cells)} cell(s) not ok")
    return SweepOverhead(argv[1:], cells, wall)
