"""The report: DuckDB store -> queries -> figures and text -> one offline HTML page.

`build_report(store=..., out=..., sweep="latest")` is the entry the runner calls at the end of
every multirun; `python -m analysis` is the command line. Both names load on first use, so the
runner's Hydra callback (analysis.callback) costs no import of the report and its statistics
(SciPy) at every start."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analysis.core.store import ReportError
    from analysis.report import build_report

__all__ = ["ReportError", "build_report"]


def __getattr__(name: str) -> Any:
    if name == "build_report":
        from analysis.report import build_report

        return build_report
    if name == "ReportError":
        from analysis.core.store import ReportError

        return ReportError
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")
