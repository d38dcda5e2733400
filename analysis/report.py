"""The imperative shell: read the store (read-only), shape, build figures and text, render,
write once. `build_report` is the public entry the runner's Hydra callback calls."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis import (
    dbcompare,
    figures,
    figures_matrix,
    figures_model,
    figures_system,
    openloop_section,
    stall_section,
    text,
    text_system,
    workers_section,
)
from analysis.core import store as queries
from analysis.core.aggregate import (
    Grid,
    cell_label,
    grid,
    per_cell,
    points,
    representative_cells,
    service_times,
    with_service_time,
)
from analysis.core.fixes import fix_table, health_samples
from analysis.core.section import Section, present
from analysis.matrix import matrix, sentences
from analysis.overlap import overlap_text
from analysis.render import render
from analysis.storedata import StoreData, read_store

Row = dict[str, Any]


def _resource_rows(d: StoreData, g: Grid) -> list[Row]:
    """Section 6 rows: 'server' (master + workers summed, from cell_summary), the load
    generator, and each server role's RSS; labelled by cell."""
    repeats = len(g.values("repeat")) > 1
    label = {c["cell_id"]: cell_label(c, repeats) for c in d.cells}
    out = [
        {
            "label": label[c["cell_id"]],
            "role": "server",
            "cpu_avg_percent": c["cpu_avg_percent"],
            "cpu_max_percent": c["cpu_max_percent"],
            "rss_max_bytes": c["rss_max_bytes"],
        }
        for c in per_cell(d.summary)
        if c.get("cpu_avg_percent") is not None
    ]
    ok = {c["cell_id"] for c in d.cells if c["status"] == "ok"}
    out += [{**r, "label": label[r["cell_id"]]} for r in d.resources if r["cell_id"] in ok]
    order = list(label.values())
    return sorted(out, key=lambda r: order.index(r["label"]))


