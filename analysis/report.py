"""The imperative shell: read the store (read-only), build each section in order, render, write
once. `build_report` is the public entry the runner's Hydra callback calls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.core.aggregate import cell_label, grid
from analysis.core.overlap import overlap_text
from analysis.core.section import Context, Section, SectionModule, applies, context, not_applicable
from analysis.core.service import service_times
from analysis.core.store import Scope, connect, read_scope
from analysis.render import render
from analysis.sections import (
    db,
    doctor,
    health,
    load,
    loop,
    openloop,
    register,
    resources,
    sequential,
    stalls,
    throughput,
    verdict,
    workers,
)

# The page, in order: a section's number is its place among those shown.
SECTIONS: tuple[SectionModule, ...] = (
    doctor,
    loop,
    stalls,
    load,
    health,
    register,
    workers,
    throughput,
    resources,
    sequential,
    verdict,
    db,
    openloop,
)


def sections(ctx: Context, data: Sequence[Any]) -> list[Section]:
    """Each section built from its data (pure), numbered; the sections about an app the cells
    did not serve are named once, at the end, as not applying."""
    shown, elsewhere = [], []
    for module, d in zip(SECTIONS, data, strict=True):
        s = module.build(d, ctx)
        if s is None:
            continue
        if not applies(module.APPLIES_TO, ctx.apps):
            elsewhere.append((s, module.APPLIES_TO))
            continue
        shown.append(replace(s, anchor=module.__name__.rpartition(".")[2]))
    if elsewhere:
        shown.append(not_applicable(elsewhere, ctx.apps))
    return [replace(s, number=n) for n, s in enumerate(shown, start=1)]


def header(scope: Scope) -> dict[str, Any]:
    """What was run and where: the grid, durations, the machine, failed cells."""
    g = grid(scope.cells)
    failed = [
        {
            "label": cell_label(c, g.repeats),
            "job": c["job_num"],
            "error": c.get("error") or "(no reason recorded)",
            "status": c["status"],
        }
        for c in scope.cells
        if c["status"] != "ok"
    ]
    return {
        "store": str(scope.store),
        "sweeps": scope.sweeps,
        "sweep_ids": scope.sweep_ids,
        "grid": g,
        "failed": failed,
        "overlap": overlap_text(scope.cells),  # cells that shared one host's CPUs
        "service": service_times(scope.cells, scope.baselines),
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "apps": scope.apps,
    }


def build_report(*, store: Path, out: Path, sweep: str = "latest") -> Path:
    """Read the store read-only, compute, render one HTML page, write it once; return out."""
    path = Path(store)
    con = connect(path)
    try:
        scope = read_scope(con, path, sweep)
        data = [module.read(con, scope.ids) for module in SECTIONS]
    finally:
        con.close()
    page = render(header(scope), sections(context(scope), data))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
