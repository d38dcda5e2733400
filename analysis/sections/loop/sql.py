"""The loop section's SQL: each worker's lag, the cells' stalls, and lag over time."""

from __future__ import annotations

import duckdb

from analysis.core.store import rows
from app.contract import Row


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
