"""How does the event loop behave when blocked? How late each worker's 10 ms probe woke in the
most loaded cell of each strategy, and the stall per registration against S."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from analysis.core.aggregate import per_cell, representative_cells
from analysis.core.section import AppliesTo, Context, Section, present
from analysis.core.store import cells
from analysis.sections.loop import figures, sql, text
from app.contract import Row

APPLIES_TO: AppliesTo = "any"


@dataclass(frozen=True)
class LoopData:
    lag_workers: list[Row]  # per cell and worker: lag p99 and max
    stalls: list[Row]  # per cell: late wake-ups and registrations served
    lag_series: dict[str, list[Row]]  # representative cell -> lag over time per worker


def read(con: duckdb.DuckDBPyConnection, ids: list[str]) -> LoopData:
    """The lag over time only for each strategy's representative cell."""
    reps = representative_cells(cells(con, ids))
    return LoopData(
        lag_workers=sql.lag_by_worker(con, ids),
        stalls=sql.stalls(con, ids),
        lag_series={c["cell_id"]: sql.lag_series(con, c["cell_id"]) for c in reps.values()},
    )


def build(d: LoopData, ctx: Context) -> Section:
    reps = representative_cells(ctx.cells)
    worst_pid: dict[str, int | None] = {}
    worst_row: dict[str, Row] = {}
    for c in reps.values():
        mine = [r for r in d.lag_workers if r["cell_id"] == c["cell_id"]]
        if mine:
            w = max(mine, key=lambda r: (r["p99_ms"] or 0, r["max_ms"] or 0))
            worst_pid[c["cell_id"]], worst_row[c["cell_id"]] = w["pid"], w
    stalls = {r["cell_id"]: r for r in d.stalls}
    return Section(
        "loop",
        "The blocked event loop",
        "How does the event loop behave when blocked?",
        present(
            (
                figures.lag_timeline(reps, d.lag_series, worst_pid),
                "How late the loop's 10 ms probe woke, per worker, in the "
                "most loaded cell of each strategy.",
            ),
            (
                figures.lag_per_cell(per_cell(ctx.summary), ctx.repeats),
                "Lag p99 and max of every cell, after warm-up.",
            ),
        ),
        text.blocked_loop(reps, worst_row, stalls, ctx.grid),
    )
