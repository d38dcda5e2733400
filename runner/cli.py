"""The Hydra shell: one job = one cell. The work is `runner.cell.run_cell(cfg)`."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

import runner.plan.config  # noqa: F401  (registers the structured-config schema)
from runner.cell import CellResult, run_cell


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> CellResult:
    return run_cell(cfg)
