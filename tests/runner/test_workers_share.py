"""Real 2-worker cells in each connection/balance mode: how the requests spread.

Wide, physical bounds: a pinned load (kept-alive connections, one shared socket, 4 users all
spawned at once) leaves one worker with >= 90 % of the requests; a new connection per request
spreads it so that no worker serves more than 80 %.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from runner.cell import run_cell
from runner.plan.config import ConfigError, validate
from tests.runner.helpers import REPO, query, strays

CONF = REPO / "conf"


def cell(tmp_path: Path, *overrides: str) -> dict[str, object]:
    """Run one short real cell and return its spread numbers from the store."""
    base = [
        f"store={tmp_path / 'results.duckdb'}",
        "workers=2",
        "users=4",
        "spawn_rate=null",  # all 4 users at once: the burst that pins a shared socket
        "scenario=mixed",
        "hashing=blocking",
        "bcrypt_rounds=10",
        "warmup=1",
        "duration=3",
        "resume=false",
    ]
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=base + list(overrides))
    result = run_cell(cfg, cell_dir=tmp_path / "cell", sweep_id="share", job_num=0)
    assert result.status == "ok", result.error
    store = tmp_path / "results.duckdb"
    (busiest, used, workers), *_ = query(
        store,
        "SELECT DISTINCT busiest_worker_share, workers_used, workers FROM cell_summary "
        "WHERE cell_id = ?",
        [result.cell_id],
    )
    pids = query(
        store, "SELECT pid, requests FROM worker_share WHERE cell_id = ?", [result.cell_id]
    )
    roles = query(
        store,
        "SELECT count(DISTINCT pid) FROM resources WHERE cell_id = ? AND role = 'server_worker'",
        [result.cell_id],
    )[0][0]
    assert strays(tmp_path) == []
    return {"busiest": busiest, "used": used, "workers": workers, "pids": pids, "roles": roles}


@pytest.mark.slow  # timing-dependent: see the docstring
def test_pinned_persistent_shared_serves_from_one_worker(tmp_path: Path) -> None:
    """Pinning needs the burst of 4 connections to land in one worker's accept batch. On a
    quiet machine it does; on this shared box at load average ~20 the burst was split in 2 of
    4 runs (busiest 0.56 and 0.74), so this check is kept out of the default CI run."""
    got = cell(tmp_path, "load.connections=persistent", "server.balance=shared")
    assert got["busiest"] >= 0.9, got  # type: ignore[operator]


@pytest.mark.slow  # a long real-process check kept out of the default run
@pytest.mark.parametrize("balance", ["shared", "reuseport"])
def test_per_request_spreads_over_both_workers(tmp_path: Path, balance: str) -> None:
    got = cell(tmp_path, "load.connections=per_request", f"server.balance={balance}")
    assert got["busiest"] <= 0.8, got  # type: ignore[operator]
    assert got["used"] == 2 and got["roles"] >= 2, got  # shared: also its resource tracker


def test_persistent_reuseport_runs_two_sampled_processes(tmp_path: Path) -> None:
    """Kept-alive connections over two reuseport sockets: the hash may put all 4 on one
    process, so only what holds always is asserted: both processes ran and were sampled."""
    got = cell(tmp_path, "load.connections=persistent", "server.balance=reuseport")
    assert got["roles"] == 2 and got["workers"] == 2, got
    assert sum(n for _, n in got["pids"]) > 0  # type: ignore[attr-defined]


def test_unknown_balance_is_one_line_naming_the_key() -> None:
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["server.balance=nope"])
    with pytest.raises(ConfigError) as info:
        validate(cfg)
    assert "server.balance" in str(info.value) and "\n" not in str(info.value)
