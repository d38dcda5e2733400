"""CPU and memory of the server processes and the load generator during each cell."""

from __future__ import annotations

import duckdb

from analysis.core.aggregate import cell_label, per_cell
from analysis.core.section import AppliesTo, Context, Section, present
from analysis.core.store import rows
from analysis.sections.resources import figures, text
from app.contract import Row

APPLIES_TO: AppliesTo = "any"


def read(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Per cell and role (view role_ticks: summed over the role's processes at each tick,
    in the measured window): mean and max CPU % and max RSS."""
    return rows(
        con,
        """
        SELECT cell_id, role, avg(cpu_percent) AS cpu_avg_percent,
               max(cpu_percent) AS cpu_max_percent, max(rss_bytes) AS rss_max_bytes
        FROM role_ticks WHERE list_contains(?, cell_id)
        GROUP BY ALL ORDER BY cell_id, role""",
        [ids],
    )


def resource_rows(by_role: list[Row], ctx: Context) -> list[Row]:
    """'server' (master + workers summed, from cell_summary), the load generator, and each
    server role's RSS; labelled by cell, in the cells' order."""
    label = {c["cell_id"]: cell_label(c, ctx.repeats) for c in ctx.cells}
    out = [
        {
            "label": label[c["cell_id"]],
            "role": "server",
            "cpu_avg_percent": c["cpu_avg_percent"],
            "cpu_max_percent": c["cpu_max_percent"],
            "rss_max_bytes": c["rss_max_bytes"],
        }
        for c in per_cell(ctx.summary)
        if c.get("cpu_avg_percent") is not None
    ]
    ok = {c["cell_id"] for c in ctx.cells if c["status"] == "ok"}
    out += [{**r, "label": label[r["cell_id"]]} for r in by_role if r["cell_id"] in ok]
    order = list(label.values())
    return sorted(out, key=lambda r: order.index(r["label"]))


def build(by_role: list[Row], ctx: Context) -> Section:
    res = resource_rows(by_role, ctx)
    return Section(
        "resources",
        "CPU and memory",
        "CPU and memory of the server processes and the load generator during each cell.",
        present(
            (
                figures.resources(res),
                "100 % = one core. Server = master and workers summed at each 0.25 s sample.",
            )
        ),
        text.resources(res, ctx.grid),
    )
