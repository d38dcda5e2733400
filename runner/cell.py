"""One cell: validate, skip if stored, measure S, serve, load, sample, stop, store.

`run_cell(cfg)` never raises for a failure of the cell itself: the failure is stored as
`status='failed'` with a one-line reason and returned. KeyboardInterrupt still stops every
process (context managers) and propagates; ingest is one transaction, so nothing is half-stored.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from app import contract
from runner.doctor.run import cell_plan, user_path_env
from runner.doctor.run import load_env as doctor_load_env
from runner.load.loadgen import LoadPlan, deadline_s, finish_locust, start_locust
from runner.load.openload import OPEN_LOCUSTFILE, dropped_in_window
from runner.plan.cellrow import Timings, Where, base_record
from runner.plan.config import validate
from runner.plan.spec import CellSpec
from runner.probe import gil
from runner.probe.pyspy import PySpyRecorders, write_stalls
from runner.probe.sampler import Sampler, load_targets
from runner.serve.databases import CellDatabase, cell_database, count_rows, write_db_json
from runner.serve.hashtime import hash_ms_for, median_hash_ms
from runner.serve.interpreter import Interpreter, cache_dir, own, ready
from runner.serve.serving import make_server, sampler_targets
from runner.serve.workcal import calibration_for, server_env, target_ms, work_ms
from runner.store import (
    CellRecord,
    connection,
    ensure_sweep,
    first_client_request,
    headline,
    hold_store,
    ingest_cell,
    note_reuse,
    ok_cell_id,
    sweep_id_for,
)
from runner.store.redact import redact, redact_data


@dataclass
class CellResult:
    """What a cell did: its identity, status, and headline numbers for the progress line."""

    cell_key: str
    status: str  # 'ok', 'failed' or 'skipped'
    params: dict[str, Any]
    cell_id: str | None = None
    error: str | None = None
    wall_s: float = 0.0
    dir: str | None = None
    # endpoint path -> {"avg_ms", "rps", "failures"} from cell_summary
    endpoints: dict[str, dict[str, float | None]] = field(default_factory=dict)


def one_line(exc: BaseException) -> str:
    """An exception as one line: type and the first line of its message (pure)."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()[:500]


def locate(cell_dir: Path | None, sweep_id: str | None, job_num: int | None) -> Where:
    """The cell's place: given explicitly (tests), else from the running Hydra job."""
    if cell_dir is not None:
        cell_dir = Path(cell_dir).resolve()
        return Where(cell_dir, sweep_id or sweep_id_for(cell_dir), job_num or 0)
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir).resolve()
    if hc.mode == RunMode.MULTIRUN:
        return Where(out, sweep_id or sweep_id_for(Path(hc.sweep.dir)), int(hc.job.num))
    return Where(out, sweep_id or sweep_id_for(out), 0)


def load_plan(spec: CellSpec, host: str) -> LoadPlan:
    return LoadPlan(
        locustfile=OPEN_LOCUSTFILE if spec.arrival == "open" else spec.locustfile,
        host=host,
        users=spec.effective_users,
        spawn_rate=spec.effective_spawn_rate,
        run_time_s=spec.run_time_s,
        processes=spec.load_processes,
        workers=spec.load_workers,
        remote_workers=spec.load_remote_workers,
        master_bind=spec.master_bind,
        master_port=spec.master_port,
        drain=not spec.answered_window,
    )


def sequential_budget_s(spec: CellSpec, hash_ms: float) -> float:
    """Time the sequential scenario may need: warm-up plus N requests per endpoint."""
    return spec.warmup + 2 * spec.requests * (2 * hash_ms / 1000 + 0.05)


def clear_artifacts(cell_dir: Path) -> None:
    """Remove what an earlier attempt in this directory left (an interrupted or re-run cell),
    so ingest never mixes its rows, logs or app database with this run's. Hydra's files stay."""
    for name in (contract.SERVER_DIR, contract.CLIENT_DIR):
        shutil.rmtree(cell_dir / name, ignore_errors=True)
    stale = [contract.CELL_JSON, contract.RESOURCES, contract.HOST_TICKS, contract.SERVER_LOG]
    stale.append(contract.LOCUST_LOG)
    stale.append(contract.GO_FILE)
    stale += [p.name for p in cell_dir.glob(f"{contract.APP_DB}*")]
    stale += [p.name for p in cell_dir.glob(f"{contract.LOCUST_PREFIX}_*.csv")]
    for name in stale:
        (cell_dir / name).unlink(missing_ok=True)


