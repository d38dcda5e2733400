"""Open vs closed load: what a load that keeps arriving sees, that a closed loop of users
waiting for their answers hides. sql.py reads, model.py shapes (the queue models), figures.py
draws, text.py says."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import plotly.graph_objects as go

from analysis.core.section import AppliesTo, Context, Section
from analysis.sections.openloop import figures, model, sql, text
from app.contract import Row

APPLIES_TO: AppliesTo = "study"


@dataclass
class OpenLoopData:
    cells: list[Row] = field(default_factory=list)
    stats: list[Row] = field(default_factory=list)
    series: list[Row] = field(default_factory=list)
    slopes: list[Row] = field(default_factory=list)
    arrivals: list[Row] = field(default_factory=list)  # below capacity, threads: ideal sharing


def read(con: duckdb.DuckDBPyConnection, ids: list[str]) -> OpenLoopData:
    """Everything the section draws from, for the report's cells."""
    cells = sql.load_cells(con, ids)
    opened = [c["cell_id"] for c in cells if c["arrival"] == "open"]
    shared = [c["cell_id"] for c in cells if model.replayable(c)]
    return OpenLoopData(
        cells=cells,
        stats=sql.endpoint_stats(con, [c["cell_id"] for c in cells]),
        series=sql.latency_series(con, opened) if opened else [],
        slopes=sql.growth(con, opened, model.REGISTER) if opened else [],
        arrivals=sql.arrivals(con, shared, model.REGISTER) if shared else [],
    )


def build(d: OpenLoopData, ctx: Context | None = None) -> Section | None:
    """None when the sweep ran no open-loop cell (an optional axis: only shown when run)."""
    if not any(c["arrival"] == "open" for c in d.cells):
        return None
    gaps = model.gaps(d.cells, d.stats)
    figs: list[tuple[go.Figure, str]] = []
    timeline = figures.timeline(model.shown_cells(d.cells), d.series)
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
    bars = figures.gap_bars(gaps)
    if bars is not None:
        figs.append(
            (
                bars,
                "Closed-loop p99 next to open-loop p99 (from the actual send and from the "
                "intended time) for cells of the same pair, the closed cell being the one with "
                f"the fewest users that achieved at least {1 - model.SAME_THROUGHPUT:.0%} of "
                "the open cell's throughput; the load's own requests only (no probe).",
            )
        )
    return Section(
        "openloop",
        "Open vs closed load",
        "What does a load that keeps arriving see, that a closed loop of users waiting for "
        "their answers hides (coordinated omission)?",
        figs,
        text.paragraphs(
            d.cells,
            model.growth_rows(d.cells, d.slopes),
            gaps,
            model.below_rows(d.cells, d.stats, d.arrivals),
        ),
    )


def parts(d: OpenLoopData) -> dict[str, Any]:
    """The section's fields by name, no figure nor paragraph without open cells (what
    benchmarks/openloop_accept.py prints)."""
    s = build(d)
    return vars(s) if s else {"figures": [], "paragraphs": []}
