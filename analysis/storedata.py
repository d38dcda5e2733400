"""What the report reads from the store: every query once, as plain rows (`read_store`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from analysis import openloop_section
from analysis.core import store as queries
from analysis.core.aggregate import representative_cells
from app.contract import DEFAULT_APP

Row = dict[str, Any]


@dataclass
class StoreData:
    """Everything the report reads, as plain rows."""

    store: Path
    sweep_ids: list[str]
    sweeps: list[Row]
    cells: list[Row]
    summary: list[Row]
    lag_workers: list[Row]
    stalls: list[Row]
    resources: list[Row]
    lag_series: dict[str, list[Row]]
    worker_shares: list[Row] = field(default_factory=list)
    health_times: list[Row] = field(default_factory=list)
    stall_rows: list[Row] = field(default_factory=list)  # queries.stall_stacks
    served_apps: list[str] = field(default_factory=list)  # server.app of the cells
    open_loop: openloop_section.OpenLoopData = field(default_factory=openloop_section.OpenLoopData)


def read_store(con: duckdb.DuckDBPyConnection, store: Path, sweep: str) -> StoreData:
    """All queries, once; the loop-lag series only for the representative cells."""
    ids = queries.resolve_sweeps(con, sweep)
    cids = queries.cell_ids(con, ids)  # the sweeps' own cells and those they reused
    cells = queries.cells(con, cids)
    reps = representative_cells(cells)
    return StoreData(
        store=store,
        sweep_ids=ids,
        sweeps=queries.sweeps(con, ids),
        cells=cells,
        summary=queries.summary(con, cids),
        lag_workers=queries.lag_by_worker(con, cids),
        stalls=queries.stalls(con, cids),
        resources=queries.resources_by_role(con, cids),
        lag_series={c["cell_id"]: queries.lag_series(con, c["cell_id"]) for c in reps.values()},
        worker_shares=queries.worker_shares(con, cids),
        health_times=queries.health_times(con, cids),
        stall_rows=queries.stall_stacks(con, cids),
        served_apps=queries.served_apps(con, cids, DEFAULT_APP),
        open_loop=openloop_section.read(con, cids),
    )