def measure(
    spec: CellSpec, cell_dir: Path, db_url: str | None = None, interp: Interpreter | None = None
) -> Timings:
    """Run the cell's processes and return its timings; raises on any failure.
    `db_url`: the app's database when the runner chose it (runner/serve/databases.py);
    `interp`: the server's interpreter (server.python; None: the runner's own)."""
    python = (interp or own()).python
    # the kinds are calibrated once per runner process and interpreter, to the S it measured
    # first ...
    target = target_ms(spec.work_ms, hash_ms_for(spec.bcrypt_rounds))
    work = calibration_for(spec.work, target, spec.bcrypt_rounds, python)
    # ... and every cell measures one hash of its own before its server starts: the report's S
    # falls back on the median of these, spread over the sweep
    hash_ms = median_hash_ms(spec.bcrypt_rounds, samples=1)
    cell_dir.mkdir(parents=True, exist_ok=True)
    clear_artifacts(cell_dir)
    server_dir = cell_dir / contract.SERVER_DIR
    # the doctor's cells send the calls of the app's plan (found once per sweep)
    doctor = doctor_load_env(spec, cell_plan(spec, cell_dir)) if spec.doctor else {}
    # a user's app imports from the directory the run started in, as in the runner
    user_path = {"PYTHONPATH": user_path_env()["PYTHONPATH"]} if spec.custom_app else {}
    with contextlib.ExitStack() as stack:
        targets = []
        server = None
        if spec.target_url:
            host = spec.target_url.rstrip("/")
        else:
            server = make_server(  # server.balance: uvicorn --workers, or N reuseport processes
                spec.balance,
                workers=spec.workers,
                env=spec.server_env(cell_dir)
                | server_env(work)
                | ({contract.DB_URL_ENV: db_url} if db_url else {})
                | user_path,
                log_path=cell_dir / contract.SERVER_LOG,
                port=spec.port,
                app=spec.served_app,
                ready_path=None if spec.custom_app else contract.HEALTH_PATH,
                python=python,
            )
            host = server.url
        plan = load_plan(spec, host)
        go = cell_dir / contract.GO_FILE  # created below: server ready, samplers running
        extra = (
            spec.load_env()
            | doctor
            | {
                contract.WAIT_FOR_TARGET_ENV: repr(float(server.start_timeout if server else 10.0)),
                contract.GO_FILE_ENV: str(go),
            }
        )
        # Locust imports while uvicorn starts (about a second saved per cell); its users wait
        # for the go file, and the window is anchored on their first request.
        locust = stack.enter_context(start_locust(plan, cell_dir, extra))
        if server is not None:
            stack.enter_context(server)
            targets.append(sampler_targets(server))
            if spec.stalls_sampler == "pyspy":  # py-spy on each worker, stopped before it
                stack.enter_context(PySpyRecorders(server_dir, server.worker_pids()))
        pid = locust.pid
        targets.append(load_targets(lambda: pid))
        for wpid in getattr(locust, "worker_pids", []):  # load.workers: each locust worker
            targets.append(load_targets(functools.partial(int, wpid)))
        ticks = cell_dir / contract.HOST_TICKS
        stack.enter_context(Sampler(cell_dir / contract.RESOURCES, targets, host_out=ticks))
        go.touch()
        budget = sequential_budget_s(spec, hash_ms)
        ended = finish_locust(locust, deadline_s(plan, budget, spec.deadline_margin))
    # leaving the stack: sampler written, server stopped (its logs flushed), locust reaped
    if server is not None and spec.stalls_sampler == "pyspy":
        write_stalls(server_dir, spec.stall_ms)
    start, end = measured_window(cell_dir, spec.warmup, spec.duration, spec.run_time_s, ended)
    dropped = None
    if spec.arrival == "open":
        dropped = dropped_in_window(cell_dir / contract.CLIENT_DIR, start + spec.warmup, end)
    return Timings(hash_ms, start, start + spec.warmup, end, work_ms(work, hash_ms), dropped)


