"""Every SQL statement of the report. Each function takes an open connection and returns plain
Python data (lists of dicts); nothing here formats, plots or writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

Row = dict[str, Any]


class ReportError(Exception):
    """A condition the user can fix (no store, empty store, unknown sweep): one clear line."""


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the store read-only; a missing file or a file without our tables is a ReportError."""
    if not path.is_file():
        raise ReportError(f"no store at {path} (run `python -m runner -m ...` first)")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise ReportError(f"cannot open store {path}: {exc}".splitlines()[0]) from exc
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    if not {"sweeps", "cells", "cell_summary"} <= tables:
        con.close()
        raise ReportError(f"{path} is not a syncblock store (no sweeps/cells tables)")
    return con


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
    """The cells the sweeps cover: their own, and those a resumed sweep reused (schema v3+).

    Every query below filters on these cell ids, not on sweep ids."""
    has_reused = rows(
        con, "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'reused_cells'"
    )[0]["n"]
    reused = (
        "UNION SELECT cell_id FROM reused_cells WHERE list_contains($1, sweep_id)"
        if has_reused
        else ""
    )
    found = rows(
        con, f"SELECT cell_id FROM cells WHERE list_contains($1, sweep_id) {reused}", [ids]
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


def cells(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Every cell of the sweeps, failed ones included, with the sweep's cpu_count."""
    return rows(
        con,
        """
        SELECT c.cell_id, c.sweep_id, c.job_num, c.scenario, c.hashing, c.db, c.workers,
               c.users, c.duration_s, c.warmup_s, c."repeat", c.bcrypt_rounds, c.hash_ms,
               c.status, c.error, c.t_load_start, c.t_measure_start, c.t_measure_end,
               c.work, c.work_ms, c.pool_size, c.thread_limit, c.host, c.overlapped_on_host,
               c.connections, c.balance, s.cpu_count
        FROM cells c LEFT JOIN sweeps s USING (sweep_id)
        WHERE list_contains(?, c.cell_id)
        ORDER BY c.sweep_id, c.job_num""",
        [ids],
    )


def summary(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """cell_summary (one row per ok cell and endpoint, warm-up excluded) with cpu_count."""
    return rows(
        con,
        """
        SELECT v.*, s.cpu_count
        FROM cell_summary v LEFT JOIN sweeps s USING (sweep_id)
        WHERE list_contains(?, v.cell_id) AND v.status = 'ok'
        ORDER BY v.hashing, v.workers, v.users, v.endpoint""",
        [ids],
    )


def decomposition(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Per ok cell and endpoint, over the requests seen by both sides (joined on request_id,
    warm-up excluded): mean client time, mean server handler time and their difference."""
    return rows(
        con,
        """
        SELECT c.cell_id, c.path AS endpoint, count(*) AS joined,
               avg(c.duration_ms) AS joined_client_ms, avg(s.duration_ms) AS joined_server_ms,
               avg(c.duration_ms - s.duration_ms) AS joined_wait_ms
        FROM requests c
        JOIN requests s ON s.cell_id = c.cell_id AND s.side = 'server'
                       AND s.request_id = c.request_id
        JOIN cells k ON k.cell_id = c.cell_id
        WHERE c.side = 'client' AND NOT c.in_warmup AND list_contains(?, k.cell_id)
          AND k.status = 'ok'
        GROUP BY ALL""",
        [ids],
    )


def lag_series(con: duckdb.DuckDBPyConnection, cell_id: str, bucket_s: float = 0.05) -> list[Row]:
    """Loop lag of one cell per worker pid, the max in each time bucket (spikes survive),
    t in seconds since the end of the warm-up (negative = warm-up)."""
    return rows(
        con,
        """
        WITH k AS (SELECT coalesce(t_measure_start, (SELECT min(t) FROM loop_lag
                                                     WHERE cell_id = $1)) AS t0
                   FROM cells WHERE cell_id = $1)
        SELECT pid, floor((t - k.t0) / $2) * $2 AS t, max(lag_ms) AS lag_ms
        FROM loop_lag, k WHERE cell_id = $1
        GROUP BY ALL ORDER BY pid, t""",
        [cell_id, bucket_s],
    )


def lag_by_worker(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Per cell and worker pid: lag p99 and max after warm-up."""
    return rows(
        con,
        """
        SELECT l.cell_id, l.pid, quantile_cont(l.lag_ms, 0.99) AS p99_ms, max(l.lag_ms) AS max_ms
        FROM loop_lag l JOIN cells c USING (cell_id)
        WHERE list_contains(?, c.cell_id) AND NOT l.in_warmup
          AND l.t <= coalesce(c.t_measure_end, 1e300)
        GROUP BY ALL ORDER BY l.cell_id, l.pid""",
        [ids],
    )


def stalls(con: duckdb.DuckDBPyConnection, ids: list[str], threshold_ms: float = 5.0) -> list[Row]:
    """Per cell: lag samples above threshold (stalls), their count and sum, and the number of
    registrations the server handled in the same (post-warm-up) window."""
    return rows(
        con,
        """
        WITH st AS (
            SELECT cell_id, count(*) AS stalls,
                   sum(lag_ms) AS stall_total_ms
            FROM loop_lag l JOIN cells c USING (cell_id)
            WHERE NOT l.in_warmup AND l.lag_ms > ? AND l.t <= coalesce(c.t_measure_end, 1e300)
            GROUP BY ALL
        ), reg AS (   -- registrations served in the same window as the stalls
            SELECT cell_id, count(*) AS registrations FROM requests r JOIN cells c USING (cell_id)
            WHERE r.side = 'server' AND NOT r.in_warmup AND r.path LIKE '%register%'
              AND r.t_start <= coalesce(c.t_measure_end, 1e300)
            GROUP BY ALL
        )
        SELECT c.cell_id, coalesce(st.stalls, 0) AS stalls,
               coalesce(st.stall_total_ms, 0) AS stall_total_ms,
               coalesce(reg.registrations, 0) AS registrations
        FROM cells c LEFT JOIN st USING (cell_id) LEFT JOIN reg USING (cell_id)
        WHERE list_contains(?, c.cell_id) AND c.status = 'ok'""",
        [threshold_ms, ids],
    )


def resources_by_role(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Per cell and role, summed over the role's processes at each tick, after warm-up:
    mean and max CPU % and max RSS."""
    return rows(
        con,
        """
        WITH ticks AS (
            SELECT r.cell_id, r.role, r.t, sum(r.cpu_percent) AS cpu, sum(r.rss_bytes) AS rss
            FROM resources r JOIN cells c USING (cell_id)
            WHERE list_contains(?, c.cell_id)
              AND r.t BETWEEN coalesce(c.t_measure_start, -1e300)
                          AND coalesce(c.t_measure_end, 1e300)
            GROUP BY ALL
        )
        SELECT cell_id, role, avg(cpu) AS cpu_avg_percent, max(cpu) AS cpu_max_percent,
               max(rss) AS rss_max_bytes
        FROM ticks GROUP BY ALL ORDER BY cell_id, role""",
        [ids],
    )


def failures(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Locust's failure table for the sweeps' cells."""
    return rows(
        con,
        """
        SELECT f.cell_id, f.method, f.name, f.error, f.occurrences
        FROM failures f JOIN cells c USING (cell_id)
        WHERE list_contains(?, c.cell_id) ORDER BY f.occurrences DESC""",
        [ids],
    )


def worker_shares(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Per ok cell and server process: its requests and share of the cell's (view
    worker_share: users' requests in the measured window), with the cell's axes."""
    return rows(
        con,
        """
        SELECT w.cell_id, w.pid, w.requests, w.share, c.hashing, c.scenario, c.workers,
               c.users, c."repeat", c.connections, c.balance
        FROM worker_share w JOIN cells c USING (cell_id)
        WHERE list_contains(?, w.cell_id) AND c.status = 'ok'
        ORDER BY c.workers, c.users, c.cell_id, w.requests DESC""",
        [ids],
    )


def health_times(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Raw client times of /api/health/ in the measured window of the ok load cells (users' and
    the probe's requests alike), with the cell's strategy and load: the verdict's noise."""
    return rows(
        con,
        """
        SELECT c.hashing, c.workers, c.users, r.duration_ms
        FROM requests r JOIN cells c USING (cell_id)
        WHERE list_contains(?, c.cell_id) AND c.status = 'ok' AND c.scenario <> 'sequential'
          AND r.side = 'client' AND NOT r.in_warmup AND r.path LIKE '%health%'
          AND r.t_start <= coalesce(c.t_measure_end, 1e300) AND r.duration_ms IS NOT NULL""",
        [ids],
    )
