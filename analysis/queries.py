"""The store reading the runner's tests import by this name; it lives in analysis/core/store.py."""

from analysis.core.store import ReportError, cell_ids, cells, connect, resolve_sweeps

__all__ = ["ReportError", "cell_ids", "cells", "connect", "resolve_sweeps"]
