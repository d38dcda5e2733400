"""A cell's row in `cells` before and after it runs: where it runs, every axis of its spec, and
the timings measuring it found."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app import contract
from app.db import max_connections
from runner.plan.spec import CellSpec, stored_axes
from runner.store.records import CellRecord
from runner.store.redact import redact_data


@dataclass(frozen=True)
class Where:
    """Where a cell runs: its directory, its sweep, its job number."""

    cell_dir: Path
    sweep_id: str
    job_num: int


def base_record(spec: CellSpec, where: Where) -> CellRecord:
    """The cell's row before it runs: its identity and every stored axis of its spec, with the
    values that ran (locust's users and spawn rate, the database pool resolved)."""
    axes = {column: getattr(spec, name) for name, column in stored_axes().items()}
    return CellRecord(
        **axes
        | {
            "users": spec.effective_users,
            "spawn_rate": spec.effective_spawn_rate,
            "db_pool_size": max_connections(spec.db_pool_size),  # per worker
        },
        cell_id=f"{where.sweep_id}-j{where.job_num}",
        sweep_id=where.sweep_id,
        cell_key=spec.key,
        job_num=where.job_num,
        started_at=datetime.now(UTC),
        dir=str(where.cell_dir),
        config=redact_data(spec.config),
        host=socket.gethostname(),
        slurm_job_id=os.environ.get(contract.SLURM_JOB_ID_ENV),  # set by SLURM in a job
    )


@dataclass(frozen=True)
class Timings:
    """What measuring a cell found out about time: S, and the measured window (epoch s);
    for open loop also the arrivals dropped at the in-flight cap inside the window."""

    hash_ms: float
    t_load_start: float
    t_measure_start: float
    t_measure_end: float
    work_ms: float | None = None  # the work kind's measured time per call (server start-up)
    dropped: int | None = None  # open loop: arrivals dropped at the cap inside the window
