"""Item 6: do client and server agree? A real `sequential` cell (one user, N consecutive
requests per endpoint); per endpoint, client mean - server mean over the same requests
(cell_summary's wait_avg_ms, joined on X-Request-ID)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from benchmarks.cells import cell_overrides, run_bench_cell, summary


@dataclass(frozen=True)
class Agreement:
    endpoint: str
    client_avg_ms: float
    server_avg_ms: float
    wait_avg_ms: float  # client - server, per joined request, averaged
    joined: int


def measure_agreement(
    work: Path,
    store: Path,
    sweep_id: str,
    *,
    job_num: int,
    requests: int,
    rounds: int,
    warmup: float,
) -> dict[str, Agreement]:
    """Run the sequential cell and read each endpoint's client/server gap from the store."""
    overrides = cell_overrides(
        store=store,
        rounds=rounds,
        warmup=warmup,
        duration=1,
        scenario="sequential",
        workers=1,
        hashing="threadpool",
        **{"scenario.requests": requests},
    )
    result = run_bench_cell(overrides, work / f"j{job_num}-sequential", sweep_id, job_num)
    return {
        endpoint: Agreement(
            endpoint,
            r["avg_ms"],
            r["server_avg_ms"],
            r["wait_avg_ms"],
            int(r["joined_requests"] or 0),
        )
        for endpoint, r in summary(store, str(result.cell_id)).items()
    }
