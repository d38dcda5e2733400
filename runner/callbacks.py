"""Hydra callback around a run or a sweep: check a single run's config and take the store before
any process starts, print progress as cells finish, close the sweep.

A multirun's jobs are expanded and validated by the syncblock sweeper (hydra_plugins/), which
also announces the progress total; the report is rebuilt by analysis.callback.ReportCallback
(both registered in conf/hydra/default.yaml). Only public Hydra APIs are used here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from runner import outcome
from runner.plan.config import ConfigError, validate
from runner.progress import Progress
from runner.serve.databases import close_servers
from runner.serve.interpreter import InterpreterError, cache_dir, ready
from runner.store import StoreBusy
from runner.store.redact import hydra_files, scrub_files
from runner.store.session import claim_store, close_sweep, sweep_id_for


def stop(message: str) -> None:
    """Print one line and end the process with a non-zero code (before any cell runs)."""
    print(f"syncblock: {message}", file=sys.stderr)
    raise SystemExit(2)


class SweepCallback(Callback):
    def __init__(self) -> None:
        self.progress: Progress | None = None

    def _prepare(self, config: DictConfig, total: int | None) -> None:
        try:
            claim_store(config)  # one sweep per store; its jobs join it (session.py)
        except StoreBusy as exc:
            stop(str(exc))
        self.progress = Progress(total=total)

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        try:
            spec = validate(config)
            if not spec.target_url:  # the server's interpreter, its venv made once
                ready(spec, cache_dir())
        except (ConfigError, InterpreterError) as exc:
            stop(str(exc))
        self._prepare(config, total=1)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        # total: announced by the sweeper once it has expanded and validated every job
        self._prepare(config, total=None)

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        job_dir = Path(config.hydra.runtime.output_dir)  # Hydra just wrote the config there
        scrub_files(hydra_files(job_dir, job_dir.parent))

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        if self.progress is None or job_return.status != JobStatus.COMPLETED:
            return
        result = job_return.return_value  # public: COMPLETED, so this never raises
        if result:
            self.progress.cell_done(result)

    def on_run_end(self, config: DictConfig, **kwargs: Any) -> None:
        close_servers()  # the run's throwaway PostgreSQL, if it started one
        run_dir = Path(config.hydra.run.dir)
        close_sweep(Path(config.store), sweep_id_for(run_dir))
        outcome.note(Path(config.store), sweep_id_for(run_dir))

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        close_servers()  # the sweep's throwaway PostgreSQL, if it started one
        close_sweep(Path(config.store), sweep_id_for(Path(config.hydra.sweep.dir)))
        outcome.note(Path(config.store), sweep_id_for(Path(config.hydra.sweep.dir)))
