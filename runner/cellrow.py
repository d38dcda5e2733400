"""A cell's row in `cells` before and after it runs: where it runs, every axis of its spec, and
the timings measuring it found."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.db import max_connections
from runner.redact import redact_data
from runner.spec import CellSpec
from runner.store.records import CellRecord


@dataclass(frozen=True)
class Where:
    """Where a cell runs: its directory, its sweep, its job number."""

    cell_dir: Path
    sweep_id: str
    job_num: int


def base_record(spec: CellSpec, where: Where) -> CellRecord:
    """The cell's row before it runs: its identity and every axis of its spec."""
    return CellRecord(
        cell_id=f"{where.sweep_id}-j{where.job_num}",
        sweep_id=where.sweep_id,
        cell_key=spec.key,
        job_num=where.job_num,
        scenario=spec.scenario,
        hashing=spec.hashing,
        db=spec.db,
        workers=spec.workers,
        users=spec.effective_users,
        spawn_rate=spec.effective_spawn_rate,
        duration_s=spec.duration,
        warmup_s=spec.warmup,
        repeat=spec.repeat,
        bcrypt_rounds=spec.bcrypt_rounds,
        started_at=datetime.now(UTC),
        dir=str(where.cell_dir),
        config=redact_data(spec.config),
        load_processes=spec.load_processes,
        target_url=spec.target_url,
        work=spec.work,
        connections=spec.connections,
        balance=spec.balance,
        server_app=spec.server_app,
        pool_size=spec.pool_size,
        thread_limit=spec.thread_limit,
        db_pool_size=max_connections(spec.db_pool_size),  # per worker, the default resolved
        probe_hz=spec.probe_hz,
        arrival=spec.arrival,
        rate=spec.rate,
        arrival_process=spec.arrival_process,
        max_in_flight=spec.max_in_flight,
        stalls_sampler=spec.stalls_sampler,
        host=socket.gethostname(),
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
