"""Rows the runner writes about sweeps and cells: the `sweeps` and `cells` tables, typed."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class SweepRecord:
    sweep_id: str
    started_at: datetime
    finished_at: datetime | None = None
    argv: str = ""
    git_sha: str | None = None
    hostname: str = ""
    cpu_model: str = ""
    cpu_count: int = 0
    mem_total_bytes: int = 0
    python_version: str = ""
    package_versions: dict[str, str] = field(default_factory=dict)  # stored as JSON


@dataclass
class CellRecord:
    cell_id: str
    sweep_id: str
    cell_key: str
    job_num: int
    scenario: str
    hashing: str
    db: str
    workers: int
    users: int
    spawn_rate: float
    duration_s: float
    warmup_s: float
    repeat: int
    bcrypt_rounds: int
    hash_ms: float | None = None
    status: str = "failed"  # 'ok' or 'failed'
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    dir: str | None = None
    config: dict[str, Any] = field(default_factory=dict)  # stored as JSON
    load_processes: int = 1
    target_url: str | None = None
    t_load_start: float | None = None  # epoch s: locust started
    t_measure_start: float | None = None  # epoch s: warm-up over
    t_measure_end: float | None = None  # epoch s: load over
    wall_s: float | None = None  # whole cell, runner overhead included
    # schema v4: the load, server and work axes, and where the cell ran
    work: str = "bcrypt"
    work_ms: float | None = None  # measured time of one call of the work kind
    connections: str | None = None
    balance: str | None = None
    server_app: str | None = None
    pool_size: int | None = None
    thread_limit: int | None = None
    db_pool_size: int | None = None
    probe_hz: float | None = None
    arrival: str | None = None
    rate: float | None = None
    arrival_process: str | None = None
    max_in_flight: int | None = None
    stalls_sampler: str | None = None
    dropped: int | None = None  # open loop: arrivals dropped at the in-flight cap
    host: str | None = None  # the machine the cell ran on
    overlapped_on_host: bool | None = None  # its window overlapped another cell's on that host
    # other processes on the host during the window (100 = one core), set at ingest
    foreign_cpu_pct: float | None = None
    foreign_cpu_max_pct: float | None = None
    foreign_load: bool | None = None
    slurm_job_id: str | None = None  # the SLURM job that ran the cell (its SLURM_JOB_ID)
    # the server's interpreter: as given (the runner's own when none), its version and build,
    # PYTHON_GIL as set, and what the running server found (GIL on in any of its processes)
    server_python: str | None = None
    python_gil: int | None = None
    python_version: str | None = None
    free_threaded: bool | None = None
    gil_enabled: bool | None = None
    gil_enabled_by: str | None = None  # the module(s) CPython named when it turned the GIL on


def columns(record_type: type[SweepRecord] | type[CellRecord]) -> list[str]:
    """Column names, in table order, of a record type."""
    return [f.name for f in dataclasses.fields(record_type)]


def values(record: SweepRecord | CellRecord) -> list[Any]:
    """Field values in column order (dicts left as dicts: the store serialises JSON)."""
    return [getattr(record, name) for name in columns(type(record))]
