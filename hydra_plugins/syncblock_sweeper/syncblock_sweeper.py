"""The syncblock sweeper: Hydra's public Sweeper API around runner.plan.sweep.

It expands the command line like Hydra's basic sweeper (plus `hydra.sweeper.params`), adds the
main job's comparison and baseline cells, composes and validates EVERY job before any process
starts (one clear line naming the key, exit 2), announces the number of cells to the progress
line, and hands all jobs to the configured launcher in one batch (so a parallel launcher still
runs them in parallel). Selected in conf/hydra/default.yaml (`sweeper._target_`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

from app.contract import DOCTOR_PLAN_FILE
from hydra_plugins.syncblock_launcher import slurm
from runner import progress
from runner.doctor.output import print_plan
from runner.doctor.plan import DoctorInputError
from runner.doctor.run import discover
from runner.plan.config import ConfigError, cell_key, validate
from runner.plan.sweep import Facts, SweepError, cartesian, plan
from runner.serve.interpreter import InterpreterError, cache_dir, ready


def _stop(message: str) -> None:
    print(f"syncblock: {message}", file=sys.stderr)
    raise SystemExit(2)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def facts_of(cfg: DictConfig) -> Facts:
    """The planner's view of one composed (and validated) job config."""
    spec = validate(cfg)
    return Facts(
        hashing=spec.hashing,
        workers=spec.workers,
        users=spec.users,
        scenario=spec.scenario,
        baseline=spec.baseline,
        compare=spec.compare_hashing,
        custom_app=spec.custom_app,
        doctor=spec.doctor,
    )


class SyncblockSweeper(Sweeper):
    def __init__(self, max_batch_size: int | None = None, params: dict[str, str] | None = None):
        super().__init__()
        self.params = dict(params or {})
        self.hydra_context: HydraContext | None = None
        self.config: DictConfig | None = None
        self.launcher: Any = None
        self._composed: dict[tuple[str, ...], DictConfig] = {}

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.hydra_context = hydra_context
        self.config = config
        slurm.use_ours(config)  # submitit_slurm with bounded waits, SIGTERM cancelling its jobs
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def _compose(self, overrides: Sequence[str]) -> DictConfig:
        """One job's config, composed as the launcher will, and validated (cached)."""
        key = tuple(overrides)
        if key not in self._composed:
            assert self.hydra_context is not None and self.config is not None
            try:
                cfg = self.hydra_context.config_loader.load_sweep_config(
                    master_config=self.config, sweep_overrides=list(overrides)
                )
                validate(cfg)
            except ConfigError as exc:
                _stop(str(exc))
            except Exception as exc:  # composition: unknown group option, wrong type, typo
                _stop(f"invalid config: {_first_line(exc)}")
            self._composed[key] = cfg
        return self._composed[key]

    def jobs(self, arguments: list[str]) -> list[list[str]]:
        """Every job's overrides, validated; stops with one line on the first bad one."""
        assert self.hydra_context is not None
        args = [f"{k}={v}" for k, v in self.params.items()] + list(arguments)
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        try:
            grid = cartesian(parser.parse_overrides(args))
        except SweepError as exc:
            _stop(str(exc))
        except Exception as exc:
            _stop(f"invalid override: {_first_line(exc)}")
        planned = plan(
            grid,
            facts=lambda ov: facts_of(self._compose(ov)),
            key=lambda ov: cell_key(self._compose(ov)),
        )
        return [list(j.overrides) for j in planned]

    def interpreters(self, batch: list[list[str]]) -> None:
        """Every job's server interpreter made ready (a venv made once per interpreter), and
        each job checked against it: a work kind without a wheel there stops the sweep here."""
        for overrides in batch:
            spec = validate(self._compose(overrides))
            if spec.target_url:
                continue
            try:
                ready(spec, cache_dir())
            except InterpreterError as exc:
                _stop(str(exc))

    def sweep(self, arguments: list[str]) -> Any:
        assert self.config is not None and self.launcher is not None
        batch = self.jobs(arguments)
        progress.announce(len(batch))
        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        self.interpreters(batch)
        first = validate(self._compose(batch[0]))
        if first.doctor:  # the app's routes, found once: bad input stops before any cell
            try:
                found = discover(first, sweep_dir / DOCTOR_PLAN_FILE)
            except DoctorInputError as exc:
                _stop(str(exc))
            print_plan(found)
        results = self.launcher.launch(batch, initial_job_idx=0)
        for r in results:
            _ = r.return_value  # a job that raised fails the sweep, as with the basic sweeper
        return [results]
