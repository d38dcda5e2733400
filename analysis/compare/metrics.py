"""The metrics compared and their raw samples, read from the store's views
(`runner/store/views.sql`), pooled over a pair side's cells (its repeats)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from app.contract import HEALTH_PATH, REGISTER_PATH


@dataclass(frozen=True)
class Metric:
    name: str
    source: str  # which samples (a key of `samples`)
    q: float | None  # the quantile compared; None: the mean
    unit: str
    lower_is_better: bool = True


METRICS = (
    Metric("register mean", "register", None, "ms"),
    Metric("register p95", "register", 0.95, "ms"),
    Metric("health p95, users", "health_user", 0.95, "ms"),
    Metric("health p95, probe", "health_probe", 0.95, "ms"),
    Metric("loop lag p99", "lag", None, "ms"),  # the mean of per-second p99s (see LAG)
    Metric("register throughput", "rps", None, "/s", lower_is_better=False),
    Metric("server CPU per request", "cpu", None, "CPU ms"),
)

# Per cell, its measured window cut into whole seconds (throughput and CPU are per-second
# samples: one cell gives `duration` of them).
SECONDS = """
WITH w AS (
    SELECT cell_id, t0, t1 FROM cell_window
    WHERE list_contains($ids, cell_id) AND t0 > -1e299 AND t1 < 1e299
), secs AS (
    SELECT cell_id, unnest(range(0, CAST(floor(t1 - t0) AS BIGINT))) AS sec FROM w
)"""

TIMES = """
SELECT path, coalesce(source, 'user') AS source, duration_ms FROM measured_requests
WHERE list_contains($ids, cell_id) AND side = 'client' AND duration_ms IS NOT NULL
  AND path IN ($register, $health)"""

# Per worker and whole second of the window, the loop lag's p99: the probe ticks every 10 ms and
# one stall spans many ticks, so the ticks are not independent samples (a U test over them
# calls a run-to-run wobble certain); a second's p99 is.
LAG = (
    SECONDS
    + """
SELECT quantile_cont(l.lag_ms, 0.99) AS x
FROM measured_lag l JOIN w USING (cell_id)
WHERE l.lag_ms IS NOT NULL AND l.t >= w.t0 AND l.t < w.t0 + floor(w.t1 - w.t0)
GROUP BY l.cell_id, l.pid, floor(l.t - w.t0)"""
)

# Users' registrations answered without failure in each second of the window.
RPS = (
    SECONDS
    + """, hits AS (
    SELECT r.cell_id, CAST(floor(r.t_start + r.duration_ms / 1000 - w.t0) AS BIGINT) AS sec,
           count(*) AS n
    FROM measured_requests r JOIN w USING (cell_id)
    WHERE r.side = 'client' AND coalesce(r.source, 'user') = 'user' AND r.path = $register
      AND coalesce(r.ok, true) AND r.status BETWEEN 1 AND 399
    GROUP BY ALL
)
SELECT CAST(coalesce(h.n, 0) AS DOUBLE) AS x FROM secs LEFT JOIN hits h USING (cell_id, sec)"""
)

# The server's CPU time (all its processes; mean CPU % over the second's ticks) per request
# it answered in that second, in CPU ms; seconds without an answer are left out.
CPU = (
    SECONDS
    + """, cpu AS (
    SELECT s.cell_id, CAST(floor(s.t - w.t0) AS BIGINT) AS sec, avg(s.server_cpu) * 10 AS ms
    FROM side_ticks s JOIN w USING (cell_id) WHERE s.server_cpu IS NOT NULL GROUP BY ALL
), answered AS (
    SELECT r.cell_id, CAST(floor(r.t_start + r.duration_ms / 1000 - w.t0) AS BIGINT) AS sec,
           count(*) AS n
    FROM measured_requests r JOIN w USING (cell_id) WHERE r.side = 'server' GROUP BY ALL
)
SELECT c.ms / a.n AS x
FROM secs JOIN cpu c USING (cell_id, sec) JOIN answered a USING (cell_id, sec)
WHERE a.n > 0"""
)


def _read(con: duckdb.DuckDBPyConnection, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    return con.execute(sql, params).fetchall()


def samples(con: duckdb.DuckDBPyConnection, cell_ids: list[str]) -> dict[str, list[float]]:
    """Every metric source's raw samples over the given cells (a pair's side, repeats pooled)."""
    out: dict[str, list[float]] = {"register": [], "health_user": [], "health_probe": []}
    for path, source, ms in _read(
        con, TIMES, ids=cell_ids, register=REGISTER_PATH, health=HEALTH_PATH
    ):
        if path == HEALTH_PATH:
            out["health_probe" if source == "probe" else "health_user"].append(float(ms))
        elif source == "user":
            out["register"].append(float(ms))
    out["lag"] = [float(x) for (x,) in _read(con, LAG, ids=cell_ids)]
    out["rps"] = [float(x) for (x,) in _read(con, RPS, ids=cell_ids, register=REGISTER_PATH)]
    out["cpu"] = [float(x) for (x,) in _read(con, CPU, ids=cell_ids)]
    return out
