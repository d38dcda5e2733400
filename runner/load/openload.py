"""The runner's side of open-loop load: which locustfile a cell's locust gets. The drops it
logs are counted by `runner.store.files.dropped_in_window`."""

from __future__ import annotations

from runner.store.files import dropped_in_window

OPEN_LOCUSTFILE = "open_loop.py"

__all__ = ["OPEN_LOCUSTFILE", "dropped_in_window"]
