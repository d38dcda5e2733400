"""A job that ended without a result: its cell is stored failed with the job's state, once, and
never over a cell the job stored before it died."""

from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, open_dict

from runner.cluster.lost import record_lost
from runner.cluster.squeue import Entry
from runner.cluster.wait import Lost
from tests.runner.helpers import REPO, query


def job_config(tmp_path: Path, num: int) -> DictConfig:
    """Job `num`'s config of a multirun whose sweep dir and store are under tmp_path."""
    overrides = [f"store={tmp_path / 'r.duckdb'}", f"hydra.sweep.dir={tmp_path / 'sweep'}"]
    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides, return_hydra_config=True)
    with open_dict(cfg.hydra.job):
        cfg.hydra.job.num = num
    return cfg


def test_a_lost_job_s_cell_is_stored_failed_with_its_state_and_job_id(tmp_path: Path) -> None:
    """CANCELLED 7_0 (own id 8) on vm: cell j0 failed, its reason, its SLURM job id and node."""
    lost = Lost("7_0", "CANCELLED", Entry("8", "CANCELLED", "vm"))
    result = record_lost(job_config(tmp_path, 0), 0, lost)
    again = record_lost(job_config(tmp_path, 0), 0, Lost("7_0", "GONE", Entry("", "", "")))
    assert result.status == "failed" and again.status == "failed"
    rows = query(
        tmp_path / "r.duckdb", "SELECT job_num, status, error, slurm_job_id, host, dir FROM cells"
    )
    assert rows == [
        (
            0,
            "failed",
            "SLURM job 7_0 ended CANCELLED on vm before its cell was stored",
            "8",
            "vm",
            str((tmp_path / "sweep" / "0").resolve()),
        )
    ]  # the second call found the row and left it
