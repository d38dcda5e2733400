"""The SQL of the "Open vs closed load" section: plain rows, nothing formatted.

Every figure here reads the load's own requests (`requests.source` 'user', or NULL in stores
older than the probe), so the steady health probe, itself on a fixed schedule, never hides
the closed loop's coordinated omission. Latency "from the intended time" is the view
`intended_latency` (runner/store/views.sql): t_intended for open-loop rows, the actual send
for closed-loop rows (nothing was scheduled there).
"""

from __future__ import annotations

import duckdb

from analysis.core.store import rows
from app.contract import REGISTER_PATH, Row

_USER = "coalesce(source, 'user') = 'user'"
# Answered requests: an 'unfinished' row (still in flight when the load stopped) has only a
# lower bound for its latency, so the timelines and the growth fit leave it out.
_ANSWERED = "coalesce(ok, true) AND status BETWEEN 1 AND 399"


def load_cells(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Every ok load cell (closed and open) with its arrival settings and rates.

    service_ms, the S of the queue model: `request_ms`, one registration's server time alone
    (the mean over the register rows of the report's sequential cells of the same strategy,
    work kind, database and cost: the sweep's baseline), where there is one; else `call_ms`,
    the call alone (cells.work_ms, or hash_ms for bcrypt)."""
    return rows(
        con,
        """
        WITH alone AS (
            SELECT k.hashing, coalesce(k.work, 'bcrypt') AS work, k.db, k.bcrypt_rounds,
                   avg(r.duration_ms) AS request_ms, count(*) AS request_n
            FROM measured_requests r JOIN cells k USING (cell_id)
            WHERE list_contains(?, k.cell_id) AND k.status = 'ok'
              AND k.scenario = 'sequential' AND r.side = 'server' AND r.path = ?
              AND r.status BETWEEN 200 AND 299
            GROUP BY ALL
        )
        SELECT k.cell_id, k.scenario, k.hashing, k.work, k.workers, k.users, k.db,
               k.connections, coalesce(k.arrival, 'closed') AS arrival, k.rate,
               k.arrival_process, k.max_in_flight, k."repeat", k.bcrypt_rounds, k.pool_size,
               k.thread_limit, coalesce(k.work_ms, k.hash_ms) AS call_ms, b.request_ms,
               coalesce(b.request_ms, k.work_ms, k.hash_ms) AS service_ms, k.t_load_start,
               k.t_measure_start, k.t_measure_end, k.duration_s, s.cpu_count, a.offered_rps,
               a.achieved_rps, a.dropped, a.send_lag_p99_ms
        FROM cells k
        LEFT JOIN arrival_stats a USING (cell_id)
        LEFT JOIN sweeps s USING (sweep_id)
        LEFT JOIN alone b ON b.hashing = k.hashing AND b.work = coalesce(k.work, 'bcrypt')
             AND b.db IS NOT DISTINCT FROM k.db
             AND b.bcrypt_rounds IS NOT DISTINCT FROM k.bcrypt_rounds
        WHERE list_contains(?, k.cell_id) AND k.status = 'ok' AND k.scenario <> 'sequential'
        ORDER BY k.hashing, k.workers, k.scenario, k.rate NULLS FIRST, k.users, k.cell_id""",
        [ids, REGISTER_PATH, ids],
    )


def endpoint_stats(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Per cell and endpoint, the load's own requests in the window: p99 and mean measured
    from the actual send and from the intended time."""
    return rows(
        con,
        f"""
        SELECT cell_id, endpoint, count(*) AS requests,
               avg(duration_ms) AS avg_ms, quantile_cont(duration_ms, 0.99) AS p99_ms,
               avg(latency_ms) AS latency_avg_ms,
               quantile_cont(latency_ms, 0.99) AS latency_p99_ms
        FROM intended_latency
        WHERE list_contains(?, cell_id) AND {_USER}
        GROUP BY ALL ORDER BY cell_id, endpoint""",
        [ids],
    )


def latency_series(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Open-loop cells: mean and p99 latency from the intended time of the answered requests
    per endpoint and 1-s bin of the intended time, counted from the load's start (warm-up
    included: the queue grows from the first arrival)."""
    return rows(
        con,
        f"""
        SELECT r.cell_id, r.path AS endpoint,
               floor(r.t_intended - k.t_load_start) AS t_s,
               count(*) AS requests,
               avg((r.t_start - r.t_intended) * 1000 + r.duration_ms) AS latency_avg_ms,
               quantile_cont((r.t_start - r.t_intended) * 1000 + r.duration_ms, 0.99)
                   AS latency_p99_ms
        FROM requests r JOIN cells k USING (cell_id)
        WHERE list_contains(?, r.cell_id) AND r.side = 'client' AND r.t_intended IS NOT NULL
          AND {_USER} AND r.t_start <= coalesce(k.t_measure_end, 1e300)
          AND coalesce(r.ok, true) AND r.status BETWEEN 1 AND 399
        GROUP BY ALL ORDER BY r.cell_id, endpoint, t_s""",
        [ids],
    )


def growth(con: duckdb.DuckDBPyConnection, ids: list[str], path: str) -> list[Row]:
    """Open-loop cells: least-squares slope of latency from the intended time (s) against
    the intended time (s) of one endpoint's answered requests in the measured window (s of
    delay per s)."""
    return rows(
        con,
        f"""
        SELECT cell_id, count(*) AS requests,
               regr_slope(latency_ms / 1000, t_intended) AS slope,
               regr_r2(latency_ms / 1000, t_intended) AS r2
        FROM intended_latency
        WHERE list_contains(?, cell_id) AND endpoint = ? AND t_intended IS NOT NULL
          AND {_USER} AND {_ANSWERED}
        GROUP BY ALL ORDER BY cell_id""",
        [ids, path],
    )


def arrivals(con: duckdb.DuckDBPyConnection, ids: list[str], path: str) -> list[Row]:
    """Open-loop cells: every intended send time of one endpoint's load requests (warm-up
    included, as the queue holds them), in order, and whether the window counts the request
    (`counted`: sent inside it, the open loop's rule in views.sql)."""
    return rows(
        con,
        f"""
        SELECT r.cell_id, r.t_intended,
               r.t_start BETWEEN k.t_measure_start AND k.t_measure_end AS counted
        FROM requests r JOIN cells k USING (cell_id)
        WHERE list_contains(?, r.cell_id) AND r.side = 'client' AND r.path = ?
          AND r.t_intended IS NOT NULL AND {_USER}
        ORDER BY r.cell_id, r.t_intended""",
        [ids, path],
    )
