"""How does the event loop behave when blocked? How late each worker's 10 ms probe woke in the
most loaded cell of each strategy, and the stall per registration against S."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb

from analysis.core.aggregate import Grid, per_cell, representative_cells
from analysis.core.section import AppliesTo, Context, Section, present
from analysis.core.store import cells, rows
from analysis.core.wording import more_strategies, ms, run_command, times
from analysis.sections.loop import figures
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
        lag_workers=lag_by_worker(con, ids),
        stalls=stall_totals(con, ids),
        lag_series={c["cell_id"]: lag_series(con, c["cell_id"]) for c in reps.values()},
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
        blocked_loop(reps, worst_row, stalls, ctx.grid),
    )


def lag_series(con: duckdb.DuckDBPyConnection, cell_id: str, bucket_s: float = 0.05) -> list[Row]:
    """Loop lag of one cell per worker pid, the max in each time bucket (spikes survive),
    t in seconds since the end of the warm-up (negative = warm-up)."""
    return rows(
        con,
        """
        WITH k AS (SELECT coalesce(t_measure_start, (SELECT min(t) FROM loop_lag
                                                     WHERE cell_id = $1)) AS t0
                   FROM cells WHERE cell_id = $1)
        SELECT pid, floor((t - k.t0) / $2) * $2 AS t, max(lag_ms) AS lag_ms
        FROM loop_lag, k WHERE cell_id = $1
        GROUP BY ALL ORDER BY pid, t""",
        [cell_id, bucket_s],
    )


def lag_by_worker(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Per cell and worker pid: lag p99 and max after warm-up (view worker_lag)."""
    return rows(
        con,
        """
        SELECT cell_id, pid, p99_ms, max_ms FROM worker_lag
        WHERE list_contains(?, cell_id) ORDER BY cell_id, pid""",
        [ids],
    )


def stall_totals(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Per ok cell: the lag samples more than 5 ms late (view worker_lag's late_*), their
    count and sum over the workers, and the registrations the server handled in the same
    window (view measured_requests)."""
    return rows(
        con,
        """
        WITH st AS (
            SELECT cell_id, sum(late_samples) AS stalls, sum(late_total_ms) AS stall_total_ms
            FROM worker_lag GROUP BY ALL
        ), reg AS (
            SELECT cell_id, count(*) AS registrations FROM measured_requests
            WHERE side = 'server' AND path LIKE '%register%'
            GROUP BY ALL
        )
        SELECT c.cell_id, coalesce(st.stalls, 0) AS stalls,
               coalesce(st.stall_total_ms, 0) AS stall_total_ms,
               coalesce(reg.registrations, 0) AS registrations
        FROM cells c LEFT JOIN st USING (cell_id) LEFT JOIN reg USING (cell_id)
        WHERE list_contains(?, c.cell_id) AND c.status = 'ok'""",
        [ids],
    )


def _load_at(c: Row) -> str:
    w = c["workers"]
    return f"{w} worker{'s' if w != 1 else ''}, {c['users']} users"


def blocked_loop(
    reps: Mapping[str, Row], worst: Mapping[str, Row], stalls: Mapping[str, Row], grid: Grid
) -> list[str]:
    """How late the loop woke, and the stall per registration against S.
    reps: strategy -> representative cell; worst: cell_id -> its worst worker's lag row;
    stalls: cell_id -> stall row (stalls, stall_total_ms, registrations)."""
    out = []
    per_reg: dict[str, float] = {}
    for h, c in reps.items():
        w = worst.get(c["cell_id"])
        if w is None:
            continue
        s = stalls.get(c["cell_id"], {})
        hash_ms = c.get("hash_ms") or math.nan
        text = (
            f"{h} ({_load_at(c)}): the worst worker's loop woke up to {ms(w['max_ms'])} "
            f"late (p99 {ms(w['p99_ms'])}); the longest stall lasted "
            f"{times(w['max_ms'] / hash_ms)} the single-hash time S = {ms(hash_ms)}."
        )
        regs = s.get("registrations") or 0
        if regs:
            per_reg[h] = s.get("stall_total_ms", 0.0) / regs
            text += (
                f" Wake-ups more than 5 ms late add up to {ms(s.get('stall_total_ms'))} "
                f"over {regs} registrations served: {ms(per_reg[h])} of stalled loop per "
                f"registration ({times(per_reg[h] / hash_ms)} S)."
            )
        else:
            text += " No registration was served in this cell."
        out.append(text)
    if not out:
        return [
            f"No loop-lag samples are stored for this sweep. Run `{run_command(grid)}` "
            "with the app's instrumentation on (the default) to record them."
        ]
    base = per_reg.get("blocking")
    others = [(h, v) for h, v in per_reg.items() if h != "blocking" and v > 0]
    if base and others:
        out.append(
            "Per registration served, the loop stalled "
            + ", ".join(f"{times(base / v)} less under {h}" for h, v in others)
            + " than under blocking; "
            "what remains is the loop waiting for a core that the hashing threads or "
            "processes hold."
        )
    if len(reps) < 2:
        out.append(
            "Only one hashing strategy was run; to see a fix beside it, run "
            f"`{run_command(grid, hashing=more_strategies(grid))}`."
        )
    return out
