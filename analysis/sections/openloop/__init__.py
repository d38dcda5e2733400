"""Open vs closed load: what a load that keeps arriving sees, that a closed loop of users
waiting for their answers hides. sql.py reads, model.py shapes (the queue models); the
figures and sentences are here."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.figstyle import SERIES_COLORS, LegendOnce, base_layout
from analysis.core.section import AppliesTo, Context, Section, present
from analysis.core.wording import count, ms, num, pct, times
from analysis.sections.openloop import model, sql
from analysis.sections.openloop.model import (
    HEALTH,
    REGISTER,
    SAME_THROUGHPUT,
    Gap,
    group_label,
    group_of,
    model_slope,
    register_share,
    utilisation,
)
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
    figs = present(
        (
            timeline(model.shown_cells(d.cells), d.series),
            "Mean latency from each request's intended send time, per second of the run, "
            "registrations where the load has them (else health); ρ = offered "
            "registrations / the pair's ceiling μ. Dashed: the queue model "
            "S + (λ − μ)/μ · t above capacity.",
        ),
        (
            gap_bars(gaps),
            "Closed-loop p99 next to open-loop p99 (from the actual send and from the "
            "intended time) for cells of the same pair, the closed cell being the one with "
            f"the fewest users that achieved at least {1 - model.SAME_THROUGHPUT:.0%} of "
            "the open cell's throughput; the load's own requests only (no probe).",
        ),
    )
    return Section(
        "Open vs closed load",
        "What does a load that keeps arriving see, that a closed loop of users waiting for "
        "their answers hides (coordinated omission)?",
        figs,
        paragraphs(
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


def rate_label(c: Row) -> str:
    rho = utilisation(c)
    load = "" if math.isnan(rho) else f" (ρ = {rho:.2f})"
    return f"λ = {c['rate']:g}/s{load}"


def timeline(cells: Sequence[Row], series: Sequence[Row]) -> go.Figure | None:
    """Mean latency from the intended time per 1-s bin, one panel per pair, one line per
    offered rate; above capacity the model's S + (λ − μ)/μ · t dashed in the same colour."""
    cells = [c for c in cells if any(r["cell_id"] == c["cell_id"] for r in series)]
    if not cells:
        return None
    groups = list(dict.fromkeys(group_of(c) for c in cells))
    first = {g: next(c for c in cells if group_of(c) == g) for g in groups}
    fig = make_subplots(
        rows=len(groups),
        cols=1,
        vertical_spacing=0.12 / max(1, len(groups) - 1) if len(groups) > 1 else 0.1,
        subplot_titles=[group_label(first[g]) for g in groups],
    )
    legend = LegendOnce()
    for i, g in enumerate(groups, start=1):
        mine = [c for c in cells if group_of(c) == g]
        for j, c in enumerate(mine):
            color = SERIES_COLORS[j % len(SERIES_COLORS)]
            endpoint = REGISTER if register_share(c["scenario"]) > 0 else HEALTH
            pts = [r for r in series if r["cell_id"] == c["cell_id"] and r["endpoint"] == endpoint]
            name = rate_label(c)
            fig.add_trace(
                go.Scatter(
                    x=[r["t_s"] for r in pts],
                    y=[r["latency_avg_ms"] / 1000 for r in pts],
                    mode="lines+markers",
                    line={"color": color},
                    marker={"size": 4},
                    name=name,
                    legendgroup=name,
                    showlegend=legend(name),
                ),
                row=i,
                col=1,
            )
            slope = model_slope(c)
            if pts and slope > 0:
                s = float(c["service_ms"]) / 1000
                end = max(r["t_s"] for r in pts) + 1
                fig.add_trace(
                    go.Scatter(
                        x=[0, end],
                        y=[s, s + slope * end],
                        mode="lines",
                        line={"color": color, "dash": "dash"},
                        name=f"model {name}",
                        legendgroup=name,
                        showlegend=legend(f"model {name}"),
                    ),
                    row=i,
                    col=1,
                )
            warm = (c.get("t_measure_start") or 0) - (c.get("t_load_start") or 0)
            if warm > 0 and j == 0:
                fig.add_vrect(x0=0, x1=warm, fillcolor="#eeeeee", line_width=0, row=i, col=1)
        fig.update_yaxes(title_text="latency from intended (s)", row=i, col=1)
    fig.update_xaxes(title_text="s since the first arrival (grey: warm-up)", row=len(groups))
    return base_layout(fig, "Latency over time at each offered rate", 280 * len(groups) + 120)


def gap_bars(gaps: Sequence[Gap]) -> go.Figure | None:
    """Per pair and endpoint: closed-loop p99, open-loop p99 from the actual send, and from
    the intended time, at about the same achieved throughput."""
    if not gaps:
        return None
    x = [f"{g.label}<br>{g.endpoint} @ {g.opened['achieved_rps']:.1f}/s" for g in gaps]
    fig = go.Figure()
    bars = (
        ("closed loop p99", [g.closed_p99_ms for g in gaps], "#7f7f7f"),
        ("open loop p99 from send", [g.open_send_p99_ms for g in gaps], "#9ecae1"),
        ("open loop p99 from intended", [g.open_p99_ms for g in gaps], "#c0392b"),
    )
    for name, ys, color in bars:
        fig.add_trace(go.Bar(x=x, y=ys, name=name, marker_color=color))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="p99 (ms)", type="log")
    return base_layout(fig, "The coordinated-omission gap at the same throughput", 420)


