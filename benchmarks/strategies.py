"""Items 4, 5 and 7: each hashing strategy against the machine's limit, health isolation, and
the load generator's headroom, from the same cells.

Per strategy (workers=1): one server is started here, a health prober process
(`benchmarks.httpload probe`, one request per interval on its own connection) measures it idle,
then a real `register` cell at users = 4 x cpu_count runs against it through `run_cell`
(`target_url`), the prober still running. The cell gives register throughput, S (`hash_ms`,
measured by the runner right before it) and the locust CPU; the prober's samples inside the
cell's measured window give health under saturation. A sampler on the server gives its CPU.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from app import contract
from app.contract import HASHINGS, REGISTER_PATH, REPO_ROOT
from benchmarks.cells import cell_overrides, cell_row, compose_cell, run_bench_cell, summary
from benchmarks.httpload import read_probe
from benchmarks.stats import in_window, tick_sums
from runner.plan.config import validate
from runner.probe.sampler import Sampler, server_targets
from runner.processes.proc import ManagedProcess
from runner.serve.server import UvicornServer

STRATEGIES = HASHINGS
PROBE_FILE = "health_probe.txt"


@dataclass(frozen=True)
class StrategyRun:
    hashing: str
    cell_id: str
    hash_ms: float  # S, measured by the runner just before the cell
    register_rps: float
    register_failures: int
    health_idle_ms: list[float]
    health_saturated_ms: list[float]
    load_cpu_avg_percent: float | None
    server_cpu_avg_percent: float | None


@contextlib.contextmanager
def health_prober(url: str, out: Path, interval_ms: float) -> Iterator[Path]:
    """A prober process appending (t, latency, status) lines to `out` until the block ends."""
    argv = [sys.executable, "-m", "benchmarks.httpload", "probe", url, str(out), f"{interval_ms:g}"]
    with ManagedProcess(argv, log_path=out.with_suffix(".log"), cwd=REPO_ROOT, stop_timeout=5):
        yield out


def run_strategy(
    hashing: str,
    *,
    work: Path,
    store: Path,
    sweep_id: str,
    job_num: int,
    users: int,
    rounds: int,
    idle_s: float,
    warmup: float,
    duration: float,
    probe_ms: float = 50,
) -> StrategyRun:
    """One strategy: idle health, then a saturating register cell, on one server."""
    base = (work / f"j{job_num}-{hashing}").resolve()
    cell_dir, mine = base / "cell", base / "server_side"  # run_cell clears its cell_dir
    mine.mkdir(parents=True, exist_ok=True)
    overrides = cell_overrides(
        store=store,
        rounds=rounds,
        warmup=warmup,
        duration=duration,
        scenario="register",
        hashing=hashing,
        workers=1,
        users=users,
    )
    env = validate(compose_cell(overrides)).server_env(mine)
    probe_file = mine / PROBE_FILE
    with (
        UvicornServer(workers=1, env=env, log_path=mine / contract.SERVER_LOG) as server,
        Sampler(
            mine / "server_resources.jsonl", [server_targets(server.pid, server.worker_pids)]
        ) as sampler,
        health_prober(server.url, probe_file, probe_ms),
    ):
        time.sleep(idle_s)
        t_idle_end = time.time()
        result = run_bench_cell(
            [*overrides, f"target_url={server.url}"], cell_dir, sweep_id, job_num
        )
    cell = cell_row(store, str(result.cell_id))
    reg = summary(store, str(result.cell_id))[REGISTER_PATH]
    t0, t1 = cell["t_measure_start"], cell["t_measure_end"]
    samples = read_probe(probe_file.read_text())
    idle = [ms for t, ms in samples[2:] if t < t_idle_end]  # first requests warm the path
    cpu = tick_sums(sampler.rows, t0, t1)
    return StrategyRun(
        hashing=hashing,
        cell_id=str(result.cell_id),
        hash_ms=float(cell["hash_ms"]),
        register_rps=float(reg["rps"]),
        register_failures=int(reg["failures"]),
        health_idle_ms=idle,
        health_saturated_ms=in_window(samples, t0, t1),
        load_cpu_avg_percent=reg["load_cpu_avg_percent"],
        server_cpu_avg_percent=statistics.fmean(cpu) if cpu else None,
    )


def rotated(items: Sequence[str], k: int) -> list[str]:
    """items rotated left by k, so no strategy always runs first (pure)."""
    k %= max(len(items), 1)
    return [*items[k:], *items[:k]]


def measure_strategies(
    work: Path,
    store: Path,
    sweep_id: str,
    *,
    repeats: int,
    first_job: int,
    users: int,
    rounds: int,
    idle_s: float,
    warmup: float,
    duration: float,
) -> list[StrategyRun]:
    """Every strategy `repeats` times, in rotated order."""
    runs = []
    job = first_job
    for rep in range(repeats):
        for hashing in rotated(STRATEGIES, rep):
            runs.append(
                run_strategy(
                    hashing,
                    work=work,
                    store=store,
                    sweep_id=sweep_id,
                    job_num=job,
                    users=users,
                    rounds=rounds,
                    idle_s=idle_s,
                    warmup=warmup,
                    duration=duration,
                )
            )
            job += 1
    return runs
