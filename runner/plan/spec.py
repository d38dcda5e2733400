"""`CellSpec`: one cell's validated, typed settings, frozen; what every part of the runner reads.

`runner.plan.config.validate()` builds it from Hydra's config; nothing else reads the config
by string keys. The derived values (effective users and spawn rate, requests, run time, the app's
environment) are computed here once, and `measurement()` is what the cell key hashes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import MISSING, Field, dataclass, field, fields
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
from runner.load.arrivals import format_mix

DEFAULT_SEQUENTIAL_REQUESTS = 100
DOCTOR_LOCUSTFILE = "doctor.py"  # runner/load/locustfiles/: calls the routes the doctor found


AXIS = "syncblock.axis"  # dataclass field metadata of an axis: see `axis`


def axis(conf: str, *, column: str | None = "", key: bool = True, default: Any = MISSING) -> Any:
    """A CellSpec field read from the config at the dotted path `conf`, hashed into the cell key
    (unless `key=False`) and stored in `cells.<column>` (default: the field's name; None: not
    stored). Adding an axis is this one line, its schema field, its column and its use."""
    meta = {AXIS: {"conf": conf, "column": column, "key": key}}
    return field(metadata=meta) if default is MISSING else field(default=default, metadata=meta)


@dataclass(frozen=True)
class CellSpec:
    """Everything that defines one cell, validated. Axes first, then where and how it runs."""

    scenario: Scenario = axis("scenario.name")
    locustfile: str = axis("scenario.locustfile", column=None, key=False)  # see measurement()
    hashing: Hashing = axis("hashing.name")
    work: Work = axis("work.name")
    work_ms: float | None = axis("work.ms", column=None)  # target of one call (None: bcrypt's)
    db: DbName = axis("db.name")
    db_url: str | None = axis("db.url", column=None)  # may hold "{cell_dir}"; None: throwaway
    db_pool_size: int | None = axis("db.pool_size")  # stored resolved (app.db.max_connections)
    workers: int = axis("workers")
    users: int = axis("users")  # as configured; `effective_users` is what locust runs
    spawn_rate: float | None = axis("spawn_rate")
    duration: float = axis("duration", column="duration_s")
    warmup: float = axis("warmup", column="warmup_s")
    repeat: int = axis("repeat")
    bcrypt_rounds: int = axis("bcrypt_rounds")
    requests_per_endpoint: int | None = axis("scenario.requests", column=None)  # sequential
    connections: Connections = axis("load.connections")
    balance: Balance = axis("server.balance")
    server_app: str = axis("server.app")
    pool_size: int | None = axis("server.pool_size")
    thread_limit: int = axis("server.thread_limit")
    probe_hz: float = axis("load.probe_hz")
    arrival: Arrival = axis("load.arrival")
    rate: float | None = axis("load.rate")
    arrival_process: ArrivalProcess = axis("load.process")
    max_in_flight: int = axis("load.max_in_flight")
    stalls_sampler: StallSampler = axis("stalls.sampler")
    stall_ms: float = axis("stalls.stall_ms", column=None)
    load_processes: int = axis("load.processes", default=1)
    # keyed only when set, so the cells on the runner's own interpreter keep their keys
    server_python: str | None = axis("server.python", key=False, default=None)
    python_gil: int | None = axis("server.python_gil", key=False, default=None)
    # keyed only when set, so the cells stored before them keep their keys (see measurement())
    probe_path: str | None = axis("load.probe_path", column=None, key=False, default=None)
    doctor: bool = axis("doctor.enabled", column=None, key=False, default=False)
    doctor_routes: str | None = axis("doctor.routes", column=None, key=False, default=None)
    target_url: str | None = axis("target_url", default=None)
    # keyed only when set, so single-process loads keep their keys (see measurement())
    load_workers: int = axis("load.workers", column=None, key=False, default=0)
    load_remote_workers: int = axis("load.remote_workers", column=None, key=False, default=0)
    # where and how it runs: not part of the measurement
    master_bind: str = axis("load.master_bind", column=None, key=False, default="127.0.0.1")
    master_port: int | None = axis("load.master_port", column=None, key=False, default=None)
    deadline_margin: float = axis("load.deadline_margin", column=None, key=False, default=90.0)
    store: Path = axis("store", column=None, key=False, default=Path("outputs/results.duckdb"))
    port: int | None = axis("port", column=None, key=False, default=None)
    allow_remote: bool = axis("allow_remote", column=None, key=False, default=False)
    resume: bool = axis("resume", column=None, key=False, default=True)
    # sweep-level: the sequential baseline cells and the comparison strategies a sweep adds
    baseline: bool = axis("baseline", column=None, key=False, default=True)
    compare_hashing: tuple[Hashing, ...] = axis(
        "compare.hashing", column=None, key=False, default=("threadpool",)
    )
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
        runs one scheduler per locust process (runner/load/locustfiles/open_loop.py)."""
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
        if self.custom_app and self.probe_target is None and not self.doctor:
            return 0.0  # a user's app has no health route of ours; the doctor picks one
        return self.probe_hz if self.scenario in ("mixed", "register") else 0.0

    @property
    def probe_target(self) -> str | None:
        """The path the probe GETs: as configured, else our health route on our own app. The
        doctor's cells choose theirs when they run (the cheapest GET route)."""
        return self.probe_path or (None if self.custom_app else contract.HEALTH_PATH)

    @property
    def custom_app(self) -> bool:
        return self.server_app != DEFAULT_APP

    @property
    def served_app(self) -> str:
        """What uvicorn serves: ours, or the user's app wrapped by `instrument` (app.user_app)."""
        return contract.USER_APP if self.custom_app else self.server_app

    def measurement(self) -> dict[str, Any]:
        """The settings that define a measurement (what `cell_key` hashes), repeat included.

        Every keyed axis, with the values locust really runs (users, spawn rate, probes).
        A locustfile other than the scenario's own is a different load, so it is keyed then;
        so are locust workers, when there are any."""
        out = {AXIS_KEY_NAMES.get(f.name, f.name): getattr(self, f.name) for f in keyed_axes()}
        out |= {
            "users": self.effective_users,
            "spawn_rate": self.effective_spawn_rate,
            "probe_hz": self.effective_probe_hz,
        }
        if self.locustfile != f"{self.scenario}.py":
            out["locustfile"] = self.locustfile
        out |= {
            name: getattr(self, name)
            for name in ("probe_path", "doctor_routes", "server_python", "python_gil")
            if getattr(self, name) is not None
        }
        if self.load_workers or self.load_remote_workers:
            out |= {
                "load_workers": self.load_workers,
                "load_remote_workers": self.load_remote_workers,
            }
        return out

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
        if self.python_gil is not None:  # CPython's own switch, read at interpreter start
            env["PYTHON_GIL"] = str(self.python_gil)
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
        if self.probe_target is not None:
            env[contract.PROBE_PATH_ENV] = self.probe_target
        if self.rate is not None:
            env[contract.RATE_ENV] = repr(float(self.rate))
        if self.arrival == "open":
            env[contract.ARRIVAL_MIX_ENV] = format_mix(contract.LOAD_MIX[self.scenario])
            split = self.load_workers + self.load_remote_workers or self.load_processes
            env[contract.LOAD_PROCESSES_ENV] = str(split)
            env[contract.ARRIVAL_SPANS_ENV] = f"{float(self.warmup)!r},{float(self.duration)!r}"
        return env


AXIS_KEY_NAMES = {"requests_per_endpoint": "requests"}  # the cell key's name, where it differs


def axes() -> list[Field[Any]]:
    """CellSpec's fields read from the config, in declaration order."""
    return [f for f in fields(CellSpec) if AXIS in f.metadata]


def keyed_axes() -> list[Field[Any]]:
    return [f for f in axes() if f.metadata[AXIS]["key"]]


def stored_axes() -> dict[str, str]:
    """CellSpec field -> its `cells` column, for the axes a cell's row records."""
    out: dict[str, str] = {}
    for f in axes():
        column = f.metadata[AXIS]["column"]
        if column is not None:
            out[f.name] = column or f.name
    return out
