"""The doctor's findings of one cell, computed at ingest: its call plan's routes, each with the
stalls attributed to it, the kind of call, the fix and its latency (runner/doctor/ holds the
pure rules). Runs inside ingest's transaction, after the cell's stalls and requests are in."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import duckdb

from app.contract import DOCTOR_PLAN_FILE, Row
from runner.doctor.attribution import Route, RouteSummary, route_of, summarise
from runner.doctor.plan import Plan, from_json

COLUMNS = (
    "cell_id", "route", "method", "path", "handler", "handler_file", "handler_line",
    "first_status", "first_ms", "left_out", "requests", "avg_ms", "p95_ms", "stalled_s",
    "stalled_share", "stalls", "line", "call", "kind", "fix", "how", "evidence", "suggestion",
)  # fmt: skip


def read_plan(cell_dir: Path) -> Plan | None:
    """The cell's call plan, when its load came from the doctor."""
    path = cell_dir / DOCTOR_PLAN_FILE
    return from_json(path.read_text(encoding="utf-8")) if path.is_file() else None


def _rows(con: duckdb.DuckDBPyConnection, sql: str, cell_id: str) -> list[dict[str, Any]]:
    cur = con.execute(sql, [cell_id])
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _latency(durations: list[float]) -> tuple[int, float | None, float | None]:
    """(n, mean, p95 by linear interpolation, as DuckDB's quantile_cont) of some times."""
    if not durations:
        return 0, None, None
    xs = sorted(durations)
    pos = 0.95 * (len(xs) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return len(xs), sum(xs) / len(xs), xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


# A route blocks the loop when its stalls add up to at least this share of the measured
# window; below it (one 20 ms stall in 15 s under a few hundred requests/s) the stalls are the
# machine's noise, not the route's code: kind and fix stay NULL.
MIN_STALLED_SHARE = 0.01


def findings(
    plan: Plan, stalls: list[Row], server: list[Row], client: list[Row], window_s: float
) -> list[Row]:
    """One row per route of the plan (and per route left out, with its reason), pure."""
    routes = [Route(r.method, r.path, r.handler.qualname if r.handler else "") for r in plan.routes]
    summary: dict[str | None, RouteSummary] = {
        s.route: s for s in summarise(stalls, routes, server)
    }
    times: dict[str, list[float]] = {r.name: [] for r in routes}
    for row in client:
        route = route_of(row["method"], row["path"], routes)
        if route is not None and row["duration_ms"] is not None:
            times[route.name].append(float(row["duration_ms"]))
    out: list[dict[str, Any]] = []
    for planned in plan.routes:
        s = summary.get(planned.name)
        n, avg, p95 = _latency(times[planned.name])
        h, first = planned.handler, planned.first_call
        out.append(
            {
                "route": planned.name,
                "method": planned.method,
                "path": planned.path,
                "handler": h.qualname if h else None,
                "handler_file": h.file if h else None,
                "handler_line": h.first_line if h else None,
                "first_status": first.status if first else None,
                "first_ms": first.ms if first else None,
                "requests": n,
                "avg_ms": avg,
                "p95_ms": p95,
                **(_summary(s, window_s) if s else {}),
            }
        )
    if None in summary:  # stalled time no route was found for
        out.append({"route": None, **_summary(summary[None], window_s)})
    out += [{"route": x.name, "left_out": x.reason} for x in plan.left_out]
    return out


def _summary(s: RouteSummary, window_s: float) -> dict[str, Any]:
    keys = ("stalled_s", "stalled_share", "stalls", "line", "call", "kind", "fix", "how")
    out = {k: getattr(s, k) for k in keys} | {"evidence": s.evidence, "suggestion": s.suggestion}
    if s.stalls and s.stalled_s < MIN_STALLED_SHARE * window_s:
        share = f"{100 * s.stalled_s / window_s:.1f} %" if window_s > 0 else "none"
        why = f"stalled {s.stalled_s:.2f} s, {share} of the window: noise, not a finding"
        out |= {"kind": None, "fix": None, "line": None, "call": None, "suggestion": None}
        out["evidence"] = why
    return out


_STALLS = "SELECT * FROM measured_stalls WHERE cell_id = ? ORDER BY t_start"
_REQUESTS = (
    "SELECT method, path, t_start, duration_ms, pid FROM measured_requests "
    "WHERE cell_id = ? AND side = '{side}' AND coalesce(source, 'user') = 'user'"
)


def ingest_findings(con: duckdb.DuckDBPyConnection, cell_id: str, cell_dir: Path) -> int:
    """Insert the cell's findings (none when its load was not the doctor's); rows inserted."""
    plan = read_plan(cell_dir)
    if plan is None:
        return 0
    t0, t1 = con.execute(
        "SELECT t_measure_start, t_measure_end FROM cells WHERE cell_id = ?", [cell_id]
    ).fetchone() or (None, None)
    rows = findings(
        plan,
        _rows(con, _STALLS, cell_id),
        _rows(con, _REQUESTS.format(side="server"), cell_id),
        _rows(con, _REQUESTS.format(side="client"), cell_id),
        t1 - t0 if t0 is not None and t1 is not None else 0.0,
    )
    params = [[cell_id, *(r.get(c) for c in COLUMNS[1:])] for r in rows]
    marks = ", ".join("?" for _ in COLUMNS)
    con.executemany(f"INSERT INTO doctor_findings ({', '.join(COLUMNS)}) VALUES ({marks})", params)
    return len(rows)
