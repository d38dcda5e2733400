"""Small hand-built stores for the analysis tests: the real schema (runner.store.open_store)
filled with a few rows whose numbers are chosen so the expected answers are obvious."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from runner.store import open_store

T0 = 1_800_000_000.0  # epoch seconds of the first cell's load start


@dataclass
class Cell:
    """One cell: constant client/server times per endpoint, a constant lag per worker."""

    hashing: str = "blocking"
    workers: int = 1
    users: int = 1
    repeat: int = 1
    scenario: str = "mixed"
    hash_ms: float = 100.0
    status: str = "ok"
    error: str | None = None
    client_ms: dict[str, float] = field(default_factory=lambda: {"register": 100.0, "health": 50.0})
    server_ms: dict[str, float] = field(default_factory=lambda: {"register": 99.0, "health": 0.5})
    requests: int = 10  # per endpoint, after warm-up
    lag_ms: float = 100.0  # every probe sample of every worker
    failures: int = 0  # client rows of 'register' with status 500
    load_cpu: float = 20.0
    sweep_id: str = "s1"
    connections: str | None = None  # load.connections (None: a store from before v4)
    balance: str | None = None  # server.balance
    server_pids: tuple[int, ...] = (100,)  # server rows go round-robin over these pids
    probe_ms: float | None = None  # the steady probe's health client time (None: no probe)
    foreign_cpu_pct: float | None = None  # another process's CPU in the window (flagged > 20)


PATHS = {"register": "/api/users/register/", "health": "/api/health/"}


def make_store(path: Path, cells: list[Cell], sweeps: tuple[str, ...] = ("s1",)) -> Path:
    """Write a store at path holding the sweeps and cells; returns path."""
    con = open_store(path)
    try:
        for k, sid in enumerate(sweeps):
            con.execute(
                "INSERT INTO sweeps (sweep_id, started_at, finished_at, argv, git_sha, hostname,"
                " cpu_model, cpu_count, mem_total_bytes, python_version, package_versions)"
                " VALUES (?, ?, ?, 'python -m runner -m ...', 'abc123', 'testhost', 'TestCPU',"
                " 2, 8589934592, '3.11.7', ?)",
                [
                    sid,
                    datetime.fromtimestamp(T0 + 1000 * k, UTC),
                    datetime.fromtimestamp(T0 + 1000 * k + 500, UTC),
                    json.dumps({"plotly": "7.1.0"}),
                ],
            )
        for i, c in enumerate(cells):
            _cell(con, i, c)
    finally:
        con.close()
    return path


def _cell(con: object, i: int, c: Cell) -> None:
    cid = f"c{i}"
    t_load = T0 + 100 * i
    t0, t1 = t_load + 1, t_load + 11
    con.execute(  # type: ignore[attr-defined]
        "INSERT INTO cells (cell_id, sweep_id, cell_key, job_num, scenario, hashing, db, workers,"
        ' users, duration_s, warmup_s, "repeat", bcrypt_rounds, hash_ms, status, error,'
        " t_load_start, t_measure_start, t_measure_end, connections, balance, foreign_cpu_pct,"
        " foreign_cpu_max_pct, foreign_load) VALUES"
        " (?, ?, ?, ?, ?, ?, 'sqlite', ?, ?, 10, 1, ?, 12, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            cid,
            c.sweep_id,
            f"k{i}",
            i,
            c.scenario,
            c.hashing,
            c.workers,
            c.users,
            c.repeat,
            c.hash_ms,
            c.status,
            c.error,
            t_load,
            t0,
            t1,
            c.connections,
            c.balance,
            c.foreign_cpu_pct,
            c.foreign_cpu_pct,
            None if c.foreign_cpu_pct is None else c.foreign_cpu_pct > 20,
        ],
    )
    if c.status != "ok":
        return
    reqs = []
    for ep, path in PATHS.items():
        if ep not in c.client_ms:
            continue
        for n in range(c.requests):
            rid = f"{cid}-{ep}-{n}"
            status = 500 if ep == "register" and n < c.failures else 200
            t = t0 + n * 0.5
            reqs.append((cid, "client", rid, path, status, t, c.client_ms[ep], 1))
            pid = c.server_pids[n % len(c.server_pids)]
            reqs.append((cid, "server", rid, path, status, t, c.server_ms[ep], pid))
    con.executemany(  # type: ignore[attr-defined]
        "INSERT INTO requests (cell_id, side, request_id, method, path, status, t_start,"
        " duration_ms, pid, in_warmup, ok) VALUES (?, ?, ?, 'POST', ?, ?, ?, ?, ?, false,"
        " true)",
        reqs,
    )
    if c.probe_ms is not None:
        probes = [
            (cid, f"{cid}-probe-{n}", PATHS["health"], t0 + n * 0.2, c.probe_ms)
            for n in range(c.requests)
        ]
        con.executemany(  # type: ignore[attr-defined]
            "INSERT INTO requests (cell_id, side, request_id, method, path, status, t_start,"
            " duration_ms, in_warmup, ok, source) VALUES (?, 'client', ?, 'GET', ?, 200, ?, ?,"
            " false, true, 'probe')",
            probes,
        )
    lag = [
        (cid, 100 + w, t0 + s * 0.1, c.lag_ms * (1 + w), False)
        for w in range(c.workers)
        for s in range(100)
    ]
    con.executemany(  # type: ignore[attr-defined]
        "INSERT INTO loop_lag VALUES (?, ?, ?, ?, ?)", lag
    )
    res = [
        (cid, t0 + s, role, pid, cpu, 50 * 2**20)
        for s in range(10)
        for role, pid, cpu in (("server_worker", 100, 90.0), ("load_generator", 1, c.load_cpu))
    ]
    con.executemany(  # type: ignore[attr-defined]
        "INSERT INTO resources VALUES (?, ?, ?, ?, ?, ?)", res
    )
