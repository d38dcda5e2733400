"""Which fix works: per strategy, /api/health/ at the comparison load (noise-aware, from the
raw request times) and the best throughput against the machine's ceiling; per kind of call,
the fix matrix (matrix.py) against each pair's own ceiling; text.py words it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import duckdb
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.aggregate import hashing_key
from analysis.core.ceilings import interpreter_of, work_of
from analysis.core.figstyle import base_layout, hashing_color
from analysis.core.fixes import FixRow, best_of
from analysis.core.noise import Sample
from analysis.core.section import Answer, AppliesTo, Context, Section, present
from analysis.core.sources import foreign_note, quiet
from analysis.core.store import rows
from analysis.core.wording import ms, num, pct
from analysis.sections.verdict import matrix_text, text
from analysis.sections.verdict.matrix import RESPONSIVE_MS, MatrixCell, matrix
from app.contract import HASHINGS, Row

APPLIES_TO: AppliesTo = "study"


def read(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Raw client times of /api/health/ in the measured window of the ok load cells that no
    foreign load disturbed, with who asked (the users or the probe) and the cell's strategy
    and load: the verdict's noise."""
    return rows(
        con,
        """
        SELECT c.hashing, coalesce(c.work, 'bcrypt') AS work, c.workers, c.users,
               coalesce(r.source, 'user') AS source, r.duration_ms,
               c.python_version, c.free_threaded, c.gil_enabled
        FROM measured_requests r JOIN cells c USING (cell_id)
        WHERE list_contains(?, c.cell_id) AND c.status = 'ok' AND c.scenario <> 'sequential'
          AND coalesce(c.arrival, 'closed') = 'closed' AND NOT coalesce(c.foreign_load, false)
          AND r.side = 'client' AND r.path LIKE '%health%' AND r.duration_ms IS NOT NULL""",
        [ids],
    )


def build(health_times: list[Row], ctx: Context) -> Section:
    fixes = ctx.fixes
    # the raw health times of the fix table's own cells (bcrypt's when the kinds vary)
    bcrypt = any(work_of(r) == "bcrypt" for r in ctx.summary)
    # on the fix table's interpreter when the server ran on several (the matrix has them all)
    times = [
        t
        for t in health_times
        if (not bcrypt or t["work"] == "bcrypt") and interpreter_of(t) == ctx.interpreter
    ]
    users = [t for t in times if t["source"] == "user"]
    probe = [t for t in times if t["source"] == "probe"]
    cells = matrix(quiet(ctx.cells), ctx.summary)  # work kind x strategy, against its ceiling
    said = text.verdict(fixes, ctx.grid, health_samples(users, fixes), health_samples(probe, fixes))
    note = foreign_note(ctx.cells)
    return Section(
        "Which fix works",
        "Which hashing strategy fixes it, by how much, "
        "and how close does it come to the machine's limit?",
        present(
            (fix_bars(fixes), ""),
            (
                heatmap(cells),
                "Rows: the kind of synchronous call (and the server's interpreter, when "
                "several ran); columns: the strategy. Colour: the users' /api/health/ p95 "
                "(green <= 50 ms, red >= S); text adds the loop-lag p99 "
                "and register throughput as a fraction of the pair's ceiling "
                "min(users, c)/S (c from the table in the README).",
            ),
            (table(cells), ""),
        ),
        matrix_text.gil_flags(ctx.cells)
        + said
        + matrix_text.sentences(cells)
        + matrix_text.interpreter_sentences(cells)
        + ([note] if note else []),
        table=fix_table_layout(fixes) if fixes else None,
        answers=[Answer("Which fix works", text.answer(said))] if fixes else [],
    )


def health_samples(times: Sequence[Row], rows: Sequence[FixRow]) -> list[Sample]:
    """Per strategy, the raw /api/health/ client times at the fix table's comparison load
    (its users, and its workers when every strategy ran one count in common), over repeats."""
    if not rows:
        return []
    users, workers = rows[0].users, rows[0].workers
    got: dict[str, list[float]] = {}
    for t in times:
        if t["users"] == users and (workers is None or t["workers"] == workers):
            got.setdefault(t["hashing"], []).append(float(t["duration_ms"]))
    return [Sample(h, tuple(got[h])) for h in sorted(got, key=hashing_key)]


def fix_table_layout(rows: Sequence[FixRow]) -> dict[str, Any]:
    """The fix table as the page lays it out: column titles, and per strategy its cells' text
    and whether it is the best of its column."""
    r0 = rows[0]
    at = f"{r0.users} users" + (f", {r0.workers} w" if r0.workers else "")
    cols = [
        ("health_p95_ms", f"users' /api/health/ p95 at {at}", True, ms),
        ("probe_p95_ms", f"probe's /api/health/ p95 at {at}", True, ms),
        ("best_rps", "best register rps", False, lambda v: num(v, 2)),
        ("fraction", "of its ceiling (cores / server CPU per registration)", False, pct),
        ("lag_p99_ms", f"loop lag p99 at {at}", True, ms),
    ]
    best = {a: best_of(rows, a, low) if len(rows) > 1 else None for a, _, low, _ in cols}
    return {
        "corner": "strategy",
        "note": "★ best in its column." if len(rows) > 1 else "",
        "columns": [title for _, title, _, _ in cols],
        "rows": [
            {
                "label": r.hashing,
                "cells": [
                    {"text": f(getattr(r, a)), "best": best[a] == r.hashing} for a, _, _, f in cols
                ],
            }
            for r in rows
        ],
    }


