"""Which route blocks the loop: the doctor's findings on a user's app, one row per route, with
the line that held the loop, the kind of call, the fix, and what the fix would reach on this
machine (the executors of core/ceilings.py for that kind, over the route's time alone)."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import plotly.graph_objects as go

from analysis.core.ceilings import CALL_KINDS, ceiling_rps, pair
from analysis.core.figstyle import base_layout
from analysis.core.section import Answer, AppliesTo, Context, Section, present
from analysis.core.wording import ms, num, pct
from app.contract import Row

APPLIES_TO: AppliesTo = "user"
__all__ = ["APPLIES_TO", "build", "read"]

FIX_TEXT = {
    "threadpool": "a thread pool",
    "processpool": "a process pool",
    "async": "an async library",
}
KIND_COLOR = {"gil_released": "#e67e22", "gil_held": "#c0392b", "wait": "#8e44ad", None: "#27ae60"}

_SQL = """
SELECT f.*, c.scenario, c.workers, c.server_app, coalesce(s.cpu_count, 1) AS cores
FROM doctor_findings f JOIN cells c USING (cell_id) LEFT JOIN sweeps s USING (sweep_id)
WHERE c.status = 'ok' AND list_contains(?, f.cell_id)
"""


def read(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    cur = con.execute(_SQL, [ids])
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def routes(rows: Sequence[Row]) -> list[Row]:
    """One row per route: the load cell's findings with the route's mean alone (the sequential
    cell's); heaviest stalled time first, the routes left out last (pure)."""
    out: dict[object, Row] = {}
    for r in rows:
        me = out.setdefault(r["route"], {"route": r["route"], "left_out": r["left_out"]})
        if r["scenario"] == "sequential":
            me["alone_ms"] = r["avg_ms"]
        else:
            me.update({k: v for k, v in r.items() if k not in ("route", "left_out")})
            me["load_ms"] = r["avg_ms"]
    return sorted(out.values(), key=lambda r: (bool(r["left_out"]), -(r.get("stalled_s") or 0)))


def ceilings(r: Row) -> tuple[float, float] | None:
    """(calls/s now, calls/s with the fix) for a blocking route: the kind's executors under
    blocking and under the fix's strategy, over its time alone."""
    kind, fix, alone = r.get("kind"), r.get("fix"), r.get("alone_ms")
    if kind not in CALL_KINDS or not fix or not alone:
        return None
    work, cores, workers = CALL_KINDS[kind], int(r["cores"]), int(r["workers"] or 1)
    strategy = "processpool" if fix == "processpool" else "threadpool"
    now = pair(work, "blocking", workers=workers, cores=cores).executors
    fixed = pair(work, strategy, workers=workers, cores=cores).executors
    return ceiling_rps(now, alone), ceiling_rps(fixed, alone)


def paragraph(r: Row) -> str:
    """One blocking route: how long it held the loop, where, what kind of call, the fix."""
    called = f", calling {r['call']}" if r.get("call") else ""
    how = "its stack" if r.get("how") == "stack" else "its requests overlapping the stalls"
    text = (
        f"{r['route']} held the loop for {num(r['stalled_s'], 2)} s under load "
        f"({pct(r['stalled_share'])} of all stalled time, found by {how}), at "
        f"`{r['line'] or '?'}`{called}. Kind {r['kind']}: {r['evidence']}. "
        f"Fix: {FIX_TEXT[r['fix']]}, `{r['suggestion']}`."
    )
    limits = ceilings(r)
    if limits:
        text += (
            f" Alone it takes {ms(r['alone_ms'])}; on this machine ({r['cores']} cores, "
            f"{r['workers']} worker(s)) that is at most {num(limits[0], 1)} calls/s on the loop, "
            f"and {num(limits[1], 1)} calls/s with the fix, with the loop free meanwhile."
        )
    return text


def figure(rows: Sequence[Row]) -> go.Figure | None:
    measured = [r for r in rows if not r["left_out"] and r.get("stalled_s") is not None]
    if not measured:
        return None
    fig = go.Figure(
        go.Bar(
            y=[r["route"] or "(no route)" for r in measured][::-1],
            x=[r["stalled_s"] for r in measured][::-1],
            orientation="h",
            marker={"color": [KIND_COLOR.get(r.get("kind"), "#7f8c8d") for r in measured][::-1]},
            text=[r.get("kind") or "fine" for r in measured][::-1],
            hovertemplate="%{y}: %{x:.2f} s stalled (%{text})<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="loop stalled by the route under load (s)")
    return base_layout(fig, "Which route blocks the loop", 120 + 40 * len(measured))


def table(rows: Sequence[Row]) -> dict[str, object]:
    cols = ("alone", "under load", "stalled s", "share", "kind", "line", "fix")
    out = []
    for r in rows:
        if r["left_out"]:
            cells = ["", "", "", "", "left out", r["left_out"], ""]
        else:
            cells = [
                ms(r.get("alone_ms")),
                ms(r.get("load_ms")),
                num(r.get("stalled_s") or 0.0, 2),
                pct(r.get("stalled_share") or 0.0),
                r.get("kind") or ("fine" if r["route"] else "-"),
                r.get("line") or "",
                r.get("fix") or "",
            ]
        out.append(
            {
                "label": r["route"] or "(no route)",
                "cells": [{"text": c, "best": False} for c in cells],
            }
        )
    return {"corner": "route", "columns": list(cols), "rows": out, "note": ""}


def build(data: list[Row], ctx: Context) -> Section | None:
    if not data:
        return None
    rows = routes(data)
    blocking = [r for r in rows if r.get("kind") and r["route"]]
    fine = [r["route"] for r in rows if r["route"] and not r["left_out"] and not r.get("kind")]
    paras = [paragraph(r) for r in blocking]
    if fine:
        paras.append(f"Fine: {', '.join(fine)} never stalled the loop.")
    if not blocking:
        paras.insert(0, "No route stalled the loop: nothing to fix.")
    return Section(
        "Which route blocks the loop",
        "Which route of the app holds the event loop, what kind of call is it, and which fix "
        "works?",
        present((figure(rows), "Stalled time under load per route; colour: the kind of call.")),
        paras,
        table=table(rows),
        answers=[Answer("Which route blocks the loop", ranking(blocking, fine))],
    )


def ranking(blocking: Sequence[Row], fine: Sequence[str]) -> str:
    """The doctor's ranking in one paragraph: each blocking route, worst first, with its
    stalled time, line, kind and fix; then the routes that never stalled."""
    if not blocking:
        return "No route stalled the loop: nothing to fix."
    parts = [
        f"{k}. {r['route']}: {num(r['stalled_s'], 2)} s of stalled loop "
        f"({pct(r['stalled_share'])}) at `{r['line'] or '?'}`, kind {r['kind']}, fix: "
        f"{FIX_TEXT[r['fix']]}"
        for k, r in enumerate(blocking, start=1)
    ]
    text = "Worst first: " + "; ".join(parts) + "."
    return text + (f" Fine: {', '.join(fine)}." if fine else "")
