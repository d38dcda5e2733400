"""The report: DuckDB store -> queries -> figures and text -> one offline HTML page.

`build_report(store=..., out=..., sweep="latest")` is the entry the runner calls at the end of
every multirun; `python -m analysis` is the command line."""

from analysis.core.store import ReportError
from analysis.report import build_report

__all__ = ["ReportError", "build_report"]
