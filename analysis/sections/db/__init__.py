"""SQLite vs PostgreSQL at the highest user count both databases reached.

Shown only when the sweep holds load cells of both databases. For each (strategy, workers)
measured on both at that user count: registration mean and p95 (client side), registrations/s,
failed requests (all endpoints), and the mean server-side time in the database per
registration (`requests.db_ms`: the route's database call, waiting for a pooled connection
or SQLite's write lock included). Repeats are averaged. Pure: rows in, rows / text / figure out.
"""

from __future__ import annotations

from collections import defaultdict
from statistics import mean

import plotly.graph_objects as go

from analysis.core.section import AppliesTo, Context, Section, present
from analysis.core.section import read_nothing as read
from analysis.core.wording import num
from app.contract import DB_NAMES, REGISTER_PATH, Row

APPLIES_TO: AppliesTo = "study"
__all__ = ["APPLIES_TO", "build", "read"]


def build(data: None, ctx: Context) -> Section | None:
    """None unless the sweep holds both databases."""
    rows = compare(ctx.summary)
    if not rows:
        return None
    return Section(
        "SQLite vs PostgreSQL",
        "Does the database, and how the app reaches it, change the picture? "
        "Both databases at the highest user count both reached.",
        present(
            (
                figure(rows),
                "Registration latency (client side), registrations/s, failed requests, and the "
                "mean time the app spent in the database per registration (server side, db_ms).",
            )
        ),
        paragraphs(rows),
    )


def _avg(values: list[float | None]) -> float | None:
    known = [float(v) for v in values if v is not None]
    return mean(known) if known else None


def compare(summary: list[Row]) -> list[Row]:
    """One row per (db, hashing, workers) at the top common user count; [] if not both dbs."""
    load = [r for r in summary if r.get("scenario") != "sequential" and r.get("db") in DB_NAMES]
    users_by_db: dict[str, set[int]] = defaultdict(set)
    for r in load:
        users_by_db[r["db"]].add(int(r["users"]))
    common = (
        set.intersection(*(users_by_db[db] for db in DB_NAMES))
        if len(users_by_db) == len(DB_NAMES)
        else set()
    )
    if not common:
        return []
    top = max(common)
    cells: dict[str, list[Row]] = defaultdict(list)
    for r in load:
        if int(r["users"]) == top:
            cells[r["cell_id"]].append(r)
    groups: dict[tuple[str, str, int], list[list[Row]]] = defaultdict(list)
    for rows in cells.values():
        first = rows[0]
        groups[(first["hashing"], first["db"], int(first["workers"]))].append(rows)
    pairs = {(h, w) for h, _, w in groups}
    both = {(h, w) for h, w in pairs if all((h, db, w) in groups for db in DB_NAMES)}
    out = []
    for hashing, workers in sorted(both):
        for db in DB_NAMES:
            reps = groups[(hashing, db, workers)]
            reg = [next((r for r in rows if r["endpoint"] == REGISTER_PATH), {}) for rows in reps]
            out.append(
                {
                    "db": db,
                    "hashing": hashing,
                    "workers": workers,
                    "users": top,
                    "cells": len(reps),
                    "register_avg_ms": _avg([r.get("avg_ms") for r in reg]),
                    "register_p95_ms": _avg([r.get("p95_ms") for r in reg]),
                    "register_rps": _avg([r.get("rps") for r in reg]),
                    "failures": sum(int(r.get("failures") or 0) for rows in reps for r in rows),
                    "db_ms": _avg([r.get("db_avg_ms") for r in reg]),
                }
            )
    return out


def paragraphs(rows: list[Row]) -> list[str]:
    """One sentence per (strategy, workers) pair, with the measured numbers."""
    by = {(r["hashing"], r["workers"], r["db"]): r for r in rows}
    out = []
    for hashing, workers in sorted({(r["hashing"], r["workers"]) for r in rows}):
        s, p = by[(hashing, workers, "sqlite")], by[(hashing, workers, "postgres")]
        out.append(
            f"{hashing}, {workers} worker(s), {s['users']} users: PostgreSQL registered "
            f"{num(p['register_rps'])}/s against SQLite's {num(s['register_rps'])}/s; mean "
            f"{num(p['register_avg_ms'], 0)} vs {num(s['register_avg_ms'], 0)} ms, p95 "
            f"{num(p['register_p95_ms'], 0)} vs {num(s['register_p95_ms'], 0)} ms; "
            f"{p['failures']} vs {s['failures']} failed requests. The app spent "
            f"{num(p['db_ms'], 2)} ms in PostgreSQL per registration against "
            f"{num(s['db_ms'], 2)} ms in SQLite."
        )
    if out:
        out.append(
            "db_ms runs from the route's database call to its return, on the server: a "
            "pooled connection's wait and SQLite's write lock are in it, the hash is not. "
            "The throwaway PostgreSQL runs with synchronous_commit=off and fsync=off, "
            "matching SQLite's WAL with synchronous=NORMAL (no disk flush per commit)."
        )
    return out


def figure(rows: list[Row]) -> go.Figure | None:
    """The comparison as a table figure (None when there is nothing to compare)."""
    if not rows:
        return None
    cols = {  # header -> column
        "database": [r["db"] for r in rows],
        "strategy": [r["hashing"] for r in rows],
        "workers": [r["workers"] for r in rows],
        "users": [r["users"] for r in rows],
        "register mean ms": [num(r["register_avg_ms"], 0) for r in rows],
        "register p95 ms": [num(r["register_p95_ms"], 0) for r in rows],
        "registrations/s": [num(r["register_rps"]) for r in rows],
        "failed requests": [r["failures"] for r in rows],
        "db ms / registration": [num(r["db_ms"], 2) for r in rows],
    }
    fig = go.Figure(go.Table(header={"values": list(cols)}, cells={"values": list(cols.values())}))
    fig.update_layout(height=80 + 28 * len(rows), margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig
