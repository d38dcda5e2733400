"""The "Open vs closed load" section: read (analysis.queries.openloop), shape and word (openloop),
draw (openloop_figures). `read` is the only part touching the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import plotly.graph_objects as go

from analysis import openloop, openloop_figures, openloop_words
from analysis.queries import openloop as openloop_queries

Row = dict[str, Any]

ANCHOR = "openloop"
TITLE = "Open vs closed load"
QUESTION = (
    "What does a load that keeps arriving see, that a closed loop of users waiting for their "
    "answers hides (coordinated omission)?"
)


@dataclass
class OpenLoopData:
    cells: list[Row] = field(default_factory=list)
    stats: list[Row] = field(default_factory=list)
    series: list[Row] = field(default_factory=list)
    slopes: list[Row] = field(default_factory=list)
    arrivals: list[Row] = field(default_factory=list)  # below capacity, threads: ideal sharing


def read(con: duckdb.DuckDBPyConnection, ids: list[str]) -> OpenLoopData:
    """Everything the section draws from, for the report's cells."""
    cells = openloop_queries.load_cells(con, ids)
    opened = [c["cell_id"] for c in cells if c["arrival"] == "open"]
    shared = [c["cell_id"] for c in cells if openloop.replayable(c)]
    return OpenLoopData(
        cells=cells,
        stats=openloop_queries.endpoint_stats(con, [c["cell_id"] for c in cells]),
        series=openloop_queries.latency_series(con, opened) if opened else [],
        slopes=openloop_queries.growth(con, opened, openloop.REGISTER) if opened else [],
        arrivals=openloop_queries.arrivals(con, shared, openloop.REGISTER) if shared else [],
    )


def parts(d: OpenLoopData) -> dict[str, Any]:
    """The section's anchor, title, question, (figure, caption) pairs and paragraphs (pure)."""
    growth = openloop.growth_rows(d.cells, d.slopes)
    gaps = openloop.gaps(d.cells, d.stats)
    figs: list[tuple[go.Figure, str]] = []
    timeline = openloop_figures.timeline(openloop.shown_cells(d.cells), d.series)
    if timeline is not None:
        figs.append(
            (
                timeline,
                "Mean latency from each request's intended send time, per second of the run, "
                "registrations where the load has them (else health); ρ = offered "
                "registrations / the pair's ceiling μ. Dashed: the queue model "
                "S + (λ − μ)/μ · t above capacity.",
            )
        )
    bars = openloop_figures.gap_bars(gaps)
    if bars is not None:
        figs.append(
            (
                bars,
                "Closed-loop p99 next to open-loop p99 (from the actual send and from the "
                "intended time) for cells of the same pair, the closed cell being the one with "
                f"the fewest users that achieved at least {1 - openloop.SAME_THROUGHPUT:.0%} of "
                "the open cell's throughput; the load's own requests only (no probe).",
            )
        )
    return {
        "anchor": ANCHOR,
        "title": TITLE,
        "question": QUESTION,
        "figures": figs,
        "paragraphs": openloop_words.paragraphs(
            d.cells, growth, gaps, openloop.below_rows(d.cells, d.stats, d.arrivals)
        ),
    }
