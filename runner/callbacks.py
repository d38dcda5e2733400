"""Hydra callback around a run or a sweep: check every job's config and take the store before
any process starts, print progress as cells finish, close the sweep and rebuild the report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra import compose
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from runner.config import ConfigError, validate
from runner.databases import close_servers
from runner.progress import Progress
from runner.redact import hydra_files, scrub_files
from runner.session import claim_store, close_sweep, sweep_id_for
from runner.store import StoreBusy


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def stop(message: str) -> None:
    """Print one line and end the process with a non-zero code (before any cell runs)."""
    print(f"syncblock: {message}", file=sys.stderr)
    raise SystemExit(2)


def job_overrides(config: DictConfig) -> list[list[str]]:
    """The override list of each job of a multirun, as Hydra's basic sweeper expands them."""
    params = OmegaConf.select(config, "hydra.sweeper.params") or {}
    args = [f"{k}={v}" for k, v in params.items()]
    args += list(OmegaConf.select(config, "hydra.overrides.task") or [])
    parsed = OverridesParser.create().parse_overrides(args)
    return BasicSweeper.split_arguments(parsed, None)[0]


def build_report(store: Path) -> None:
    """Rebuild <store dir>/report.html with the analysis, if it is installed; never raises."""
    try:
        from analysis import build_report as analysis_build_report
    except ImportError as exc:
        print(f"syncblock: report not built (analysis unavailable: {exc})", file=sys.stderr)
        return
    out = store.parent / "report.html"
    try:
        analysis_build_report(store=store, out=out)
        print(f"syncblock: report written to {out}")
    except Exception as exc:  # the sweep's data is stored; a report failure must not hide that
        print(f"syncblock: report failed: {type(exc).__name__}: {first_line(exc)}", file=sys.stderr)


class SweepCallback(Callback):
    def __init__(self) -> None:
        self.progress: Progress | None = None

    def _prepare(self, config: DictConfig, total: int) -> None:
        try:
            claim_store(config)  # one sweep per store; its jobs join it (session.py)
        except StoreBusy as exc:
            stop(str(exc))
        self.progress = Progress(total=total)

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        try:
            validate(config)
        except ConfigError as exc:
            stop(str(exc))
        self._prepare(config, total=1)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        jobs = job_overrides(config)
        for overrides in jobs:
            try:
                validate(compose(config_name="config", overrides=overrides))
            except ConfigError as exc:
                stop(str(exc))
            except Exception as exc:  # composition: unknown group option, wrong type, typo
                stop(f"invalid config: {first_line(exc)}")
        self._prepare(config, total=len(jobs))

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        job_dir = Path(config.hydra.runtime.output_dir)  # Hydra just wrote the config there
        scrub_files(hydra_files(job_dir, job_dir.parent))

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        result = getattr(job_return, "_return_value", None)
        if self.progress is not None and job_return.status == JobStatus.COMPLETED and result:
            self.progress.cell_done(result)

    def on_run_end(self, config: DictConfig, **kwargs: Any) -> None:
        close_servers()  # the run's throwaway PostgreSQL, if it started one
        run_dir = Path(config.hydra.run.dir)
        close_sweep(Path(config.store), sweep_id_for(run_dir))

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        close_servers()  # the sweep's throwaway PostgreSQL, if it started one
        store = Path(config.store)
        close_sweep(store, sweep_id_for(Path(config.hydra.sweep.dir)))
        build_report(store)
