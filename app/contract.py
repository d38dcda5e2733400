"""The names every part of syncblock shares, in one place: the app, the runner, the locustfiles,
ingest, the analysis and the benchmarks all import them from here (and this module imports
nothing of theirs).

- URL paths and the request-id header of the app under test;
- environment variable names (the app's settings, the locustfiles' knobs);
- the files a cell directory holds;
- the JSONL records each side writes, field by field, with the DuckDB type ingest reads them as;
- the axes of a sweep as `Literal` types, with their tuples derived from them.

A cell directory (Hydra's job dir, or a temp dir in tests) holds:

    cell.json                 what the runner knows about the cell (config, timings, status)
    server/                   SYNCBLOCK_LOG_DIR of the app under test
        requests-<pid>.jsonl  SERVER_REQUEST_FIELDS, one line per request
        lag-<pid>.jsonl       LAG_FIELDS, one line per probe wake-up
        stalls-<pid>.jsonl    STALL_FIELDS, one line per loop stall (watchdog / py-spy)
        work-<pid>.json       the work kind's calibration in that process (when written)
        interp-<pid>.json     that process's interpreter: version, free-threaded, GIL on
    client/                   SYNCBLOCK_CLIENT_LOG_DIR of the locustfile
        requests-<pid>.jsonl  CLIENT_REQUEST_FIELDS, one line per client request
        dropped-<pid>.jsonl   DROPPED_FIELDS, one line per open-loop arrival dropped (cap full)
    locust_stats.csv, locust_stats_history.csv, locust_failures.csv, locust_exceptions.csv
                              locust's own CSVs (`--csv <dir>/locust --csv-full-history`)
    resources.jsonl           RESOURCE_FIELDS: psutil samples
    host.jsonl                HOST_FIELDS: the machine's CPU beside the cell's own, per tick
    app.db                    the app's SQLite database (fresh per cell)
    server.log, locust.log    the processes' stdout+stderr
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args

# The repository root (where `app`, `runner` and `conf` live): servers and locust run from here.
REPO_ROOT = Path(__file__).resolve().parents[1]
# One row of a query or a JSONL file, by column name.
Row = dict[str, Any]

# --- HTTP -------------------------------------------------------------------------------------
API_PREFIX = "/api"
REGISTER_PATH = "/api/users/register/"
LOGIN_PATH = "/api/users/login/"
HEALTH_PATH = "/api/health/"
REQUEST_ID_HEADER = "X-Request-ID"
DEFAULT_APP = "app.main:app"  # the study's own app, what `server.app` serves unless told
# uvicorn's timeout_graceful_shutdown (s) for the servers the runner starts. When a server stops,
# its load is over: what is still in flight was abandoned by its client (a closed load stops
# without draining), so it is cancelled after this long instead of served (a blocked loop would
# take queue x S). uvicorn's command line (server.balance=shared) takes whole seconds: 1 there.
GRACEFUL_SHUTDOWN_S = 0.1

# --- environment ------------------------------------------------------------------------------
HASHING_ENV = "SYNCBLOCK_HASHING"
DB_URL_ENV = "SYNCBLOCK_DB_URL"
LOG_DIR_ENV = "SYNCBLOCK_LOG_DIR"
BCRYPT_ROUNDS_ENV = "SYNCBLOCK_BCRYPT_ROUNDS"
WORK_ENV = "SYNCBLOCK_WORK"
WORK_MS_ENV = "SYNCBLOCK_WORK_MS"
WORK_COST_ENV = "SYNCBLOCK_WORK_COST"  # the kind's calibrated cost (set: no calibration)
POOL_SIZE_ENV = "SYNCBLOCK_POOL_SIZE"
THREAD_LIMIT_ENV = "SYNCBLOCK_THREAD_LIMIT"
DB_POOL_SIZE_ENV = "SYNCBLOCK_DB_POOL_SIZE"
STALL_MS_ENV = "SYNCBLOCK_STALL_MS"
WATCHDOG_ENV = "SYNCBLOCK_WATCHDOG"  # the stall watchdog (on with instrumentation; false: off)
APP_ENV = "SYNCBLOCK_APP"  # server.app other than ours: the import string app.user_app wraps
USER_APP = "app.user_app:app"  # what uvicorn serves then
# The locustfiles' knobs (set by the runner in locust's environment).
CLIENT_LOG_ENV = "SYNCBLOCK_CLIENT_LOG_DIR"
PASSWORD_ENV = "SYNCBLOCK_LOAD_PASSWORD"  # the password every simulated user registers with
WAIT_FOR_TARGET_ENV = "SYNCBLOCK_WAIT_FOR_TARGET"  # s to wait for the target's health
# A file the runner creates when the server is ready and its samplers run; locust (standalone
# or master) holds the load until it exists, so the runner's own readiness check never queues
# behind the users' requests.
GO_FILE_ENV = "SYNCBLOCK_GO_FILE"
SLURM_JOB_ID_ENV = "SLURM_JOB_ID"  # set by SLURM in a job: recorded as cells.slurm_job_id
WARMUP_ENV = "SYNCBLOCK_WARMUP"
SEQUENTIAL_REQUESTS_ENV = "SYNCBLOCK_SEQUENTIAL_REQUESTS"
CONNECTIONS_ENV = "SYNCBLOCK_CONNECTIONS"
PROBE_HZ_ENV = "SYNCBLOCK_PROBE_HZ"
PROBE_PATH_ENV = "SYNCBLOCK_PROBE_PATH"  # what the steady probe GETs (default HEALTH_PATH)
DRAIN_ENV = "SYNCBLOCK_LOAD_DRAIN"  # '0': a closed timed load; the probe stops without draining
ARRIVAL_ENV = "SYNCBLOCK_ARRIVAL"
RATE_ENV = "SYNCBLOCK_RATE"
ARRIVAL_PROCESS_ENV = "SYNCBLOCK_ARRIVAL_PROCESS"
MAX_IN_FLIGHT_ENV = "SYNCBLOCK_MAX_IN_FLIGHT"
ARRIVAL_MIX_ENV = "SYNCBLOCK_ARRIVAL_MIX"  # open loop: endpoint weights, 'register:5,health:1'
LOAD_PROCESSES_ENV = "SYNCBLOCK_LOAD_PROCESSES"  # open loop: rate and cap are split over these
ARRIVAL_SPANS_ENV = "SYNCBLOCK_ARRIVAL_SPANS"  # open loop: 'warmup,duration' s (poisson counts)

# --- the axes of a sweep ----------------------------------------------------------------------
Scenario = Literal["register", "health", "mixed", "sequential"]
Hashing = Literal["blocking", "sync_def", "threadpool", "processpool"]
Work = Literal["bcrypt", "argon2id", "pbkdf2_python", "gil_c", "sleep"]
Connections = Literal["per_request", "persistent"]
Balance = Literal["shared", "reuseport"]
DbName = Literal["sqlite", "postgres"]
Arrival = Literal["closed", "open"]
ArrivalProcess = Literal["poisson", "constant"]
StallSampler = Literal["watchdog", "pyspy"]
Side = Literal["client", "server"]
Source = Literal["user", "probe"]
Role = Literal["server_master", "server_worker", "load_generator"]
# What kind of call held a stalled loop (the doctor's diagnosis), and the fix that frees it.
StallKind = Literal["gil_released", "gil_held", "wait"]
Fix = Literal["threadpool", "processpool", "async"]

SCENARIOS: tuple[Scenario, ...] = get_args(Scenario)
HASHINGS: tuple[Hashing, ...] = get_args(Hashing)
WORKS: tuple[Work, ...] = get_args(Work)
CONNECTIONS: tuple[Connections, ...] = get_args(Connections)
BALANCES: tuple[Balance, ...] = get_args(Balance)
DB_NAMES: tuple[DbName, ...] = get_args(DbName)
ARRIVALS: tuple[Arrival, ...] = get_args(Arrival)
ARRIVAL_PROCESSES: tuple[ArrivalProcess, ...] = get_args(ArrivalProcess)
STALL_SAMPLERS: tuple[StallSampler, ...] = get_args(StallSampler)
STALL_KINDS: tuple[StallKind, ...] = get_args(StallKind)
FIXES: tuple[Fix, ...] = get_args(Fix)
LOAD_SCENARIOS: tuple[Scenario, ...] = ("register", "health", "mixed")
# Endpoint weights of each load scenario (register:health = 5:1 in mixed, the study's ratio):
# the closed-loop locustfiles' task weights and the open-loop arrivals' mix.
LOAD_MIX: dict[str, dict[str, int]] = {
    "register": {"register": 1},
    "health": {"health": 1},
    "mixed": {"register": 5, "health": 1},
}

# --- the event loop's own frames ---------------------------------------------------------------
# A stack frame in these modules is the loop itself running (waiting for a core, the GIL or I/O),
# not code that holds it: stall attribution skips them, in the runner and in the report.
LOOP_MODULES = ("asyncio.runners", "asyncio.base_events", "asyncio.events", "selectors", "uvloop")


def is_loop_frame(label: str) -> bool:
    """Is 'module:function:line' the event loop's own running code?"""
    module = label.split(":", 1)[0]
    return any(module == m or module.startswith(m + ".") for m in LOOP_MODULES)


