"""Locust's distributed mode: a master and explicit worker processes; every worker's client
rows are stored. Real uvicorn and locust on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from runner.load.distload import worker_argv
from runner.plan.config import ConfigError, validate
from tests.runner.helpers import REPO, query, run_runner, strays


def composed(*overrides: str) -> DictConfig:
    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        (["load.workers=-1"], "load.workers"),
        (["load.remote_workers=-2"], "load.remote_workers"),
        (["load.workers=2", "load.processes=2"], "load.processes"),
        (["load.workers=1", "scenario=sequential"], "load.workers"),
        (["load.remote_workers=1", "load.master_bind=0.0.0.0"], "allow_remote=true"),
        (["load.workers=1", "load.master_port=70000"], "load.master_port"),
    ],
)
def test_bad_distributed_load_config_is_one_line_naming_the_key(
    overrides: list[str], key: str
) -> None:
    """Each bad combination is refused before anything runs, naming its key."""
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        validate(composed(*overrides))


def test_workers_are_part_of_the_cell_key_only_when_used() -> None:
    """Cells without workers keep their earlier key; with workers the key differs."""
    plain = validate(composed())
    assert "load_workers" not in plain.measurement()
    split = validate(composed("load.workers=2"))
    assert split.measurement()["load_workers"] == 2 and split.key != plain.key
    remote = validate(
        composed("load.remote_workers=1", "load.master_bind=0.0.0.0", "allow_remote=true")
    )
    assert remote.master_bind == "0.0.0.0" and remote.key != split.key


def test_worker_command_line_follows_the_masters_locustfile() -> None:
    """A worker runs the master's interpreter and locustfile, pointed at the master's port."""
    argv = ["py", "-m", "locust", "--headless", "-f", "x.py", "-H", "http://h", "-u", "3"]
    assert worker_argv(argv, 5557) == [
        "py",
        "-m",
        "locust",
        "--headless",
        "-f",
        "x.py",
        "--worker",
        "--master-host",
        "127.0.0.1",
        "--master-port",
        "5557",
    ]


@pytest.mark.slow  # a long real-process check kept out of the default run
@pytest.mark.e2e
def test_two_local_workers_each_store_their_client_rows(tmp_path: Path) -> None:
    """load.workers=2: a master and two worker processes; each worker's rows are stored, and
    the stored client rows are exactly the requests locust counted."""
    store, run = tmp_path / "r.duckdb", tmp_path / "run"
    done = run_runner(
        "load.workers=2",
        "users=4",
        "duration=3",
        "warmup=0",
        "bcrypt_rounds=4",
        f"store={store}",
        f"hydra.run.dir={run}",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert query(store, "SELECT status, error FROM cells") == [("ok", None)]
    assert (run / "locust-worker0.log").exists() and (run / "locust-worker1.log").exists()
    per_pid = query(
        store,
        "SELECT pid, count(*) FILTER (WHERE source = 'user') FROM requests "
        "WHERE side = 'client' GROUP BY pid",
    )
    users = sorted(n for _, n in per_pid if n)
    assert len(users) == 2 and users[0] > 0, per_pid  # both workers ran users
    (counted,) = query(store, "SELECT request_count FROM locust_stats WHERE name = 'Aggregated'")
    (stored,) = query(store, "SELECT count(*) FROM requests WHERE side = 'client'")
    assert stored == counted
    roles = query(store, "SELECT count(DISTINCT pid) FROM resources WHERE role = 'load_generator'")
    assert roles[0][0] >= 3  # the master and both workers sampled
    assert strays(tmp_path) == []
