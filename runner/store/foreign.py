"""`cells.foreign_cpu_pct`: how much CPU other processes on the host took during a cell's
measured window (the machine's total minus the cell's own, per sampler tick; 100 = one core),
its peak tick, and `foreign_load` when the mean passed FOREIGN_SHARE of the machine: such a
cell measured a busier machine than it says, and its numbers are flagged wherever used."""

from __future__ import annotations

import duckdb

FOREIGN_SHARE = 0.10  # of the machine's cores: 20 % of one core on a 2-core machine

FLAG_SQL = """
UPDATE cells SET foreign_cpu_pct = f.mean, foreign_cpu_max_pct = f.peak,
       foreign_load = f.mean > ? * 100 * coalesce(
           (SELECT s.cpu_count FROM sweeps s WHERE s.sweep_id = cells.sweep_id), 1)
FROM (
    SELECT h.cell_id, avg(greatest(h.host_cpu_percent - h.own_cpu_percent, 0)) AS mean,
           max(greatest(h.host_cpu_percent - h.own_cpu_percent, 0)) AS peak
    FROM host_ticks h JOIN cell_window w USING (cell_id)
    WHERE h.cell_id = ? AND h.t BETWEEN w.t0 AND w.t1
    GROUP BY h.cell_id
) AS f
WHERE cells.cell_id = f.cell_id
"""


def flag_foreign(con: duckdb.DuckDBPyConnection, cell_id: str) -> None:
    """Set the cell's foreign CPU columns from its host ticks (none stored: left NULL)."""
    con.execute(FLAG_SQL, [FOREIGN_SHARE, cell_id])
