"""Every SQL statement of the report. Each function takes an open connection and returns plain
Python data (lists of dicts); nothing here formats, plots or writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from runner.store import StoreError, open_store

Row = dict[str, Any]


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
    """cell_summary (one row per ok cell and endpoint, warm-up excluded) with cpu_count; the
    means over the requests both sides logged as joined, joined_client_ms, joined_server_ms
    and joined_wait_ms (= wait_avg_ms)."""
    return rows(
        con,
        """
        SELECT v.*, coalesce(v.joined_requests, 0) AS joined, v.wait_avg_ms AS joined_wait_ms,
               s.cpu_count
        FROM cell_summary v LEFT JOIN sweeps s USING (sweep_id)
        WHERE list_contains(?, v.cell_id) AND v.status = 'ok'
        ORDER BY v.hashing, v.workers, v.users, v.endpoint""",
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
    """Per cell and worker pid: lag p99 and max after warm-up (view worker_lag)."""
    return rows(
        con,
        """
        SELECT cell_id, pid, p99_ms, max_ms FROM worker_lag
        WHERE list_contains(?, cell_id) ORDER BY cell_id, pid""",
        [ids],
    )


def stalls(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Per ok cell: the lag samples more than 5 ms late (view worker_lag's late_*), their
    count and sum over the workers, and the registrations the server handled in the same
    window (view measured_requests)."""
    return rows(
        con,
        """
        WITH st AS (
            SELECT cell_id, sum(late_samples) AS stalls, sum(late_total_ms) AS stall_total_ms
            FROM worker_lag GROUP BY ALL
        ), reg AS (
            SELECT cell_id, count(*) AS registrations FROM measured_requests
            WHERE side = 'server' AND path LIKE '%register%'
            GROUP BY ALL
        )
        SELECT c.cell_id, coalesce(st.stalls, 0) AS stalls,
               coalesce(st.stall_total_ms, 0) AS stall_total_ms,
               coalesce(reg.registrations, 0) AS registrations
        FROM cells c LEFT JOIN st USING (cell_id) LEFT JOIN reg USING (cell_id)
        WHERE list_contains(?, c.cell_id) AND c.status = 'ok'""",
        [ids],
    )


def resources_by_role(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
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
        SELECT c.hashing, coalesce(c.work, 'bcrypt') AS work, c.workers, c.users, r.duration_ms
        FROM measured_requests r JOIN cells c USING (cell_id)
        WHERE list_contains(?, c.cell_id) AND c.status = 'ok' AND c.scenario <> 'sequential'
          AND coalesce(c.arrival, 'closed') = 'closed'
          AND r.side = 'client' AND r.path LIKE '%health%' AND r.duration_ms IS NOT NULL""",
        [ids],
    )


def stall_stacks(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """The stalls of the measured window of the given ok cells (view measured_stalls), with
    their cell's strategy and app."""
    return rows(
        con,
        """
        SELECT s.cell_id, c.hashing, c.work, c.server_app, s.source, s.pid, s.t_start,
               s.duration_ms, s.samples, s.stack, s.leaf, s.late
        FROM measured_stalls s JOIN cells c USING (cell_id)
        WHERE list_contains(?, s.cell_id) AND c.status = 'ok'
        ORDER BY c.hashing, s.source, s.t_start""",
        [ids],
    )


def served_apps(con: duckdb.DuckDBPyConnection, ids: list[str], default: str) -> list[str]:
    """The ASGI apps the given cells served (server.app; `default` where none is recorded)."""
    found = rows(
        con,
        "SELECT DISTINCT coalesce(server_app, ?) AS app FROM cells "
        "WHERE list_contains(?, cell_id) ORDER BY 1",
        [default, ids],
    )
    return [r["app"] for r in found]