def sections(d: StoreData) -> list[Section]:
    """Compose the eight sections from the store's data (pure given d)."""
    s_by_cost = service_times(d.cells)
    summary = with_service_time(d.summary, s_by_cost)
    cells = with_service_time(d.cells, s_by_cost)
    # the load cells' grid: what the hints' commands repeat (the baseline cells' 1 worker and
    # scenario=sequential are added by every sweep anyway)
    g = grid([c for c in cells if c.get("scenario") != "sequential"] or cells)
    # sections 1-8 are about closed-loop users; open-loop cells have their own section
    load = points([r for r in summary if r.get("arrival") != "open"], "load")
    seq = points(summary, "sequential")
    reps = representative_cells(cells)
    repeats = len(g.values("repeat")) > 1
    worst_pid: dict[str, int | None] = {}
    worst_row: dict[str, Row] = {}
    for c in reps.values():
        mine = [r for r in d.lag_workers if r["cell_id"] == c["cell_id"]]
        if mine:
            w = max(mine, key=lambda r: (r["p99_ms"] or 0, r["max_ms"] or 0))
            worst_pid[c["cell_id"]], worst_row[c["cell_id"]] = w["pid"], w
    stalls = {r["cell_id"]: r for r in d.stalls}
    bcrypt_rows = [r for r in summary if (r.get("work") or "bcrypt") == "bcrypt"]
    fixes = fix_table(points(bcrypt_rows, "load") if bcrypt_rows else load)  # bcrypt's S
    # the verdict's raw health times: the fix table's own cells (bcrypt when kinds vary)
    fix_times = [t for t in d.health_times if not bcrypt_rows or t["work"] == "bcrypt"]
    fix_matrix = matrix(cells, d.summary)  # work kind x strategy, each against its ceiling
    res = _resource_rows(d, g)
    out = [
        Section(
            "loop",
            "1. The blocked event loop",
            "How does the event loop behave when blocked?",
            present(
                (
                    figures.lag_timeline(reps, d.lag_series, worst_pid),
                    "How late the loop's 10 ms probe woke, per worker, in the "
                    "most loaded cell of each strategy.",
                ),
                (
                    figures.lag_per_cell(per_cell(summary), repeats),
                    "Lag p99 and max of every cell, after warm-up.",
                ),
            ),
            text.blocked_loop(reps, worst_row, stalls, g),
        ),
        Section(
            "load",
            "2. Responsiveness under load",
            "How is responsiveness affected under load?",
            present(
                (
                    figures.responsiveness(load),
                    "Client-side latency per endpoint; "
                    "one colour per worker count; ✕ marks cells with failed "
                    "requests.",
                )
            ),
            text.responsiveness(load, g),
        ),
        Section(
            "health",
            "3. Health while registrations run",
            "How does /api/health/ behave "
            "while registrations run, and how does it change with concurrency?",
            present(
                (
                    figures.health_decomposition(load),
                    "Bar height is the mean client time; "
                    "the dark part is the server's handler timer, the light part waiting.",
                )
            ),
            text.health(load, g),
        ),
        Section(
            "register",
            "4. Registration latency vs concurrency",
            "How does the average response time of /api/users/register/ change with concurrency?",
            present(
                (
                    figures_model.registration_model(load),
                    "Measured mean (solid) and p95 "
                    "(dotted) against the closed-loop model (dashed) with S the measured "
                    "single-hash time; c = min(workers, cores) for blocking, cores for "
                    "the strategies that hash off the loop. Dash-dot (blocking, 2+ "
                    "workers): the model with c = min(workers used, cores), the workers "
                    "that served >= 5 % of the requests.",
                )
            ),
            text.registration(load, g),
        ),
        workers_section.section(d, summary, g),
        Section(
            "throughput",
            "5. Throughput and the machine's limit",
            "How close does each strategy come to the machine's limit (cores / time of one hash)?",
            present(
                (
                    figures_system.throughput(load, fixes),
                    "Measured registrations/s, the "
                    "model's X = min(N, c)/S, and the ceiling cores/S.",
                )
            ),
            text_system.throughput(fixes, g),
        ),
        Section(
            "resources",
            "6. CPU and memory",
            "CPU and memory of the server processes and the load generator during each cell.",
            present(
                (
                    figures_system.resources(res),
                    "100 % = one core. Server = master and workers summed at each 0.25 s sample.",
                )
            ),
            text_system.resources(res, g),
        ),
        Section(
            "sequential",
            "7. Sequential baseline",
            "One user, consecutive requests: server-side versus client-side time, and the gap.",
            present(
                (
                    figures_system.sequential(seq),
                    "Mean per request over the consecutive requests of each endpoint.",
                )
            ),
            text_system.sequential(seq, g),
        ),
        Section(
            "verdict",
            "8. Which fix works",
            "Which hashing strategy fixes it, by how much, "
            "and how close does it come to the machine's limit?",
            present(
                (figures_system.verdict(fixes), ""),
                (
                    figures_matrix.heatmap(fix_matrix),
                    "Rows: the kind of synchronous call; columns: the strategy. Colour: "
                    "/api/health/ p95 (green <= 50 ms, red >= S); text adds the loop-lag p99 "
                    "and register throughput as a fraction of the pair's ceiling "
                    "min(users, c)/S (c from the table in the README).",
                ),
                (figures_matrix.table(fix_matrix), ""),
            ),
            text_system.verdict(fixes, g, health_samples(fix_times, fixes)) + sentences(fix_matrix),
            table=fixes or None,
        ),
    ]
    dbs = dbcompare.compare(summary)
    if dbs:  # only when the sweep holds both databases
        figs = present((dbcompare.figure(dbs), dbcompare.CAPTION))
        paras = dbcompare.paragraphs(dbs)
        out.append(Section("db", dbcompare.TITLE, dbcompare.QUESTION, figs, paras))
    stall_figs, stall_text = stall_section.figures_and_text(d.stall_rows)
    out.insert(
        1,
        Section(
            "stalls",
            "1b. What stalled the loop",
            "Which code held the event loop?",
            stall_figs,
            stall_text,
        ),
    )
    if any(c["arrival"] == "open" for c in d.open_loop.cells):  # an optional axis: only when run
        out.append(Section(**openloop_section.parts(d.open_loop)))
    return stall_section.mark_not_applicable(out, d.served_apps)


def header(d: StoreData) -> dict[str, Any]:
    """What was run and where: the grid, durations, the machine, failed cells."""
    g = grid(d.cells)
    failed = [
        {
            "label": cell_label(c, len(g.values("repeat")) > 1),
            "job": c["job_num"],
            "error": c.get("error") or "(no reason recorded)",
            "status": c["status"],
        }
        for c in d.cells
        if c["status"] != "ok"
    ]
    hash_ms = [c["hash_ms"] for c in d.cells if c.get("hash_ms") and c["status"] == "ok"]
    return {
        "store": str(d.store),
        "sweeps": d.sweeps,
        "sweep_ids": d.sweep_ids,
        "grid": g,
        "failed": failed,
        "overlap": overlap_text(d.cells),  # cells that shared one host's CPUs (runner/store)
        "hash_ms": (min(hash_ms), max(hash_ms)) if hash_ms else (math.nan, math.nan),
        "service_ms": service_times(d.cells),
        "measured": len(hash_ms),
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def build_report(*, store: Path, out: Path, sweep: str = "latest") -> Path:
    """Read the store read-only, compute, render one HTML page, write it once; return out."""
    con = queries.connect(Path(store))
    try:
        data = read_store(con, Path(store), sweep)
    finally:
        con.close()
    page = render(header(data), sections(data))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
