"""Item 3: what the timing middleware and the lag probe cost.

Two servers run side by side, one with `SYNCBLOCK_INSTRUMENT=true`, one with `false`; the same
closed-loop health load hits them in interleaved ABBA pairs. Per pair: the rps ratio on/off
and the server CPU ms per request of each arm (psutil, so the cost shows even when the client
is the limit). The instrumented server's request log is counted after it stops, to prove it
was really logging.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from app import contract
from app.contract import HEALTH_PATH
from benchmarks.httpload import LoadResult, closed_loop
from benchmarks.stats import ab_order, median, paired_ratios
from runner.probe.sampler import process_tree
from runner.serve.server import UvicornServer


@dataclass(frozen=True)
class InstrumentCost:
    pairs: int
    rps_on: list[float]
    rps_off: list[float]
    cpu_ms_on: list[float]  # server CPU ms per request, per run
    cpu_ms_off: list[float]
    logged_requests: int  # lines the instrumented server wrote
    served_on: int  # requests the instrumented server answered (warm-up included)

    @property
    def rps_ratio(self) -> float | None:
        """Median over pairs of rps(on) / rps(off)."""
        return median(paired_ratios(self.rps_on, self.rps_off))

    @property
    def cpu_ratio(self) -> float | None:
        """Median over pairs of CPU-per-request(on) / CPU-per-request(off)."""
        return median(paired_ratios(self.cpu_ms_on, self.cpu_ms_off))


def arm_env(root: Path, instrument: bool) -> dict[str, str]:
    """The app settings of one arm: its own database and log dir under root (pure)."""
    return {
        "SYNCBLOCK_HASHING": "threadpool",
        "SYNCBLOCK_DB_URL": f"sqlite:///{root / contract.APP_DB}",
        "SYNCBLOCK_LOG_DIR": str(root / contract.SERVER_DIR),
        "SYNCBLOCK_INSTRUMENT": "true" if instrument else "false",
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its descendants so far."""
    total = 0.0
    for p in process_tree(pid):
        with contextlib.suppress(psutil.Error):
            t = psutil.Process(p).cpu_times()
            total += t.user + t.system
    return total


def health_run(server: UvicornServer, concurrency: int, seconds: float) -> tuple[LoadResult, float]:
    """One closed-loop health run against `server`: its result and the server's CPU seconds."""
    c0 = cpu_seconds(server.pid)
    res = closed_loop(server.url, HEALTH_PATH, concurrency, seconds)
    return res, cpu_seconds(server.pid) - c0


def count_lines(directory: Path, pattern: str) -> int:
    return sum(p.read_bytes().count(b"\n") for p in directory.glob(pattern))


def measure_instrument_cost(
    work: Path,
    *,
    pairs: int = 5,
    seconds: float = 2.0,
    concurrency: int = 8,
    env_for: Callable[[Path, bool], dict[str, str]] = arm_env,
    name: str = "instrument",
) -> InstrumentCost:
    """Interleaved A/B of health rps with instrumentation on and off (real uvicorn); `env_for`
    gives each arm's settings (another on/off feature: see benchmarks/watchdog.py)."""
    roots = {"on": work / f"{name}_on", "off": work / f"{name}_off"}
    rps: dict[str, list[float]] = {"on": [], "off": []}
    cpu: dict[str, list[float]] = {"on": [], "off": []}
    served_on = 0
    with contextlib.ExitStack() as stack:
        servers = {
            arm: stack.enter_context(
                UvicornServer(
                    workers=1, env=env_for(root, arm == "on"), log_path=root / contract.SERVER_LOG
                )
            )
            for arm, root in roots.items()
        }
        for arm, server in servers.items():  # warm both (imports, first-request paths)
            warm = closed_loop(server.url, HEALTH_PATH, concurrency, 0.5)
            served_on += warm.requests if arm == "on" else 0
        for order in ab_order(pairs):
            for arm in order:
                res, used = health_run(servers[arm], concurrency, seconds)
                rps[arm].append(res.rps)
                cpu[arm].append(1000 * used / max(res.requests, 1))
                served_on += res.requests if arm == "on" else 0
    # leaving the stack stopped both servers: the instrumented one flushed its logs
    logged = count_lines(roots["on"] / contract.SERVER_DIR, contract.REQUESTS_GLOB)
    return InstrumentCost(pairs, rps["on"], rps["off"], cpu["on"], cpu["off"], logged, served_on)
