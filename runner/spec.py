"""`CellSpec`: one cell's validated, typed settings, frozen; what every part of the runner reads.

`runner.config.validate()` builds it from Hydra's config; nothing else reads the config by string
keys. The derived values (effective users and spawn rate, requests, run time, the app's
environment) are computed here once, and `measurement()` is what the cell key hashes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app import contract
from app.contract import (
    DEFAULT_APP,
    Arrival,
    ArrivalProcess,
    Balance,
    Connections,
    DbName,
    Hashing,
    Scenario,
    StallSampler,
    Work,
)

DEFAULT_SEQUENTIAL_REQUESTS = 100


@dataclass(frozen=True)
class CellSpec:
    """Everything that defines one cell, validated. Axes first, then where and how it runs."""

    scenario: Scenario
    locustfile: str  # a file under runner/locustfiles/, or a path
    hashing: Hashing
    work: Work
    work_ms: float | None  # target time of one call (None: bcrypt's at bcrypt_rounds)
    db: DbName
    db_url: str | None  # may hold "{cell_dir}"; None with postgres: a throwaway server
    db_pool_size: int | None
    workers: int
    users: int  # as configured; `effective_users` is what locust runs
    spawn_rate: float | None
    duration: float
    warmup: float
    repeat: int
    bcrypt_rounds: int
    requests_per_endpoint: int | None  # sequential: consecutive requests per endpoint
    connections: Connections
    balance: Balance
    server_app: str
    pool_size: int | None
    thread_limit: int
    probe_hz: float
    arrival: Arrival
    rate: float | None
    arrival_process: ArrivalProcess
    max_in_flight: int
    stalls_sampler: StallSampler
    stall_ms: float
    load_processes: int = 1
    load_workers: int = 0  # locust workers started on this machine beside a master
    load_remote_workers: int = 0  # locust workers on other machines
    master_bind: str = "127.0.0.1"
    master_port: int | None = None
    deadline_margin: float = 90.0
    store: Path = Path("outputs/results.duckdb")
    port: int | None = None
    target_url: str | None = None
    allow_remote: bool = False
    resume: bool = True
    baseline: bool = True  # sweep-level: add the sequential baseline cells
    compare_hashing: tuple[Hashing, ...] = ("threadpool",)  # sweep-level: comparison cells
    config: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    # --- derived ------------------------------------------------------------------------------
    @property
    def sequential(self) -> bool:
        return self.scenario == "sequential"

    @property
    def answered_window(self) -> bool:
        """A closed, timed load: its window counts the requests answered inside it, and it
        stops at the window's end without draining (the rule of `cell_window` in the store's
        views.sql). Open loops and the sequential scenario drain and count requests sent."""
        return self.arrival == "closed" and not self.sequential

    @property
    def effective_users(self) -> int:
        """Users locust runs: the sequential scenario is always one user; an open-loop load
        runs one scheduler per locust process (runner/locustfiles/open_loop.py)."""
        if self.arrival == "open":
            return self.load_processes
        return 1 if self.sequential else self.users

    @property
    def effective_spawn_rate(self) -> float:
        """Users started per second: null means all at once (= users)."""
        return float(self.effective_users if self.spawn_rate is None else self.spawn_rate)

    @property
    def requests(self) -> int:
        """Consecutive requests per endpoint of the sequential scenario."""
        return self.requests_per_endpoint or DEFAULT_SEQUENTIAL_REQUESTS

    @property
    def run_time_s(self) -> float | None:
        """Locust's run time; None when the locustfile stops itself (sequential)."""
        return None if self.sequential else self.warmup + self.duration

    @property
    def effective_probe_hz(self) -> float:
        """Health probes/s locust sends: only the load scenarios with registrations (mixed,
        register) are probed; health is all health already, and a probe would break the
        sequential baseline's one-request-at-a-time."""
        return self.probe_hz if self.scenario in ("mixed", "register") else 0.0

    @property
    def custom_app(self) -> bool:
        return self.server_app != DEFAULT_APP

    @property
    def served_app(self) -> str:
        """What uvicorn serves: ours, or the user's app wrapped by `instrument` (app.user_app)."""
        return contract.USER_APP if self.custom_app else self.server_app

    def measurement(self) -> dict[str, Any]:
        """The settings that define a measurement (what `cell_key` hashes), repeat included.

        Sweep-level knobs (baseline, compare.hashing), where things are stored and whether to
        resume are not part of it. A locustfile other than the scenario's own is a different
        load, so it is part of the key."""
        custom: dict[str, Any] = (
            {} if self.locustfile == f"{self.scenario}.py" else {"locustfile": self.locustfile}
        )
        if self.load_workers or self.load_remote_workers:  # keys of single-process load unchanged
            custom |= {
                "load_workers": self.load_workers,
                "load_remote_workers": self.load_remote_workers,
            }
        return custom | {
            "scenario": self.scenario,
            "requests": self.requests_per_endpoint,
            "hashing": self.hashing,
            "work": self.work,
            "work_ms": self.work_ms,
            "db": self.db,
            "db_url": self.db_url,
            "db_pool_size": self.db_pool_size,
            "workers": self.workers,
            "users": self.effective_users,
            "spawn_rate": self.effective_spawn_rate,
            "duration": self.duration,
            "warmup": self.warmup,
            "repeat": self.repeat,
            "bcrypt_rounds": self.bcrypt_rounds,
            "load_processes": self.load_processes,
            "target_url": self.target_url,
            "connections": self.connections,
            "balance": self.balance,
            "server_app": self.server_app,
            "pool_size": self.pool_size,
            "thread_limit": self.thread_limit,
            "probe_hz": self.effective_probe_hz,
            "arrival": self.arrival,
            "rate": self.rate,
            "arrival_process": self.arrival_process,
            "max_in_flight": self.max_in_flight,
            "stalls_sampler": self.stalls_sampler,
            "stall_ms": self.stall_ms,
        }

    @property
    def key(self) -> str:
        """A stable hash of the measurement settings: equal keys mean the same measurement."""
        blob = json.dumps(self.measurement(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def db_url_for(self, cell_dir: Path) -> str | None:
        return None if self.db_url is None else self.db_url.replace("{cell_dir}", str(cell_dir))

    def server_env(self, cell_dir: Path) -> dict[str, str]:
        """The app's settings for this cell (pure): SYNCBLOCK_* variables."""
        env = {
            contract.HASHING_ENV: self.hashing,
            contract.LOG_DIR_ENV: str(cell_dir / contract.SERVER_DIR),
            contract.BCRYPT_ROUNDS_ENV: str(self.bcrypt_rounds),
            contract.WORK_ENV: self.work,
            contract.THREAD_LIMIT_ENV: str(self.thread_limit),
            contract.STALL_MS_ENV: repr(float(self.stall_ms)),
        }
        url = self.db_url_for(cell_dir)
        optional = {
            contract.APP_ENV: self.server_app if self.custom_app else None,
            contract.DB_URL_ENV: url,
            contract.WORK_MS_ENV: None if self.work_ms is None else repr(float(self.work_ms)),
            contract.POOL_SIZE_ENV: None if self.pool_size is None else str(self.pool_size),
            contract.DB_POOL_SIZE_ENV: None
            if self.db_pool_size is None
            else str(self.db_pool_size),
        }
        return env | {k: v for k, v in optional.items() if v is not None}

    def load_env(self) -> dict[str, str]:
        """The locustfiles' knobs for this cell (pure)."""
        env = {
            contract.WARMUP_ENV: repr(float(self.warmup)),
            contract.SEQUENTIAL_REQUESTS_ENV: str(self.requests),
            contract.CONNECTIONS_ENV: self.connections,
            contract.PROBE_HZ_ENV: repr(float(self.effective_probe_hz)),
            contract.ARRIVAL_ENV: self.arrival,
            contract.ARRIVAL_PROCESS_ENV: self.arrival_process,
            contract.MAX_IN_FLIGHT_ENV: str(self.max_in_flight),
            contract.DRAIN_ENV: "0" if self.answered_window else "1",
        }
        if self.rate is not None:
            env[contract.RATE_ENV] = repr(float(self.rate))
        if self.arrival == "open":
            mix = contract.LOAD_MIX[self.scenario]
            env[contract.ARRIVAL_MIX_ENV] = ",".join(f"{k}:{w}" for k, w in mix.items())
            split = self.load_workers + self.load_remote_workers or self.load_processes
            env[contract.LOAD_PROCESSES_ENV] = str(split)
            env[contract.ARRIVAL_SPANS_ENV] = f"{float(self.warmup)!r},{float(self.duration)!r}"
        return env
