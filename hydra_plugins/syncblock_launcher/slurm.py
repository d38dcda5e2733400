"""`hydra/launcher=submitit_slurm`: hydra-submitit-launcher's SLURM launcher with three changes.

- **Every wait is bounded.** The plugin waits for each job's result through submitit, which
  asks `sacct`; without an accounting database a job killed before writing its result (scancel,
  its time limit, a dead node) is waited for forever. Here a job's end is read from `squeue`
  (runner/cluster/wait.py), and a job that ended without a result has its cell stored `failed`
  with the job's state as the reason (runner/cluster/lost.py): the sweep goes on to its report,
  says a cell failed, and a resume runs that cell again.
- **SIGTERM or Ctrl-C to the sweep cancels its jobs** (`scancel`), pending and running, and
  says so in one line; the running cells stop like interrupted ones and are not stored.
- **In a job, SIGTERM stops the cell as Ctrl-C does** (SLURM sends it on scancel and at the
  time limit; submitit would only log it and leave the cell to SIGKILL).

The syncblock sweeper starts it in place of the plugin's (`use_ours`); every parameter is the
plugin's.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, JobStatus, filter_overrides
from hydra_plugins.hydra_submitit_launcher import submitit_launcher
from hydra_plugins.hydra_submitit_launcher.config import BaseQueueConf
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

if TYPE_CHECKING:  # runner is imported in the methods: Hydra scans this module at every start
    from runner.cluster.wait import Lost

log = logging.getLogger(__name__)
PLUGIN_TARGET = "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"
TARGET = "hydra_plugins.syncblock_launcher.slurm.SlurmLauncher"


def say(message: str) -> None:
    print(f"syncblock: {message}", file=sys.stderr, flush=True)


def use_ours(config: DictConfig) -> None:
    """`hydra/launcher=submitit_slurm` selected: start this launcher instead of the plugin's."""
    launcher = config.hydra.launcher
    if launcher is not None and launcher.get("_target_") == PLUGIN_TARGET:
        with read_write(launcher), open_dict(launcher):
            launcher._target_ = TARGET


class SlurmLauncher(submitit_launcher.SlurmLauncher):
    def __call__(self, *args: Any, **kwargs: Any) -> JobReturn:
        """In the job: SIGTERM and SIGHUP take Ctrl-C's path, then the plugin runs the cell."""
        from runner.processes import interrupt

        interrupt.install()
        return super().__call__(*args, **kwargs)

    def _executor(self) -> Any:
        """The plugin's executor, built from the launcher's parameters as the plugin does."""
        import submitit

        init_keys = {"max_num_timeout", "submitit_folder"}
        init = {"folder": self.params["submitit_folder"]}
        if "max_num_timeout" in self.params:
            init["slurm_max_num_timeout"] = self.params["max_num_timeout"]
        executor = submitit.AutoExecutor(cluster=self._EXECUTOR, **init)
        base = set(OmegaConf.structured(BaseQueueConf).keys())
        executor.update_parameters(
            **{
                (k if k in base else f"{self._EXECUTOR}_{k}"): v
                for k, v in self.params.items()
                if k not in init_keys
            }
        )
        return executor

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        from runner.cluster import squeue
        from runner.cluster.wait import wait_for

        assert self.config is not None and self.hydra_context is not None
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        log.info(f"Submitit 'slurm' sweep output dir : {sweep_dir}")
        sweep_dir.mkdir(parents=True, exist_ok=True)
        params = []
        for idx, overrides in enumerate(job_overrides, start=initial_job_idx):
            log.info(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")
            params.append(
                (list(overrides), "hydra.sweep.dir", idx, f"job_id_for_{idx}",
                 Singleton.get_state())
            )  # fmt: skip
        jobs = self._executor().map_array(self, *zip(*params, strict=True))
        ids = [job.job_id for job in jobs]
        try:
            lost = {
                x.job_id: x for x in wait_for([(j.job_id, j.paths.result_pickle) for j in jobs])
            }
        except KeyboardInterrupt:
            arrays = " ".join(squeue.array_ids(ids))
            if squeue.cancel(ids):
                say(f"cancelled the sweep's SLURM jobs ({arrays})")
            else:
                say(f"could not cancel the sweep's SLURM jobs: scancel {arrays}")
            raise
        return [
            self._lost(p[0], p[2], lost[job.job_id]) if job.job_id in lost else job.results()[0]
            for job, p in zip(jobs, params, strict=True)
        ]

    def _lost(self, overrides: list[str], idx: int, lost: Lost) -> JobReturn:
        """Store the cell of a job that ended without a result; a completed job returning it."""
        from runner.cluster.lost import reason, record_lost

        assert self.config is not None and self.hydra_context is not None
        config = self.hydra_context.config_loader.load_sweep_config(self.config, overrides)
        with open_dict(config.hydra.job):
            config.hydra.job.num = idx
        say(reason(lost))
        result = record_lost(config, idx, lost)
        return JobReturn(overrides=overrides, status=JobStatus.COMPLETED, _return_value=result)
