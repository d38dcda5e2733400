"""The doctor's side of a run: the call plan found once per sweep (before any cell, so bad
input stops with one line) and handed to each cell, and the locust settings it implies."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from app import contract
from runner.doctor.plan import DoctorInputError, Plan, from_json
from runner.plan.spec import CellSpec
from runner.processes.proc import ManagedProcess

DISCOVER_TIMEOUT_S = 120.0  # importing the app, generating calls, one first call per route
EXIT_BAD_INPUT = 2  # runner/doctor/discover.py's exit code for a user's input it cannot use


def user_path_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment with the directory the run started in first on PYTHONPATH, so a user's
    `server.app=mypkg.asgi:app` imports in the server as it does in the runner."""
    base = dict(os.environ if env is None else env)
    parts = [os.getcwd(), *(p for p in base.get("PYTHONPATH", "").split(os.pathsep) if p)]
    return base | {"PYTHONPATH": os.pathsep.join(dict.fromkeys(parts))}


def discover(spec: CellSpec, out: Path) -> Plan:
    """Write the app's call plan to `out` (first calls made); DoctorInputError with the
    command's one line when the app, its schema or the routes file cannot be used."""
    argv = [sys.executable, "-m", "runner.doctor.discover", spec.server_app, "--out", str(out)]
    argv += ["--first-call", *(["--routes", spec.doctor_routes] if spec.doctor_routes else [])]
    log = out.with_suffix(".log")
    log.unlink(missing_ok=True)
    proc = ManagedProcess(argv, log_path=log, env=user_path_env(), cwd=Path.cwd()).start()
    try:
        code = proc.wait(DISCOVER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise DoctorInputError(
            f"server.app={spec.server_app!r}: finding its routes took over "
            f"{DISCOVER_TIMEOUT_S:.0f} s (see {log})"
        ) from None
    finally:
        proc.stop()
    lines = [x for x in log.read_text(errors="replace").splitlines() if x.strip()]
    if code != 0:
        why = lines[-1] if code == EXIT_BAD_INPUT and lines else f"exit {code} (see {log})"
        raise DoctorInputError(why)
    return from_json(out.read_text(encoding="utf-8"))


def cell_plan(spec: CellSpec, cell_dir: Path) -> Path:
    """The cell's own copy of the sweep's plan (found now when the sweep has none)."""
    mine = cell_dir / contract.DOCTOR_PLAN_FILE
    sweeps = cell_dir.parent / contract.DOCTOR_PLAN_FILE
    if sweeps.is_file():
        shutil.copyfile(sweeps, mine)
    else:
        discover(spec, mine)
    return mine


def load_env(spec: CellSpec, plan_path: Path) -> dict[str, str]:
    """Locust's doctor settings: the plan, the mode, and the probe on the plan's probe route
    (no probe when the app has no GET route that can be called bare)."""
    plan = from_json(plan_path.read_text(encoding="utf-8"))
    env = {
        contract.DOCTOR_PLAN_ENV: str(plan_path),
        contract.DOCTOR_MODE_ENV: "sequential" if spec.sequential else "mix",
    }
    if plan.probe_path is None:
        return env | {contract.PROBE_HZ_ENV: "0"}
    return env | {contract.PROBE_PATH_ENV: spec.probe_path or plan.probe_path}