def measured_window(
    cell_dir: Path, warmup: float, duration: float, run_time_s: float | None, ended: float
) -> tuple[float, float]:
    """(first request, end of the measured window), anchored on locust's first request.

    Locust needs a moment to start and waits for the server; counting from its process start
    would shorten the warm-up and stretch the window, so rps and in_warmup would be off.
    An open-ended load (sequential, run_time_s None) keeps its end: the moment locust finished.
    """
    first = first_client_request(cell_dir / contract.CLIENT_DIR)
    if first is None:
        raise RuntimeError("locust sent no request (see locust.log)")
    return first, (ended if run_time_s is None else first + warmup + duration)


def interpreter_columns(
    spec: CellSpec, interp: Interpreter | None, cell_dir: Path
) -> dict[str, Any]:
    """The `cells` columns of the server's interpreter: as prepared, then as the running
    server reported it (its GIL state; nothing of it with target_url, no server of ours)."""
    if interp is None:
        return {}
    return {
        "server_python": spec.server_python or interp.base,
        "python_version": interp.version,
        "free_threaded": interp.free_threaded,
    } | gil.read(cell_dir)


def store_cell(store: Path, rec: CellRecord, cell_dir: Path | None) -> dict[str, Any]:
    """Ingest the cell (one transaction) and read back its headline numbers."""
    with connection(store) as con:
        ensure_sweep(con, store, rec.sweep_id)
        ingest_cell(con, rec, cell_dir)
        return headline(con, rec.cell_id)


def run_cell(
    cfg: DictConfig | dict[str, Any],
    *,
    cell_dir: Path | None = None,
    sweep_id: str | None = None,
    job_num: int | None = None,
) -> CellResult:
    """Run one cell for real and store it; returns its result, failed or not."""
    t0 = time.monotonic()
    spec = validate(cfg)  # ConfigError before any process starts
    # the server's interpreter, its venv made once; InterpreterError before any process starts
    interp = None if spec.target_url else ready(spec, cache_dir())
    key = spec.key
    params = redact_data(spec.measurement())
    store = spec.store
    where = locate(cell_dir, sweep_id, job_num)
    hold_store(store, where.sweep_id)  # StoreBusy: another sweep owns this store
    with connection(store) as con:
        stored = ok_cell_id(con, key) if spec.resume else None
        if stored is not None:
            if stored[1] != where.sweep_id:
                note_reuse(con, store, where.sweep_id, stored[0])
            return CellResult(
                key, "skipped", params, cell_id=stored[0], wall_s=time.monotonic() - t0
            )
        ensure_sweep(con, store, where.sweep_id)  # started_at: when its first cell starts
    rec = base_record(spec, where)
    cdb: CellDatabase | None = None
    try:
        if not spec.target_url:  # may start the sweep's PostgreSQL server (once)
            cdb = cell_database(spec, where.cell_dir, where.sweep_id, where.job_num)
        timings = measure(spec, where.cell_dir, None if cdb is None else cdb.url, interp)
        rec = dataclasses.replace(rec, status="ok", **dataclasses.asdict(timings))
    except Exception as exc:  # any failure of the cell is stored, not raised
        rec = dataclasses.replace(rec, status="failed", error=redact(one_line(exc)))
    rec = dataclasses.replace(rec, **interpreter_columns(spec, interp, where.cell_dir))
    if cdb is not None:
        cdb.rows = count_rows(cdb)
        write_db_json(where.cell_dir, cdb)
    rec.finished_at = datetime.now(UTC)
    rec.wall_s = time.monotonic() - t0
    where.cell_dir.mkdir(parents=True, exist_ok=True)
    cell_json = json.dumps(dataclasses.asdict(rec), indent=2, default=str)
    (where.cell_dir / contract.CELL_JSON).write_text(cell_json)
    try:
        endpoints = store_cell(store, rec, where.cell_dir)
    except Exception as exc:
        rec.status, rec.error = "failed", f"ingest: {redact(one_line(exc))}"
        store_cell(store, rec, None)  # the cell row alone, with the reason
        endpoints = {}
    return CellResult(
        key,
        rec.status,
        params,
        cell_id=rec.cell_id,
        error=rec.error,
        wall_s=rec.wall_s,
        dir=str(where.cell_dir),
        endpoints=endpoints,
    )
