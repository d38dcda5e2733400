"""The store reading every section shares: open the store read-only, pick the sweeps, their
cells and cell_summary rows (`read_scope`). Each function returns plain rows; a section's own
SQL lives in its folder."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from analysis.core.ceilings import interpreter_of
from app.contract import DEFAULT_APP, REGISTER_PATH, Row
from runner.store import StoreError, open_store


class ReportError(Exception):
    """A condition the user can fix (no store, empty store, unknown sweep): one clear line."""


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the store read-only through the store's own version-checked open; a missing,
    foreign, empty or too old/new store is a ReportError (one line)."""
    if not path.is_file():
        raise ReportError(f"no store at {path} (run `python -m runner -m ...` first)")
    try:
        return open_store(path, read_only=True)
    except StoreError as exc:
        raise ReportError(str(exc)) from exc


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[Row]:
    """Run one query and return its rows as dicts keyed by column name."""
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def resolve_sweeps(con: duckdb.DuckDBPyConnection, sweep: str) -> list[str]:
    """'latest' -> the newest sweep with cells, 'all' -> every sweep, else that id (checked)."""
    known = rows(
        con,
        """
        SELECT c.sweep_id, max(coalesce(s.started_at, c.started_at)) AS started
        FROM cells c LEFT JOIN sweeps s USING (sweep_id)
        GROUP BY c.sweep_id ORDER BY started DESC NULLS LAST, c.sweep_id DESC""",
    )
    if not known:
        raise ReportError("the store holds no cells yet (run `python -m runner -m ...` first)")
    ids = [r["sweep_id"] for r in known]
    if sweep == "latest":
        return ids[:1]
    if sweep == "all":
        return ids
    if sweep not in ids:
        shown = ", ".join(ids[:5]) + (" ..." if len(ids) > 5 else "")
        raise ReportError(f"unknown sweep id {sweep!r}; known: {shown}")
    return [sweep]


