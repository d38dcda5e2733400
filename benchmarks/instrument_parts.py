"""Item 3, decomposed: where the instrumented server's extra time per health request goes.

Three servers side by side, the same closed-loop health load on each in rotated order
(ABC, CBA, ...): `off` (uninstrumented), `middleware` (the timing middleware, records dropped:
benchmarks/middleware_arm.py) and `on` (everything: records buffered and written by the
writer thread, lag probe, stall watchdog). Server CPU per request of each arm (psutil), so
on - middleware is the recording's cost and middleware - off the middleware layer's.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from app import contract
from app.contract import HEALTH_PATH
from benchmarks.httpload import closed_loop
from benchmarks.instrument import arm_env, health_run
from benchmarks.stats import median
from runner.serve.server import UvicornServer

ARMS = ("off", "middleware", "on")
APPS = {"off": "app.main:app", "middleware": "benchmarks.middleware_arm:app", "on": "app.main:app"}


@dataclass(frozen=True)
class InstrumentParts:
    rounds: int
    rps: dict[str, list[float]]
    cpu_us: dict[str, list[float]]  # server CPU microseconds per request, per run

    def rps_median(self, arm: str) -> float | None:
        return median(self.rps[arm])

    def cpu_median(self, arm: str) -> float | None:
        return median(self.cpu_us[arm])

    def rps_ratio(self, arm: str, base: str) -> float | None:
        """Median over rounds of rps(arm) / rps(base), runs of one round paired."""
        return median(a / b for a, b in zip(self.rps[arm], self.rps[base], strict=True) if b)

    def cpu_extra_us(self, arm: str, base: str) -> float | None:
        """Median over rounds of CPU per request(arm) - (base), in microseconds."""
        return median(a - b for a, b in zip(self.cpu_us[arm], self.cpu_us[base], strict=True))


def rotation(rounds: int) -> list[tuple[str, ...]]:
    """ABC, CBA, ABC, ...: each arm runs early and late equally often (pure)."""
    return [ARMS if i % 2 == 0 else ARMS[::-1] for i in range(rounds)]


def measure_instrument_parts(
    work: Path, *, rounds: int = 6, seconds: float = 2.0, concurrency: int = 8
) -> InstrumentParts:
    rps: dict[str, list[float]] = {a: [] for a in ARMS}
    cpu: dict[str, list[float]] = {a: [] for a in ARMS}
    with contextlib.ExitStack() as stack:
        servers = {}
        for arm in ARMS:
            root = work / f"parts_{arm}"
            servers[arm] = stack.enter_context(
                UvicornServer(
                    workers=1,
                    env=arm_env(root, arm == "on"),
                    log_path=root / contract.SERVER_LOG,
                    app=APPS[arm],
                )
            )
        for server in servers.values():  # warm each (imports, first-request paths)
            closed_loop(server.url, HEALTH_PATH, concurrency, 0.5)
        for order in rotation(rounds):
            for arm in order:
                res, used = health_run(servers[arm], concurrency, seconds)
                rps[arm].append(res.rps)
                cpu[arm].append(1e6 * used / max(res.requests, 1))
    return InstrumentParts(rounds, rps, cpu)
