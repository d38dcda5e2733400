"""Which fix works: per strategy, /api/health/ at the comparison load (noise-aware, from the
raw request times) and the best throughput against the machine's ceiling; per kind of call,
the fix matrix (matrix.py) against each pair's own ceiling."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from analysis.core.aggregate import hashing_key
from analysis.core.ceilings import work_of
from analysis.core.fixes import FixRow, best_of
from analysis.core.noise import Sample
from analysis.core.section import AppliesTo, Context, Section, present
from analysis.core.store import rows
from analysis.core.wording import ms, num, pct
from analysis.sections.verdict import figures, text
from analysis.sections.verdict.matrix import matrix
from app.contract import Row

APPLIES_TO: AppliesTo = "study"


def read(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Raw client times of /api/health/ in the measured window of the ok load cells (users' and
    the probe's requests alike), with the cell's strategy and load: the verdict's noise."""
    return rows(
        con,
        """
        SELECT c.hashing, coalesce(c.work, 'bcrypt') AS work, c.workers, c.users, r.duration_ms
        FROM measured_requests r JOIN cells c USING (cell_id)
        WHERE list_contains(?, c.cell_id) AND c.status = 'ok' AND c.scenario <> 'sequential'
          AND coalesce(c.arrival, 'closed') = 'closed'
          AND r.side = 'client' AND r.path LIKE '%health%' AND r.duration_ms IS NOT NULL""",
        [ids],
    )


def build(health_times: list[Row], ctx: Context) -> Section:
    fixes = ctx.fixes
    # the raw health times of the fix table's own cells (bcrypt's when the kinds vary)
    bcrypt = any(work_of(r) == "bcrypt" for r in ctx.summary)
    times = [t for t in health_times if not bcrypt or t["work"] == "bcrypt"]
    cells = matrix(ctx.cells, ctx.summary)  # work kind x strategy, each against its ceiling
    return Section(
        "verdict",
        "Which fix works",
        "Which hashing strategy fixes it, by how much, "
        "and how close does it come to the machine's limit?",
        present(
            (figures.fixes(fixes), ""),
            (
                figures.heatmap(cells),
                "Rows: the kind of synchronous call; columns: the strategy. Colour: "
                "/api/health/ p95 (green <= 50 ms, red >= S); text adds the loop-lag p99 "
                "and register throughput as a fraction of the pair's ceiling "
                "min(users, c)/S (c from the table in the README).",
            ),
            (figures.table(cells), ""),
        ),
        text.verdict(fixes, ctx.grid, health_samples(times, fixes)) + text.sentences(cells),
        table=fix_table_layout(fixes) if fixes else None,
    )


def health_samples(times: Sequence[dict[str, object]], rows: Sequence[FixRow]) -> list[Sample]:
    """Per strategy, the raw /api/health/ client times at the fix table's comparison load
    (its users, and its workers when every strategy ran one count in common), over repeats."""
    if not rows:
        return []
    users, workers = rows[0].users, rows[0].workers
    got: dict[str, list[float]] = {}
    for t in times:
        if t["users"] == users and (workers is None or t["workers"] == workers):
            got.setdefault(str(t["hashing"]), []).append(float(t["duration_ms"]))  # type: ignore[arg-type]
    return [Sample(h, tuple(got[h])) for h in sorted(got, key=hashing_key)]


def fix_table_layout(rows: Sequence[FixRow]) -> dict[str, Any]:
    """The fix table as the page lays it out: column titles, and per strategy its cells' text
    and whether it is the best of its column."""
    r0 = rows[0]
    at = f"{r0.users} users" + (f", {r0.workers} w" if r0.workers else "")
    cols = [
        ("health_p95_ms", f"/api/health/ p95 at {at}", True, ms),
        ("best_rps", "best register rps", False, lambda v: num(v, 2)),
        ("fraction", "of ceiling (cores / S)", False, pct),
        ("lag_p99_ms", f"loop lag p99 at {at}", True, ms),
    ]
    best = {a: best_of(rows, a, low) if len(rows) > 1 else None for a, _, low, _ in cols}
    return {
        "columns": [title for _, title, _, _ in cols],
        "rows": [
            {
                "hashing": r.hashing,
                "cells": [
                    {"text": f(getattr(r, a)), "best": best[a] == r.hashing} for a, _, _, f in cols
                ],
            }
            for r in rows
        ],
    }
