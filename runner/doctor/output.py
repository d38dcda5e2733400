"""What the doctor prints: the routes it found before the cells run, and at the end one row per
route ranked by the time it held the loop (rich). Rows are built by pure functions."""

from __future__ import annotations

from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table

from app.contract import Row
from runner.doctor.plan import Plan

FIX_TEXT = {
    "threadpool": "thread pool",
    "processpool": "process pool",
    "async": "async library",
}


def plan_lines(plan: Plan) -> list[str]:
    """The plan in a few lines: how many routes, the probe, each route left out and why."""
    probe = f"probe GET {plan.probe_path}" if plan.probe_path else "no probe (no bare GET route)"
    out = [f"doctor: {len(plan.routes)} routes of {plan.app} to call; {probe}"]
    out += [f"  left out: {x.line()}" for x in plan.left_out]
    return out


def print_plan(plan: Plan, console: Console | None = None) -> None:
    for line in plan_lines(plan):
        (console or Console(stderr=True)).print(line, highlight=False, markup=False)


_FINDINGS = """
SELECT f.route, c.scenario, f.requests, f.avg_ms, f.stalled_s, f.stalled_share, f.kind,
       f.line, f.call, f.fix, f.suggestion, f.left_out
FROM doctor_findings f JOIN cells c USING (cell_id)
WHERE c.sweep_id = ? AND c.status = 'ok'
"""


def read_findings(con: duckdb.DuckDBPyConnection, sweep_id: str) -> list[Row]:
    cur = con.execute(_FINDINGS, [sweep_id])
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def ranked(rows: list[Row]) -> list[Row]:
    """One row per route: its time alone (sequential cell) and under load, and the load cell's
    stalls, kind, line and fix; heaviest stalled time first, left-out routes last (pure)."""
    out: dict[Any, Row] = {}
    for r in rows:
        me = out.setdefault(r["route"], {"route": r["route"], "left_out": r["left_out"]})
        if r["scenario"] == "sequential":
            me["alone_ms"] = r["avg_ms"]
            continue
        me.update({k: r[k] for k in ("stalled_s", "stalled_share", "kind", "line", "call")})
        me.update(load_ms=r["avg_ms"], fix=r["fix"], suggestion=r["suggestion"])
    return sorted(
        out.values(), key=lambda r: (r["left_out"] is not None, -(r.get("stalled_s") or 0))
    )


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:,.0f}"


def short_line(line: str | None) -> str:
    """'pkg.mod:Class.fn:42' -> 'mod:Class.fn:42' (the column stays narrow; the full line is
    in the advice below the table and in the store)."""
    if not line:
        return ""
    module, _, rest = line.partition(":")
    return f"{module.rsplit('.', 1)[-1]}:{rest}"


def table(rows: list[Row]) -> Table:
    t = Table(title="Which route blocks the loop", title_justify="left")
    numbers = ("alone ms", "load ms", "stalled s", "%")
    for name in ("route", *numbers, "kind", "line", "fix"):
        t.add_column(name, justify="right" if name in numbers else "left", overflow="fold")
    for r in ranked(rows):
        if r["left_out"]:
            t.add_row(str(r["route"]), "", "", "", "", "left out", "", "")
            continue
        stalled = r.get("stalled_s") or 0.0
        t.add_row(
            str(r["route"] or "(no route)"),
            _ms(r.get("alone_ms")),
            _ms(r.get("load_ms")),
            f"{stalled:.2f}",
            f"{100 * (r.get('stalled_share') or 0):.0f}",
            r.get("kind") or ("fine" if r["route"] else "-"),
            short_line(r.get("line")),
            FIX_TEXT.get(r.get("fix") or "", ""),
        )
    return t


def advice(rows: list[Row]) -> list[str]:
    """One line per route that blocks the loop: where, and the line of code that fixes it;
    one per route left out, with why (pure)."""
    out = []
    for r in ranked(rows):
        if r["left_out"]:
            out.append(f"{r['route']}: left out, {r['left_out']}")
        elif r.get("fix"):
            called = f" calling {r['call']}" if r.get("call") else ""
            out.append(f"{r['route']}: {r.get('line')}{called} -> {r.get('suggestion')}")
    return out