def service_sentence(c: Row) -> str:
    """What S is for this cell's pair, with its value (no parentheses: it goes inside some)."""
    if c.get("request_ms"):
        return (
            f"S = {ms(c['service_ms'])}: one registration's server time alone, from the "
            f"sweep's sequential baseline of {c['hashing']}; the call alone takes "
            f"{ms(c.get('call_ms'))}"
        )
    return (
        f"S = {ms(c['service_ms'])}: the call alone, as this sweep has no sequential baseline "
        f"of {c['hashing']}, so the registration's own work beyond the call is left out"
    )


def paragraphs(
    cells: Sequence[Row],
    growth: Sequence[Row],
    gap: Sequence[Gap],
    below: Sequence[Row] = (),
) -> list[str]:
    """The section's text (the sweep has open cells), every number from the store."""
    opened = [c for c in cells if c.get("arrival") == "open"]
    out = [
        "An open-loop cell sends each request when its schedule says "
        f"({opened[0].get('arrival_process') or 'poisson'} arrivals at load.rate/s), whatever "
        "the answers do; latency is measured from that intended time, so time spent waiting "
        "for a stalled server counts. A closed-loop user sends only after the previous answer."
    ]
    kept = [
        f"{group_label(c)} λ = {num(c['rate'], 3 if c['rate'] < 1 else 1)}/s "
        f"{c.get('arrival_process') or 'poisson'}: achieved "
        f"{num(c['achieved_rps'])}/s, send lag p99 {ms(c['send_lag_p99_ms'])}, "
        f"{int(c['dropped'] or 0)} dropped"
        for c in opened
    ]
    out.append("Offered vs achieved: " + "; ".join(kept) + ".")
    for b in below:
        model = b["model_in_s"]
        out.append(
            f"Below capacity ({group_label(b)}, λ = {num(b['rate'])}/s "
            f"{b.get('arrival_process') or 'poisson'}, ρ = {num(b['rho'], 2)}): registrations "
            f"took {ms(b['mean_ms'])} on average from the intended time, "
            f"{num(b['mean_in_s'], 2)} S ({service_sentence(b)})"
            + (
                f"; {b['model']} gives {num(model, 2)} S for Poisson arrivals"
                if not math.isnan(model)
                else ""
            )
            + (
                f", and ideal sharing of {b['executors']} cores replayed on this cell's own "
                f"arrivals {num(b['ideal_in_s'], 2)} S, so the luck of this sample accounts for "
                f"{pct(b['ideal_in_s'] / model - 1, True)} and this server for "
                f"{pct(b['mean_in_s'] / b['ideal_in_s'] - 1, True)}."
                if not math.isnan(b.get("ideal_in_s", math.nan)) and not math.isnan(model)
                else "."
            )
        )
    for g in growth:
        out.append(
            f"Above capacity ({group_label(g)}, λ = {num(g['rate'])}/s, ρ = {num(g['rho'], 2)} "
            f"of μ = {num(g['ceiling_rps'])} registrations/s, {service_sentence(g)}): latency "
            "from the intended time "
            f"grew by {num(g['slope'], 2)} s per s against the model's (λ − μ)/μ = "
            f"{num(g['model_slope'], 2)} ({pct(g['slope'] / g['model_slope'] - 1, True)}); "
            f"registrations completed at {num(g['completed_rps'])}/s "
            f"({pct(g['achieved_vs_ceiling'], True)} against the ceiling), and with μ that "
            f"measured rate the model gives {num(g['measured_slope'], 2)} "
            f"({pct(g['slope'] / g['measured_slope'] - 1, True)})."
        )
    for gp in gap:
        if gp.endpoint != HEALTH:
            continue
        out.append(
            f"At the same or a higher throughput ({group_label(gp.opened)}: closed loop "
            f"{count(gp.closed['users'], 'user')}, "
            f"{num(gp.closed['achieved_rps'])}/s; open loop "
            f"{num(gp.opened['achieved_rps'])}/s), the closed-loop health p99 was "
            f"{ms(gp.closed_p99_ms)} and the open-loop one {ms(gp.open_p99_ms)} from the intended "
            f"time ({ms(gp.open_send_p99_ms)} from the actual send), {times(gp.ratio)} what the "
            "closed loop reported."
        )
    if not gap:
        out.append(
            "No closed-loop cell of the same pair reached an open cell's throughput (less "
            f"{pct(SAME_THROUGHPUT)}), so the coordinated-omission gap is not shown; sweep "
            "`users` for the closed-loop side."
        )
    return out
