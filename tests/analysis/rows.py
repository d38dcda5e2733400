"""Hand-built cell_summary rows for the pure tests (no store)."""

from __future__ import annotations

from typing import Any

from analysis.core.aggregate import Grid, grid

PATH = {"register": "/api/users/register/", "health": "/api/health/"}


def summary_row(
    hashing: str = "blocking",
    workers: int = 1,
    users: int = 1,
    endpoint: str = "register",
    repeat: int = 1,
    **kw: Any,
) -> dict[str, Any]:
    """One cell_summary row with plausible defaults; keyword arguments override columns."""
    row: dict[str, Any] = {
        "sweep_id": "s1",
        "cell_id": f"{hashing}-{workers}-{users}-{repeat}",
        "scenario": "mixed",
        "hashing": hashing,
        "db": "sqlite",
        "workers": workers,
        "users": users,
        "repeat": repeat,
        "bcrypt_rounds": 12,
        "hash_ms": 100.0,
        "status": "ok",
        "endpoint": PATH.get(endpoint, endpoint),
        "requests": 10,
        "avg_ms": 100.0,
        "p50_ms": 100.0,
        "p95_ms": 120.0,
        "p99_ms": 130.0,
        "server_avg_ms": 99.0,
        "wait_avg_ms": 1.0,
        "joined_client_ms": 100.0,
        "joined_server_ms": 99.0,
        "joined_wait_ms": 1.0,
        "rps": 10.0,
        "failures": 0,
        "cpu_avg_percent": 90.0,
        "cpu_max_percent": 100.0,
        "rss_max_bytes": 50 * 2**20,
        "loop_lag_p99_ms": 100.0,
        "loop_lag_max_ms": 120.0,
        "cpu_count": 2,
    }
    row.update(kw)
    return row


def grid_of(rows: list[dict[str, Any]]) -> Grid:
    """The Grid of the cells behind summary rows (durations 10 s after 1 s warm-up)."""
    cells = {r["cell_id"]: {**r, "duration_s": 10.0, "warmup_s": 1.0} for r in rows}
    return grid(list(cells.values()))
