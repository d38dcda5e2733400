"""`cells.overlapped_on_host`: did a cell's load run while another cell loaded the same host?

Parallel launchers (submitit_local, several SLURM jobs on one node) can run cells at the same
time on one machine; they then share its CPUs and their numbers are not comparable. A cell's
span is its load: from locust's first request (warm-up included, since a warm-up loads the
host too) to the end of its measured window. Two cells overlap when their spans intersect
and they ran on the same `host`.

Set at ingest time, in the ingest's transaction, for every cell of the ingested cell's host
(a later cell can overlap one stored earlier): the flag is then a plain column that the
`duckdb` shell, the views and the report read like any other, and it is recomputed whenever a
cell of that host is (re-)ingested. NULL when the cell has no measured window (it failed
before its load ran).
"""

from __future__ import annotations

import duckdb

FLAG_SQL = """
UPDATE cells SET overlapped_on_host = CASE
    WHEN cells.t_measure_end IS NULL THEN NULL
    ELSE EXISTS (
        SELECT 1 FROM cells AS other
        WHERE other.host = cells.host
          AND other.cell_id <> cells.cell_id
          AND other.t_measure_end IS NOT NULL
          AND coalesce(other.t_load_start, other.t_measure_start) < cells.t_measure_end
          AND coalesce(cells.t_load_start, cells.t_measure_start) < other.t_measure_end
    )
END
WHERE host = ?
"""


def flag_overlaps(con: duckdb.DuckDBPyConnection, host: str | None) -> None:
    """Recompute overlapped_on_host for every cell stored for `host` (no-op without a host)."""
    if host:
        con.execute(FLAG_SQL, [host])
