"""How does the event loop behave when blocked? How late each worker's 10 ms probe woke in the
most loaded cell of each strategy, and the stall per registration against S."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.aggregate import cell_label, hashing_key, per_cell, representative_cells
from analysis.core.figstyle import LegendOnce, base_layout, hashing_color
from analysis.core.section import AppliesTo, Context, Section, present
from analysis.core.store import cells, rows
from analysis.sections.loop.text import answer, blocked_loop
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
        "The blocked event loop",
        "How does the event loop behave when blocked?",
        present(
            (
                lag_timeline(reps, d.lag_series, worst_pid),
                "How late the loop's 10 ms probe woke, per worker, in the "
                "most loaded cell of each strategy.",
            ),
            (
                lag_per_cell(per_cell(ctx.summary), ctx.grid.repeats),
                "Lag p99 and max of every cell, after warm-up.",
            ),
        ),
        blocked_loop(reps, worst_row, stalls, ctx.grid),
        answers=answer(reps, worst_row, stalls),
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


def lag_timeline(
    reps: Mapping[str, Row], series: Mapping[str, list[Row]], worst: Mapping[str, int | None]
) -> go.Figure | None:
    """Loop lag over time, one panel per strategy's representative cell; the worst worker in
    the strategy's colour, the others grey; warm-up shaded."""
    reps = {h: c for h, c in reps.items() if series.get(c["cell_id"])}
    if not reps:
        return None
    fig = make_subplots(
        rows=len(reps),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=[cell_label(c) for c in reps.values()],
    )
    legend = LegendOnce()
    for i, (h, c) in enumerate(reps.items(), start=1):
        rows = series[c["cell_id"]]
        for pid in sorted({r["pid"] for r in rows}, key=lambda p: p == worst.get(c["cell_id"])):
            mine = [r for r in rows if r["pid"] == pid]
            is_worst = pid == worst.get(c["cell_id"])
            name = "worst worker" if is_worst else "other workers"
            fig.add_trace(
                go.Scatter(
                    x=[r["t"] for r in mine],
                    y=[max(r["lag_ms"], 0.01) for r in mine],
                    mode="lines",
                    name=f"{h}: worst worker (pid {pid})" if is_worst else name,
                    legendgroup=name if not is_worst else h,
                    showlegend=is_worst or legend(name),
                    line={
                        "width": 1.6 if is_worst else 0.8,
                        "color": hashing_color(h) if is_worst else "#b0b0b0",
                    },
                    hovertemplate=f"t %{{x:.2f}} s<br>lag %{{y:.1f}} ms<extra>pid {pid}</extra>",
                ),
                row=i,
                col=1,
            )
        if c.get("t_measure_start") and c.get("t_load_start"):
            fig.add_vrect(
                x0=c["t_load_start"] - c["t_measure_start"],
                x1=0,
                row=i,
                col=1,
                fillcolor="#999",
                opacity=0.12,
                line_width=0,
            )
        fig.update_yaxes(type="log", title_text="lag (ms)", row=i, col=1)
    fig.update_xaxes(
        title_text="seconds since warm-up ended (grey band: warm-up)", row=len(reps), col=1
    )
    return base_layout(
        fig, "Event-loop lag over time (max per 50 ms, log scale)", 160 + 220 * len(reps)
    )


def lag_per_cell(cells: Sequence[Row], with_repeat: bool = False) -> go.Figure | None:
    """Loop lag p99 and max per cell, log scale, coloured by strategy."""
    cells = [c for c in cells if c.get("loop_lag_p99_ms") is not None]
    if not cells:
        return None
    fig = go.Figure()
    for h in sorted({c["hashing"] for c in cells}, key=hashing_key):
        mine = [c for c in cells if c["hashing"] == h]
        x = [cell_label(c, with_repeat) for c in mine]
        for stat, symbol in (("loop_lag_p99_ms", "circle"), ("loop_lag_max_ms", "triangle-up")):
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=[max(c[stat] or 0.01, 0.01) for c in mine],
                    mode="markers",
                    name=f"{h} {'p99' if 'p99' in stat else 'max'}",
                    marker={
                        "color": hashing_color(h),
                        "symbol": symbol,
                        "size": 9,
                        "opacity": 1 if "p99" in stat else 0.55,
                    },
                    hovertemplate="%{x}<br>%{y:.1f} ms<extra></extra>",
                )
            )
    fig.update_yaxes(type="log", title_text="loop lag after warm-up (ms, log)")
    fig.update_xaxes(title_text="cell (strategy · workers · users)", tickangle=-40)
    return base_layout(fig, "Loop lag per cell: p99 (●) and max (▲)", 480)