# Frames every request of an ASGI app passes through before the app's own code: the process
# entry, the server, the event loop, the framework and our instrumentation. The report cuts
# them from the top of stall stacks, so a stack starts at the route or the app's code.
FRAMEWORK_MODULES = (
    "__main__", "runpy", "multiprocessing", "threading", "concurrent", "contextlib", "asyncio",
    "selectors", "uvloop", "uvicorn", "h11", "httptools", "starlette", "fastapi", "anyio",
    "sniffio", "runner", "app.instrumentation", "app.user_app",
)  # fmt: skip


def is_framework_frame(label: str) -> bool:
    """Is 'module:function:line' the server's, the loop's or the framework's code?"""
    module = label.split(":", 1)[0]
    return any(module == m or module.startswith(m + ".") for m in FRAMEWORK_MODULES)


# --- cell files -------------------------------------------------------------------------------
CELL_JSON = "cell.json"
SERVER_DIR = "server"
CLIENT_DIR = "client"
REQUESTS_GLOB = "requests-*.jsonl"
LAG_GLOB = "lag-*.jsonl"
STALLS_GLOB = "stalls-*.jsonl"
DROPPED_GLOB = "dropped-*.jsonl"
INTERP_GLOB = "interp-*.json"
LOCUST_PREFIX = "locust"
RESOURCES = "resources.jsonl"
HOST_TICKS = "host.jsonl"  # HOST_FIELDS: the machine's CPU beside the cell's own, per tick
APP_DB = "app.db"
SERVER_LOG = "server.log"
GO_FILE = ".go"  # see GO_FILE_ENV
LOCUST_LOG = "locust.log"


