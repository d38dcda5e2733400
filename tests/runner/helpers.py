"""Helpers of the runner's end-to-end tests: run `python -m runner`, read the store, find
processes a run left behind."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import psutil

from app.contract import GO_FILE

REPO = Path(__file__).resolve().parents[2]
TABLES = (
    "cells",
    "locust_stats",
    "locust_history",
    "failures",
    "requests",
    "loop_lag",
    "resources",
    "sweeps",
)
# A sweep without the main job's extra cells (baseline, fix comparison): just its grid.
PLAIN = ("baseline=false", "compare.hashing=[]")
ENV_KEYS = ("SYNCBLOCK_LOG_DIR", "SYNCBLOCK_CLIENT_LOG_DIR")


def run_runner(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """`python -m runner <args>` from the repository root, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "runner", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# What the tests' signals stand for: a terminal's Ctrl-C, a closed terminal, a scheduler's stop.
TEST_SIGNALS = (signal.SIGINT, signal.SIGHUP, signal.SIGTERM)


def default_signals() -> None:
    """A Popen `preexec_fn`: the child starts with TEST_SIGNALS at their defaults, whatever this
    process ignores (pytest started by nohup or as a background job ignores SIGHUP or SIGINT,
    and a child inherits an ignored signal), so a signal the test sends acts as it would on a
    runner started from a terminal."""
    for sig in TEST_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)


def ignoring(*sigs: signal.Signals) -> Callable[[], None]:
    """A Popen `preexec_fn`: TEST_SIGNALS at their defaults but `sigs` ignored, as `nohup`
    (SIGHUP) or a shell's background job (SIGINT) starts a command."""

    def preexec() -> None:
        default_signals()
        for sig in sigs:
            signal.signal(sig, signal.SIG_IGN)

    return preexec


def start_runner(*args: str, **popen: Any) -> subprocess.Popen[str]:
    """`python -m runner <args>` in the background from the repository root, as from a
    terminal (default signal dispositions); output piped unless `popen` says otherwise."""
    kw: dict[str, Any] = {
        "stdout": subprocess.PIPE,
        "stderr": subprocess.PIPE,
        "preexec_fn": default_signals,
    } | popen
    return subprocess.Popen([sys.executable, "-m", "runner", *args], cwd=REPO, text=True, **kw)


def query(store: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def counts(store: Path) -> dict[str, int]:
    return {t: query(store, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}


def leftovers(root: Path) -> list[str]:
    """Live processes whose app or locust log dir lies under `root` (a run's processes)."""
    found = []
    for proc in psutil.process_iter(["pid", "name"]):
        try:
            env = proc.environ()
        except psutil.Error:
            continue
        if any(env.get(k, "").startswith(str(root)) for k in ENV_KEYS):
            found.append(f"{proc.pid} {proc.info['name']}")
    return found


def strays(root: Path) -> list[str]:
    """`leftovers(root)` plus live processes whose command line mentions `root`."""
    found = set(leftovers(root))
    for proc in psutil.process_iter(["pid", "name", "cmdline"]):
        if any(str(root) in part for part in proc.info["cmdline"] or []):
            found.add(f"{proc.pid} {proc.info['name']}")
    return sorted(found)


def server_ready(cell_dir: Path, workers: int = 1) -> bool:
    """The cell's uvicorn has logged start-up complete for `workers` workers (locust then loads)."""
    try:
        text = (cell_dir / "server.log").read_text(errors="replace")
    except FileNotFoundError:
        return False
    return text.count("Application startup complete") >= workers


STARTED = re.compile(r"Started server process \[(\d+)\]")


def server_pids(cell_dir: Path) -> list[int]:
    """The pids of the cell's uvicorn processes, as its server.log names them."""
    try:
        text = (cell_dir / "server.log").read_text(errors="replace")
    except FileNotFoundError:
        return []
    return [int(p) for p in STARTED.findall(text)]


def serving(pid: int) -> bool:
    """The process holds an established TCP connection (locust is talking to it)."""
    try:
        conns = psutil.Process(pid).net_connections()
    except psutil.Error:
        return False
    return any(c.status == psutil.CONN_ESTABLISHED for c in conns)


def under_load(cell_dir: Path) -> bool:
    """Locust is loading the cell's server: the go file exists (the runner's readiness checks
    are over, so a connection now is locust's) and a server process holds one."""
    return (cell_dir / GO_FILE).exists() and any(map(serving, server_pids(cell_dir)))
