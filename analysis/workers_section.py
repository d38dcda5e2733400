"""Section 4b, "Do more workers help?" (analysis/workers.py shapes and words it)."""

from __future__ import annotations

from typing import Any

from analysis import workers
from analysis.core.aggregate import Grid
from analysis.core.section import Section, present
from analysis.storedata import StoreData

Row = dict[str, Any]


def section(d: StoreData, summary: list[Row], g: Grid) -> Section:
    """'Do more workers help?' (analysis/workers.py): the spread of every multi-worker cell,
    and blocking at 5 and 10 users per worker count and connection mode."""
    pts = workers.worker_points(summary)
    return Section(
        "workers",
        "4b. Do more workers help?",
        "At 5 and 10 users, what do more uvicorn workers buy the blocking strategy, and did "
        "the load reach them?",
        present(
            (
                workers.comparison_figure(pts),
                "Blocking register mean and health p95 per worker count (log scale); one "
                "colour per connection mode (load.connections · server.balance).",
            ),
            (
                workers.split_figure(d.worker_shares),
                "Each multi-worker cell's requests by worker, busiest first (users' requests "
                "in the measured window; the health probe's own are left out).",
            ),
        ),
        workers.sentences(pts, g),
    )
