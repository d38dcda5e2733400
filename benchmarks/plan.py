"""How big a benchmark run is: the full run (a few minutes) or `--quick` (a smoke check)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    name: str
    rounds: int  # bcrypt cost of every cell
    # 1: the overhead sweep
    overhead_workers: str
    overhead_users: str
    overhead_warmup: float
    overhead_duration: float
    # 2: ingest
    ingest_requests: int
    ingest_lag: int
    ingest_runs: int
    # 3: instrumentation A/B
    ab_pairs: int
    ab_seconds: float
    # 4, 5, 7: strategies
    strategy_repeats: int
    idle_s: float
    strategy_warmup: float
    strategy_duration: float
    # 6: sequential
    sequential_requests: int
    sequential_warmup: float  # >= 2: it counts from locust's process start (~1 s to boot)
    # 8: report
    report_builds: int
    # 9: per_request against persistent connections (health, 1 user)
    connection_pairs: int = 3
    connection_warmup: float = 1
    connection_duration: float = 4


FULL = Plan(
    name="full",
    rounds=10,
    overhead_workers="1,4",
    overhead_users="1,10",
    overhead_warmup=1,
    overhead_duration=3,
    ingest_requests=1_000_000,
    ingest_lag=100_000,
    ingest_runs=3,
    ab_pairs=6,
    ab_seconds=2.0,
    strategy_repeats=3,
    idle_s=3,
    strategy_warmup=2,
    strategy_duration=8,
    sequential_requests=100,
    sequential_warmup=2,
    report_builds=3,
)

QUICK = Plan(
    name="quick",
    rounds=10,
    overhead_workers="1",
    overhead_users="1,10",
    overhead_warmup=0.5,
    overhead_duration=1.5,
    ingest_requests=100_000,
    ingest_lag=10_000,
    ingest_runs=2,
    ab_pairs=5,
    ab_seconds=0.8,
    strategy_repeats=1,
    idle_s=1,
    strategy_warmup=1,
    strategy_duration=2,
    sequential_requests=20,
    sequential_warmup=2,
    report_builds=1,
    connection_pairs=1,
    connection_duration=2,
)
