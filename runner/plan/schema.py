"""The structured-config schema of conf/config.yaml, registered with Hydra's ConfigStore as
`syncblock_schema` (the first entry of its defaults list): a wrong type (`duration=abc`) or an
unknown key stops at compose time. Range and value checks live in `runner.plan.config.validate`."""

from __future__ import annotations

from dataclasses import dataclass, field

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from app.contract import DEFAULT_APP


@dataclass
class ScenarioConf:
    name: str = MISSING
    locustfile: str = MISSING
    requests: int | None = None  # sequential: consecutive requests per endpoint


@dataclass
class HashingConf:
    name: str = MISSING


@dataclass
class WorkConf:
    name: str = MISSING
    ms: float | None = None  # target time of one call (None: bcrypt's at bcrypt_rounds)


@dataclass
class DbConf:
    name: str = MISSING
    url: str | None = None  # may contain "{cell_dir}"; postgres with null: a throwaway server
    pool_size: int | None = None  # SQLAlchemy pool per worker (None: the driver's default)


@dataclass
class LoadConf:
    processes: int = 1
    deadline_margin: float = 90  # s locust may run past its run time before it is killed
    connections: str = "per_request"  # per_request | persistent
    probe_hz: float = 5.0  # steady health probes per second in load scenarios (0: off)
    probe_path: str | None = None  # what the probe GETs (None: our health route; the doctor's)
    arrival: str = "closed"  # closed | open
    workers: int = 0  # locust --worker processes started here, beside a --master (0: none)
    remote_workers: int = 0  # workers on other machines the master waits for
    master_bind: str = "127.0.0.1"  # --master-bind-host (non-loopback needs allow_remote)
    master_port: int | None = None  # --master-bind-port (null = a free one)
    rate: float | None = None  # open loop: offered requests/s
    process: str = "poisson"  # open loop: poisson | constant
    max_in_flight: int = 1000  # open loop: arrivals past this many in flight are dropped


@dataclass
class ServerConf:
    balance: str = "reuseport"  # reuseport (N processes, own sockets) | shared (uvicorn --workers)
    app: str = DEFAULT_APP  # ASGI import string served (wrapped by app.instrumentation)
    pool_size: int | None = None  # processpool size per worker (None: cores)
    thread_limit: int = 40  # anyio's thread limiter per worker
    python: str | None = None  # the server's interpreter, a path or a name on PATH (None: ours)
    python_gil: int | None = None  # PYTHON_GIL for the server: 0 (off, free-threaded) | 1 | None


@dataclass
class StallsConf:
    sampler: str = "watchdog"  # watchdog | pyspy
    stall_ms: float = 20.0  # a loop that has not run for this long is stalled


@dataclass
class DoctorConf:
    enabled: bool = False  # routes found by themselves, no locustfile (conf/doctor.yaml)
    routes: str | None = None  # YAML of example values, extra headers, routes to skip


@dataclass
class CompareConf:
    hashing: list[str] = field(default_factory=lambda: ["threadpool"])


@dataclass
class SyncblockConf:
    scenario: ScenarioConf = MISSING
    hashing: HashingConf = MISSING
    work: WorkConf = MISSING
    db: DbConf = MISSING
    workers: int = 1
    users: int = 5
    spawn_rate: float | None = None
    duration: float = 20
    warmup: float = 3
    repeat: int = 1
    bcrypt_rounds: int = 12
    store: str = "outputs/results.duckdb"
    port: int | None = None  # the server's port on 127.0.0.1 (None: a free one)
    target_url: str | None = None
    allow_remote: bool = False
    resume: bool = True
    baseline: bool = True  # add a sequential baseline cell per hashing strategy to a sweep
    compare: CompareConf = field(default_factory=CompareConf)
    load: LoadConf = field(default_factory=LoadConf)
    server: ServerConf = field(default_factory=ServerConf)
    stalls: StallsConf = field(default_factory=StallsConf)
    doctor: DoctorConf = field(default_factory=DoctorConf)


def register_configs() -> None:
    """Make the schema known to Hydra (idempotent)."""
    ConfigStore.instance().store(name="syncblock_schema", node=SyncblockConf)


register_configs()