def cell_ids(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[str]:
    """The cells the sweeps cover: their own, and those a resumed sweep reused.

    Every query below filters on these cell ids, not on sweep ids."""
    found = rows(
        con,
        """
        SELECT cell_id FROM cells WHERE list_contains($1, sweep_id)
        UNION SELECT cell_id FROM reused_cells WHERE list_contains($1, sweep_id)""",
        [ids],
    )
    return sorted(r["cell_id"] for r in found)


def sweeps(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """The sweeps' own rows: when, argv, and the machine they ran on."""
    out = rows(
        con, "SELECT * FROM sweeps WHERE list_contains(?, sweep_id) ORDER BY started_at", [ids]
    )
    for r in out:
        if isinstance(r.get("package_versions"), str):
            r["package_versions"] = json.loads(r["package_versions"])
    return out


def labelled(found: list[Row]) -> list[Row]:
    """Rows with their interpreter's label (`interpreter_of`). Cells stored before it was kept
    have none; when the others name one interpreter alone, they get that one, so a resumed
    sweep that reused them does not look like two interpreters."""
    labels = [interpreter_of(r) for r in found]
    known = {label for label in labels if label is not None}
    fill = next(iter(known)) if len(known) == 1 else None
    return [
        r | {"interpreter": fill if x is None else x} for r, x in zip(found, labels, strict=True)
    ]


def cells(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Every cell of the sweeps, failed ones included, with the sweep's cpu_count and the
    server's interpreter as a label (`interpreter_of`)."""
    found = rows(
        con,
        """
        SELECT c.cell_id, c.sweep_id, c.job_num, c.scenario, c.hashing, c.db, c.workers,
               c.users, c.duration_s, c.warmup_s, c."repeat", c.bcrypt_rounds, c.hash_ms,
               c.status, c.error, c.t_load_start, c.t_measure_start, c.t_measure_end,
               c.work, c.work_ms, c.pool_size, c.thread_limit, c.host, c.overlapped_on_host,
               c.connections, c.balance, c.foreign_cpu_pct, c.foreign_cpu_max_pct,
               c.foreign_load, c.server_python, c.python_gil, c.python_version,
               c.free_threaded, c.gil_enabled, c.gil_enabled_by, s.cpu_count
        FROM cells c LEFT JOIN sweeps s USING (sweep_id)
        WHERE list_contains(?, c.cell_id)
        ORDER BY c.sweep_id, c.job_num""",
        [ids],
    )
    return labelled(found)


def summary(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """cell_summary (one row per ok cell and endpoint, warm-up excluded) with cpu_count; the
    means over the requests both sides logged as joined, joined_client_ms, joined_server_ms
    and joined_wait_ms (= wait_avg_ms), and the interpreter's label."""
    found = rows(
        con,
        """
        SELECT v.*, coalesce(v.joined_requests, 0) AS joined, v.wait_avg_ms AS joined_wait_ms,
               s.cpu_count
        FROM cell_summary v LEFT JOIN sweeps s USING (sweep_id)
        WHERE list_contains(?, v.cell_id) AND v.status = 'ok'
        ORDER BY v.hashing, v.workers, v.users, v.endpoint""",
        [ids],
    )
    return labelled(found)


def by_source(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """cell_summary_by_source's health rows: the users' and the probe's requests apart."""
    return rows(
        con,
        "SELECT * FROM cell_summary_by_source WHERE list_contains(?, cell_id) "
        "AND endpoint LIKE '%health%' ORDER BY cell_id, source",
        [ids],
    )


def baselines(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Per sequential baseline (strategy, work kind, cost): its register requests' server
    time in the measured window, answered ones only (mean, fastest, slowest, n), and whether
    it ran beside another process's load (`foreign`)."""
    return rows(
        con,
        """
        SELECT k.hashing, coalesce(k.work, 'bcrypt') AS work, k.bcrypt_rounds,
               count(*) AS n, avg(r.duration_ms) AS mean_ms, min(r.duration_ms) AS lo_ms,
               max(r.duration_ms) AS hi_ms, bool_or(coalesce(k.foreign_load, false)) AS foreign
        FROM measured_requests r JOIN cells k USING (cell_id)
        WHERE list_contains(?, k.cell_id) AND k.status = 'ok' AND k.scenario = 'sequential'
          AND r.side = 'server' AND r.path = ? AND r.status BETWEEN 200 AND 299
        GROUP BY ALL ORDER BY ALL""",
        [ids, REGISTER_PATH],
    )


def served_apps(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[str]:
    """The ASGI apps the given cells served (server.app; the study's where none is recorded)."""
    found = rows(
        con,
        "SELECT DISTINCT coalesce(server_app, ?) AS app FROM cells "
        "WHERE list_contains(?, cell_id) ORDER BY 1",
        [DEFAULT_APP, ids],
    )
    return [r["app"] for r in found]


@dataclass(frozen=True)
class Scope:
    """What the report reads once: the sweeps asked for, the cells they cover (`ids`), those
    cells' rows and cell_summary rows, and the apps they served."""

    store: Path
    sweep_ids: list[str]
    sweeps: list[Row]
    ids: list[str]
    cells: list[Row]
    summary: list[Row]
    apps: list[str]
    by_source: list[Row] = field(default_factory=list)  # health rows by who asked
    baselines: list[Row] = field(default_factory=list)  # sequential register server times


def read_scope(con: duckdb.DuckDBPyConnection, store: Path, sweep: str) -> Scope:
    sweep_ids = resolve_sweeps(con, sweep)
    ids = cell_ids(con, sweep_ids)  # the sweeps' own cells and those they reused
    return Scope(
        store=store,
        sweep_ids=sweep_ids,
        sweeps=sweeps(con, sweep_ids),
        ids=ids,
        cells=cells(con, ids),
        summary=summary(con, ids),
        apps=served_apps(con, ids),
        by_source=by_source(con, ids),
        baselines=baselines(con, ids),
    )
