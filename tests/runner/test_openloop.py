"""Open-loop load: the spec's load for `load.arrival=open`, and real short cells
through `run_cell`: the rate is kept with every row's intended time stored, and arrivals that
find the in-flight cap full are dropped and counted."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hydra import compose, initialize_config_dir

from analysis.report import build_report
from app import contract
from runner.cell import load_plan, run_cell
from runner.load.openload import OPEN_LOCUSTFILE

CONF = Path(__file__).resolve().parents[2] / "conf"


def test_open_spec_runs_one_scheduler_per_process_with_its_knobs(
    cell_spec: Callable[..., Any],
) -> None:
    """Open: locust runs open_loop.py with one user per process; the env carries the total
    rate, the scenario's 5:1 mix, the process count (each process keeps rate/N) and the spans."""
    spec = cell_spec("load.arrival=open", "load.rate=12", "load.processes=2", "users=7")
    plan = load_plan(spec, "http://127.0.0.1:1")
    assert (plan.locustfile, plan.users, plan.processes) == (OPEN_LOCUSTFILE, 2, 2)
    env = spec.load_env()
    assert env[contract.RATE_ENV] == "12.0" and env[contract.LOAD_PROCESSES_ENV] == "2"
    assert env[contract.ARRIVAL_MIX_ENV] == "register:5,health:1"
    # Poisson counts are fixed per span: the warm-up's and the measured window's
    assert env[contract.ARRIVAL_SPANS_ENV] == f"{spec.warmup!r},{spec.duration!r}"
    assert (
        cell_spec("load.arrival=open", "load.rate=12", "users=1").key
        == cell_spec("load.arrival=open", "load.rate=12", "users=9").key
    )  # users mean nothing to an open load: same measurement


def test_closed_and_sequential_cells_carry_no_rate(cell_spec: Callable[..., Any]) -> None:
    """A closed cell's key ignores load.rate; sequential stays one closed-loop user."""
    assert cell_spec("load.rate=4").key == cell_spec("load.rate=8").key
    seq = cell_spec("scenario=sequential", "load.arrival=open", "load.rate=4")
    assert (seq.arrival, seq.rate, seq.effective_users) == ("closed", None, 1)
    closed = load_plan(cell_spec("users=3"), "http://127.0.0.1:1")
    assert closed.locustfile == "mixed.py" and closed.users == 3


def _cell(tmp_path: Path, name: str, *overrides: str) -> tuple[Path, str]:
    """Run one real cell in-process into tmp_path's store; (store, cell_id)."""
    store = tmp_path / "s.duckdb"
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[*overrides, f"store={store}"])
    result = run_cell(cfg, cell_dir=tmp_path / name, sweep_id="t-open", job_num=len(name))
    assert result.status == "ok", result.error
    assert result.cell_id is not None
    return store, result.cell_id


def _one(store: Path, sql: str, params: list[Any]) -> tuple[Any, ...]:
    with contextlib.closing(duckdb.connect(str(store), read_only=True)) as con:
        row = con.execute(sql, params).fetchone()
    assert row is not None
    return tuple(row)


@pytest.mark.e2e
def test_open_cell_keeps_its_rate_and_stores_intended_times(tmp_path: Path) -> None:
    """health, open, 40 rps for 3 s: every client row has t_intended <= t_start, the schedule
    puts 40 x 3 arrivals in the window, the answers inside it keep that rate up to the
    answers the window's edges cut, nothing dropped, no send waits past the next arrival's
    time; the report shows the section. (The targets, ±5 % and a 5 ms lag p99, are the
    benchmark's: benchmarks/openloop_bench.py, on a quiet machine.)"""
    rate, window = 40, 3
    store, cid = _cell(
        tmp_path,
        "open",
        "scenario=health",
        "hashing=threadpool",
        "load.arrival=open",
        f"load.rate={rate}",
        "load.process=constant",
        f"duration={window}",
        "warmup=0.5",
        "bcrypt_rounds=4",
    )
    rows, missing, early, intended, slowest_s = _one(
        store,
        "SELECT count(*), count(*) FILTER (WHERE t_intended IS NULL), "
        "count(*) FILTER (WHERE t_start < t_intended - 1e-6), "
        "count(*) FILTER (WHERE t_intended >= t_measure_start AND t_intended < t_measure_end), "
        "max(t_start + duration_ms / 1000 - t_intended) "
        "FROM requests JOIN cells USING (cell_id) WHERE cell_id = ? AND side = 'client' "
        "AND source = 'user'",
        [cid],
    )
    assert rows > 0 and missing == 0 and early == 0
    # constant arrivals: exactly rate x window intended in the window, one either side at most
    # where the first send's lag moved the window's start
    assert abs(intended - rate * window) <= 1, intended
    offered, achieved, dropped, lag = _one(
        store,
        "SELECT offered_rps, achieved_rps, dropped, send_lag_p99_ms FROM cell_summary "
        "WHERE cell_id = ?",
        [cid],
    )
    assert offered == rate and dropped == 0
    # achieved counts the answers landing inside the window: it misses those intended less than
    # their latency before its end and gains as many from before its start, so it differs from
    # the offered count by at most rate x (the slowest latency from intended), plus one arrival
    # at each edge (physical)
    edge = 2 + rate * slowest_s
    assert abs(achieved * window - rate * window) <= edge, (achieved, slowest_s)
    assert 0 <= lag < 1000 / rate, lag  # each request left before the next one was due
    html = build_report(store=store, out=tmp_path / "report.html").read_text()
    assert "Open vs closed load" in html and "λ = 40" in html


@pytest.mark.e2e
def test_arrivals_finding_the_cap_full_are_dropped_and_counted(tmp_path: Path) -> None:
    """Cap 1 on a slow server (blocking, cost 12, 20 rps for 3 s): requests never overlap,
    most arrivals are dropped, and sent + dropped account for the offered arrivals."""
    store, cid = _cell(
        tmp_path,
        "capped",
        "scenario=register",
        "hashing=blocking",
        "load.arrival=open",
        "load.rate=20",
        "load.process=constant",
        "load.max_in_flight=1",
        "duration=3",
        "warmup=0",
        "bcrypt_rounds=12",
    )
    (dropped,) = _one(store, "SELECT dropped FROM cells WHERE cell_id = ?", [cid])
    sent, overlapping = _one(
        store,
        """
        WITH c AS (SELECT t_start, t_start + duration_ms / 1000 AS t_end FROM requests
                   WHERE cell_id = ? AND side = 'client' AND source = 'user' AND NOT in_warmup)
        SELECT (SELECT count(*) FROM c),
               (SELECT count(*) FROM c a JOIN c b
                  ON a.t_start < b.t_start AND b.t_start < a.t_end - 1e-4)""",
        [cid],
    )
    assert overlapping == 0  # never two in flight
    assert dropped > sent > 0
    assert 20 * 3 * 0.6 <= sent + dropped <= 20 * 3 * 1.1, (sent, dropped)
