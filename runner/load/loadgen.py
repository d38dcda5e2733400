"""Locust, headless, as a managed child process with a hard deadline."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from app.contract import CLIENT_DIR, CLIENT_LOG_ENV, LOCUST_LOG, LOCUST_PREFIX, REPO_ROOT
from runner.load.distload import start_distributed
from runner.processes.proc import ManagedProcess

LOCUSTFILES = Path(__file__).resolve().parent / "locustfiles"
# locust --stop-timeout of a load that drains: its in-flight requests finish, so both sides log
# them (open loop: the queue's tail is the measurement; sequential: it stops itself anyway).
# A closed timed load does not drain (stop timeout 0): its window counts the requests answered
# inside it (runner/store/views.sql, cell_window), so what is in flight at its end is dropped.
STOP_TIMEOUT_S = 30


class LoadError(RuntimeError):
    """Locust failed: non-zero exit or past its deadline; the message is one line."""


@dataclass(frozen=True)
class LoadPlan:
    locustfile: str  # file name under runner/load/locustfiles/, or a path to the user's own
    host: str
    users: int
    spawn_rate: float
    run_time_s: float | None  # None: the locustfile stops itself (sequential)
    processes: int = 1
    workers: int = 0  # locust --worker processes here, beside a --master (runner/load/distload.py)
    remote_workers: int = 0  # workers on other machines the master waits for
    master_bind: str = "127.0.0.1"
    master_port: int | None = None
    drain: bool = True  # wait for in-flight requests at the end (else: stop at once)


CLIENT_LOG = "client_log.py"  # added to a user's locustfile: records client rows like ours


def find_locustfile(name: str) -> Path | None:
    """Our locustfile of that name, else that path (relative to the cwd), else None."""
    for candidate in (LOCUSTFILES / name, Path(name)):
        if candidate.is_file():
            return candidate.resolve()
    return None


def locustfile_arg(name: str) -> str:
    """locust's -f: ours alone, or the user's file plus our client-row logger."""
    found = find_locustfile(name) or Path(name)
    if found.parent == LOCUSTFILES.resolve():
        return str(found)
    return f"{found},{LOCUSTFILES / CLIENT_LOG}"


def locust_argv(plan: LoadPlan, cell_dir: Path) -> list[str]:
    """The locust command line for a plan (pure)."""
    argv = [
        sys.executable,
        "-m",
        "locust",
        "--headless",
        "--only-summary",
        "-f",
        locustfile_arg(plan.locustfile),
        "-H",
        plan.host,
        "-u",
        str(plan.users),
        "-r",
        f"{plan.spawn_rate:g}",
        "--csv",
        str(cell_dir / LOCUST_PREFIX),
        "--csv-full-history",
        "--stop-timeout",
        str(STOP_TIMEOUT_S if plan.drain else 0),
        "--exit-code-on-error",
        "0",
    ]
    if plan.run_time_s is not None:
        argv += ["-t", f"{max(1, round(plan.run_time_s))}s"]
    if plan.processes > 1:
        argv += ["--processes", str(plan.processes)]
    return argv


DEADLINE_MARGIN_S = STOP_TIMEOUT_S + 60
HUNG_STOP_TIMEOUT_S = 3  # grace for a locust past its deadline before SIGKILL


def deadline_s(
    plan: LoadPlan, sequential_budget_s: float, margin_s: float = DEADLINE_MARGIN_S
) -> float:
    """How long locust may run before it is killed: its run time plus a generous margin."""
    body = plan.run_time_s if plan.run_time_s is not None else sequential_budget_s
    return body + margin_s


def locust_env(cell_dir: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """The environment of the locust process: client log dir, import path, scenario knobs."""
    env = dict(os.environ)
    env[CLIENT_LOG_ENV] = str(cell_dir / CLIENT_DIR)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


def start_locust(plan: LoadPlan, cell_dir: Path, extra_env: Mapping[str, str]) -> ManagedProcess:
    (cell_dir / CLIENT_DIR).mkdir(parents=True, exist_ok=True)
    if plan.workers or plan.remote_workers:
        return start_distributed(
            locust_argv(plan, cell_dir),
            workers=plan.workers,
            remote_workers=plan.remote_workers,
            bind=plan.master_bind,
            port=plan.master_port,
            log_path=cell_dir / LOCUST_LOG,
            env=locust_env(cell_dir, extra_env),
            cwd=REPO_ROOT,
        )
    proc = ManagedProcess(
        locust_argv(plan, cell_dir),
        log_path=cell_dir / LOCUST_LOG,
        env=locust_env(cell_dir, extra_env),
        cwd=REPO_ROOT,
        stop_signal=signal.SIGTERM,
        stop_timeout=15,
    )
    return proc.start()


def finish_locust(proc: ManagedProcess, deadline: float) -> float:
    """Wait for locust until `deadline` s after now; returns the epoch time it ended.

    Raises LoadError (after stopping it) if it runs past the deadline or exits non-zero.
    """
    try:
        rc = proc.wait(timeout=deadline)
    except subprocess.TimeoutExpired:
        proc.stop_timeout = min(proc.stop_timeout, HUNG_STOP_TIMEOUT_S)  # it is hung: be brief
        proc.stop()
        raise LoadError(f"locust did not finish within {deadline:.0f} s; killed") from None
    ended = time.time()
    proc.stop()  # reap any forked worker left behind
    if rc != 0:
        last = next((ln for ln in reversed(proc.log_tail(30).splitlines()) if ln.strip()), "")
        raise LoadError(f"locust exited with code {rc}: {last.strip()[:300]}")
    return ended