def requests_file(log_dir: Path, pid: int) -> Path:
    return log_dir / f"requests-{pid}.jsonl"


def lag_file(log_dir: Path, pid: int) -> Path:
    return log_dir / f"lag-{pid}.jsonl"


def dropped_file(log_dir: Path, pid: int) -> Path:
    return log_dir / f"dropped-{pid}.jsonl"


def stalls_file(log_dir: Path, pid: int) -> Path:
    return log_dir / f"stalls-{pid}.jsonl"


def work_file(log_dir: Path, pid: int) -> Path:
    return log_dir / f"work-{pid}.json"


def interp_file(log_dir: Path, pid: int) -> Path:
    return log_dir / f"interp-{pid}.json"


def locust_csv(cell_dir: Path, kind: str) -> Path:
    """kind: 'stats', 'stats_history', 'failures' or 'exceptions'."""
    return cell_dir / f"{LOCUST_PREFIX}_{kind}.csv"


# --- JSONL records: field -> DuckDB type (ingest reads exactly these, nothing auto-detected) -
# Fields that a record may lack (older files, or a feature that is off) read as NULL.
SERVER_REQUEST_FIELDS: dict[str, str] = {
    "request_id": "VARCHAR",
    "method": "VARCHAR",
    "path": "VARCHAR",
    "status": "INTEGER",
    "t_start": "DOUBLE",  # epoch s
    "duration_ms": "DOUBLE",
    "pid": "INTEGER",
    "db_ms": "DOUBLE",  # time spent in the database call(s) of this request, if any
}
CLIENT_REQUEST_FIELDS: dict[str, str] = {
    "request_id": "VARCHAR",
    "method": "VARCHAR",
    "path": "VARCHAR",
    "status": "INTEGER",
    "t_start": "DOUBLE",  # epoch s: when the request was actually sent
    "duration_ms": "DOUBLE",
    "pid": "INTEGER",
    "ok": "BOOLEAN",  # locust's own verdict
    "error": "VARCHAR",
    "source": "VARCHAR",  # 'user' or 'probe'
    "t_intended": "DOUBLE",  # epoch s: when an open-loop schedule meant to send it
}
# An open-loop arrival that found load.max_in_flight requests in flight and was not sent.
DROPPED_FIELDS: dict[str, str] = {"t_intended": "DOUBLE", "kind": "VARCHAR", "pid": "INTEGER"}
LAG_FIELDS: dict[str, str] = {"pid": "INTEGER", "t": "DOUBLE", "lag_ms": "DOUBLE"}
RESOURCE_FIELDS: dict[str, str] = {
    "t": "DOUBLE",
    "role": "VARCHAR",
    "pid": "INTEGER",
    "cpu_percent": "DOUBLE",
    "rss_bytes": "BIGINT",
}
HOST_FIELDS: dict[str, str] = {
    "t": "DOUBLE",
    "host_cpu_percent": "DOUBLE",  # the whole machine, 100 = one core
    "own_cpu_percent": "DOUBLE",  # the runner and its descendants: the cell's own processes
}
STALL_FIELDS: dict[str, str] = {
    "pid": "INTEGER",
    "t_start": "DOUBLE",
    "duration_ms": "DOUBLE",
    "samples": "INTEGER",
    "stack": "VARCHAR[]",  # 'module:function:line', outermost first
    "leaf": "VARCHAR",
    "late": "BOOLEAN",
    "source": "VARCHAR",  # 'watchdog' or 'py-spy'
    # The watchdog's evidence of the kind of call (see app/watchdog.py); NULL from py-spy.
    "late_ms": "DOUBLE",  # how late its first capture came after it was due
    "wait_ms": "DOUBLE",  # mean time its later captures waited for the GIL
    "cpu_ms": "DOUBLE",  # CPU time the loop thread burned over cpu_window_ms of the stall
    "core_wait_ms": "DOUBLE",  # time the loop thread waited for a core, same window
    "cpu_window_ms": "DOUBLE",  # wall time, inside the stall, that cpu_ms was read over
}

# --- the doctor ---
# `python -m runner.doctor.discover` writes the call plan (JSON); the doctor's locustfile
# (runner/load/locustfiles/doctor.py) reads it from DOCTOR_PLAN_ENV and sends its calls.
DOCTOR_PLAN_ENV = "SYNCBLOCK_DOCTOR_PLAN"  # path of the call plan
DOCTOR_MODE_ENV = "SYNCBLOCK_DOCTOR_MODE"  # DoctorMode: how the locustfile sends the plan
DOCTOR_PLAN_FILE = "plan.json"  # the call plan's name in a doctor run's directory
# mix: every route of the plan in turn, under load (equal shares); sequential: one user, each
# route alone, SEQUENTIAL_REQUESTS_ENV requests in a row.
DoctorMode = Literal["mix", "sequential"]
DOCTOR_MODES: tuple[DoctorMode, ...] = get_args(DoctorMode)