def fix_bars(rows: Sequence[FixRow]) -> go.Figure | None:
    """Per strategy: /api/health/ p95 at the comparison load, and best throughput as a fraction
    of the machine's ceiling."""
    if not rows:
        return None
    names = [r.hashing for r in rows]
    colors = [hashing_color(h) for h in names]
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.18,
        subplot_titles=[
            f"users' /api/health/ p95 at {rows[0].users} users (ms, log; lower is better)",
            "best registrations/s as % of ceiling (higher is better)",
        ],
    )
    health = [None if math.isnan(r.health_p95_ms) else r.health_p95_ms for r in rows]
    share = [None if math.isnan(r.fraction) else 100 * r.fraction for r in rows]
    for col, x, shown in ((1, health, "%{x:.1f} ms"), (2, share, "%{x:.0f} %")):
        fig.add_trace(
            go.Bar(
                y=names,
                x=x,
                orientation="h",
                marker={"color": colors},
                showlegend=False,
                hovertemplate=f"%{{y}}: {shown}<extra></extra>",
            ),
            row=1,
            col=col,
        )
    fig.update_xaxes(type="log", title_text="ms", row=1, col=1)
    fig.update_xaxes(title_text="% of cores / S", range=[0, 105], row=1, col=2)
    fig.update_yaxes(autorange="reversed")
    return base_layout(fig, "Which fix works", 160 + 50 * len(rows))


def _axes(cells: Sequence[MatrixCell]) -> tuple[list[str], list[str]]:
    """The matrix's rows (kinds, with their interpreters when several ran; `matrix` has them
    in order) and columns (strategies)."""
    kinds: list[str] = list(dict.fromkeys(m.row for m in cells))
    strategies: list[str] = [s for s in HASHINGS if any(m.hashing == s for m in cells)]
    return kinds, strategies


def heatmap(cells: Sequence[MatrixCell]) -> go.Figure | None:
    """Colour: /api/health/ p95 on a log scale (green at <= 50 ms, red at >= S); text: health
    p95, loop-lag p99 and throughput as a fraction of the pair's ceiling."""
    if not cells:
        return None
    kinds, strategies = _axes(cells)
    at = {(m.row, m.hashing): m for m in cells}
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    for k in kinds:
        zrow: list[float | None] = []
        trow: list[str] = []
        for s in strategies:
            m = at.get((k, s))
            if m is None or math.isnan(m.health_p95_ms):
                zrow.append(None)
                trow.append("not run" if m is None else f"{pct(m.fraction)} of ceiling")
                continue
            zrow.append(math.log10(max(m.health_p95_ms, 1.0)))
            trow.append(
                f"health p95 {ms(m.health_p95_ms)} (users')<br>lag p99 {ms(m.lag_p99_ms)}"
                f"<br>{pct(m.fraction)} of ceiling"
            )
        z.append(zrow)
        text.append(trow)
    s_ms = max((m.service_ms for m in cells if not math.isnan(m.service_ms)), default=250.0)
    lo, hi = math.log10(RESPONSIVE_MS / 5), math.log10(max(s_ms, RESPONSIVE_MS * 2))
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=strategies,
            y=kinds,
            text=text,
            texttemplate="%{text}",
            zmin=lo,
            zmax=hi,
            colorscale=[[0, "#1a9850"], [0.5, "#fee08b"], [1, "#d73027"]],
            colorbar={
                "title": "health p95",
                "tickvals": [1, 2, 3],
                "ticktext": ["10", "100", "1000 ms"],
            },
            hovertemplate="%{y} · %{x}<br>%{text}<extra></extra>",
            xgap=2,
            ygap=2,
        )
    )
    base_layout(fig, "Which fix works, by kind of call", 120 + 90 * len(kinds))
    fig.update_yaxes(autorange="reversed")
    return fig


def table(cells: Sequence[MatrixCell]) -> go.Figure | None:
    """Every matrix cell's numbers, one row per (kind, strategy)."""
    if not cells:
        return None
    cols = {  # header -> column
        "kind": [m.row for m in cells],
        "strategy": [m.hashing for m in cells],
        "S (error vs bcrypt)": [
            f"{ms(m.service_ms)} ({pct(m.calibration_error, signed=True)})" for m in cells
        ],
        "c": [f"{m.executors} = {m.rule}" for m in cells],
        "ceiling /s": [num(m.ceiling_rps) for m in cells],
        "register /s": [num(m.rps) for m in cells],
        "× 1/S": [num(m.parallel, 2) for m in cells],
        "of ceiling": [pct(m.fraction) for m in cells],
        "health p95 (users')": [ms(m.health_p95_ms) for m in cells],
        "health p95 (probe)": [ms(m.probe_p95_ms) for m in cells],
        "lag p99": [ms(m.lag_p99_ms) for m in cells],
        "loop": [m.loop for m in cells],
    }
    fig = go.Figure(
        go.Table(
            header={"values": list(cols), "align": "left", "fill_color": "#eeeeee"},
            cells={"values": list(cols.values()), "align": "left"},
            columnwidth=[1.1, 1.0, 1.3, 1.3, 0.8, 0.8, 0.6, 0.7, 0.8, 0.8, 0.8, 0.7],
        )
    )
    base_layout(fig, "The fix matrix in numbers", 140 + 24 * len(cells))
    return fig
