"""Item 9: what a new TCP connection per request costs. Real `health` cells at one
user and one worker, `load.connections=persistent` and `per_request` in interleaved ABBA pairs;
per pair, the client mean of /api/health/ (cell_summary, measured window) per_request minus
persistent. The median over pairs is the cost of `per_request` on one request's latency."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.contract import HEALTH_PATH
from benchmarks.cells import cell_overrides, run_bench_cell, summary
from benchmarks.stats import median

HEALTH = HEALTH_PATH
ARMS = ("persistent", "per_request")


@dataclass(frozen=True)
class ConnectionCost:
    pairs: int
    persistent_ms: list[float]  # health client mean per cell
    per_request_ms: list[float]
    requests: int  # health requests measured, both arms

    @property
    def cost_ms(self) -> float | None:
        """Median over pairs of mean(per_request) - mean(persistent)."""
        return median(a - b for a, b in zip(self.per_request_ms, self.persistent_ms, strict=True))


def abba(pairs: int) -> list[tuple[str, str]]:
    """persistent/per_request in ABBA order, so a drift in time hits both arms alike (pure)."""
    return [ARMS if i % 2 == 0 else ARMS[::-1] for i in range(pairs)]


def measure_connection_cost(
    work: Path,
    store: Path,
    sweep_id: str,
    *,
    first_job: int,
    pairs: int,
    warmup: float,
    duration: float,
) -> ConnectionCost:
    """Run 2 x pairs one-user health cells and read each one's health client mean."""
    got: dict[str, list[float]] = {arm: [] for arm in ARMS}
    requests = 0
    job = first_job
    for order in abba(pairs):
        for arm in order:
            overrides = cell_overrides(
                store=store,
                rounds=4,
                warmup=warmup,
                duration=duration,
                scenario="health",
                workers=1,
                users=1,
                hashing="threadpool",
                **{
                    "load.connections": arm,
                    "server.balance": "shared",
                    "load.probe_hz": 0,
                    "repeat": job,  # a distinct cell key per run
                },
            )
            result = run_bench_cell(overrides, work / f"j{job}-{arm}", sweep_id, job)
            row = summary(store, str(result.cell_id))[HEALTH]
            got[arm].append(float(row["avg_ms"]))
            requests += int(row["requests"] or 0)
            job += 1
    return ConnectionCost(pairs, got["persistent"], got["per_request"], requests)
