"""Hydra callback that rebuilds the report at the end of a multirun (registered in
conf/hydra/default.yaml after the runner's own callback, so the sweep is closed first)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def build_report(store: Path) -> None:
    """Rebuild <store dir>/report.html; never raises (the sweep's data is stored already)."""
    from analysis.report import build_report as analysis_build_report

    out = store.parent / "report.html"
    try:
        analysis_build_report(store=store, out=out)
        print(f"syncblock: report written to {out}")
    except Exception as exc:  # a report failure must not hide that the data is stored
        print(
            f"syncblock: report failed: {type(exc).__name__}: {_first_line(exc)}", file=sys.stderr
        )


class ReportCallback(Callback):
    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        build_report(Path(config.store))
