"""What stalled the loop: the stacks a watchdog thread in each worker sampled while the loop
stood still, ranked per strategy (stacks.py), drawn (figures.py) and named in sentences."""

from __future__ import annotations

import duckdb
import plotly.graph_objects as go

from analysis.core.section import AppliesTo, Context, Section
from analysis.core.store import rows
from analysis.core.wording import ms
from analysis.sections.stalls import figures
from analysis.sections.stalls.stacks import late_note, rank, sentence
from app.contract import Row

APPLIES_TO: AppliesTo = "any"


def read(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """The stalls of the measured window of the given ok cells (view measured_stalls), with
    their cell's strategy and app."""
    return rows(
        con,
        """
        SELECT s.cell_id, c.hashing, c.work, c.server_app, s.source, s.pid, s.t_start,
               s.duration_ms, s.samples, s.stack, s.leaf, s.late
        FROM measured_stalls s JOIN cells c USING (cell_id)
        WHERE list_contains(?, s.cell_id) AND c.status = 'ok'
        ORDER BY c.hashing, s.source, s.t_start""",
        [ids],
    )


def build(stall_rows: list[Row], ctx: Context) -> Section:
    figs, paragraphs = figures_and_text(stall_rows)
    return Section(
        "stalls", "What stalled the loop", "Which code held the event loop?", figs, paragraphs
    )


def figures_and_text(rows: list[Row]) -> tuple[list[tuple[go.Figure, str]], list[str]]:
    """The section's figures (with captions) and paragraphs."""
    if not rows:
        return [], [
            "No stall was recorded: no worker's loop stood still for longer than "
            "`stalls.stall_ms` in the measured windows (or the cells predate the watchdog)."
        ]
    groups = rank(rows)
    has_pyspy = any(g.source == "py-spy" for g in groups)
    text = [
        "A watchdog thread in each worker samples the loop thread's stack while the loop "
        "stands still longer than `stalls.stall_ms` (frames `module:function:line`, outermost "
        "first); each stall is named by its most-sampled stack. Warm-up excluded."
    ]
    text += [sentence(g) for g in groups]
    text += [n for g in groups if (n := late_note(g, has_pyspy)) is not None]
    figs: list[tuple[go.Figure, str]] = []
    ice = figures.icicle(groups)
    if ice is not None:
        figs.append(
            (
                ice,
                f"Top {figures.TOP_STACKS} stacks per strategy; click a box to zoom. Outer "
                "frames that all stacks share (server, event loop) are cut.",
            )
        )
    bar = figures.bars(groups)
    if bar is not None:
        total = sum(g.total_ms for g in groups)
        figs.append((bar, f"All strategies together: {ms(total)} stood still."))
    return figs, text
