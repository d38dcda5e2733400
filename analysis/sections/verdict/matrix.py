"""Pure: the fix matrix, rows work kinds (a row per kind and interpreter when the sweep ran the
server on more than one: `server.python`), columns hashing strategies.

Each matrix cell is one (kind, strategy) pair at the comparison load (the highest user count,
and the highest worker count every pair ran there), averaged over repeats: /api/health/ p95
(the users' requests; the probe's apart),
the loop's lag p99, register throughput, and that throughput as a fraction of the pair's
ceiling min(users, c) / S (analysis/core/ceilings.py), with S the kind's own measured time per call
(`cells.work_ms`; bcrypt's `hash_ms` when a cell has none).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.core.aggregate import endpoint_kind, order_key
from analysis.core.ceilings import closed_loop_ceiling_rps, gil_free, pair, work_of
from analysis.core.model import mean_of
from app.contract import HASHINGS, WORKS, Row

RESPONSIVE_MS = 50.0  # health p95 at or under this: the server stayed responsive


@dataclass(frozen=True)
class MatrixCell:
    work: str
    hashing: str
    users: int
    workers: int
    cells: int  # repeats averaged
    service_ms: float  # S of this kind: mean measured time of one call
    target_ms: float  # bcrypt's S (hash_ms): what the kind was calibrated to
    health_p95_ms: float  # the users' requests
    lag_p99_ms: float
    rps: float  # register throughput
    executors: int  # c of the pair
    loop: str
    rule: str
    cores: int
    probe_p95_ms: float = math.nan  # the steady probe's /api/health/ p95
    interpreter: str | None = None  # the server's (analysis.core.ceilings.interpreter_of)
    gil_free: bool = False  # free-threaded with the GIL off: no call holds it

    @property
    def row(self) -> str:
        """The matrix row: the kind, and its interpreter when there is one."""
        return self.work if self.interpreter is None else f"{self.work} · {self.interpreter}"

    @property
    def ceiling_rps(self) -> float:
        return closed_loop_ceiling_rps(self.users, self.executors, self.service_ms)

    @property
    def fraction(self) -> float:
        return self.rps / self.ceiling_rps if self.ceiling_rps else math.nan

    @property
    def parallel(self) -> float:
        """Throughput in units of 1/S: how many calls ran at once on average."""
        return self.rps * self.service_ms / 1000.0

    @property
    def calibration_error(self) -> float:
        return self.service_ms / self.target_ms - 1 if self.target_ms else math.nan


def matrix(cells: Sequence[Row], summary: Sequence[Row]) -> list[MatrixCell]:
    """The matrix cells that were measured (ok load cells), at the comparison load."""
    load = [
        c for c in cells if c.get("status") == "ok" and c.get("scenario") not in ("sequential",)
    ]
    if not load:
        return []
    users = max(int(c["users"]) for c in load)
    at_users = [c for c in load if int(c["users"]) == users]
    several = len({c.get("interpreter") for c in at_users}) > 1
    pairs: dict[tuple[str, str, str | None], list[Row]] = defaultdict(list)
    for c in at_users:
        pairs[(work_of(c), c["hashing"], c.get("interpreter") if several else None)].append(c)
    common = set.intersection(*({int(c["workers"]) for c in cs} for cs in pairs.values()))
    by_cell: dict[str, dict[str, Row]] = defaultdict(dict)
    for r in summary:
        by_cell[r["cell_id"]][endpoint_kind(r.get("endpoint"))] = r
    out = []
    for (work, hashing, interpreter), cs in pairs.items():
        workers = max(common) if common else max(int(c["workers"]) for c in cs)
        cs = [c for c in cs if int(c["workers"]) == workers]
        rows = [by_cell.get(c["cell_id"], {}) for c in cs]
        cores = int(cs[0].get("cpu_count") or 1)
        p = pair(
            work if work in WORKS else "bcrypt",
            hashing,
            workers=workers,
            cores=cores,
            pool_size=cs[0].get("pool_size"),
            thread_limit=cs[0].get("thread_limit"),
            free_threaded=gil_free(cs[0]),
        )
        out.append(
            MatrixCell(
                work=work,
                hashing=hashing,
                users=users,
                workers=workers,
                cells=len(cs),
                # bcrypt's S is the report's one S (hash_ms); another kind's, its own call
                service_ms=mean_of(
                    [
                        c.get("hash_ms")
                        if work == "bcrypt"
                        else c.get("work_ms") or c.get("hash_ms")
                        for c in cs
                    ]
                ),
                target_ms=mean_of([c.get("hash_ms") for c in cs]),
                health_p95_ms=mean_of([r.get("health", {}).get("p95_ms") for r in rows]),
                lag_p99_ms=mean_of(
                    [next(iter(r.values()), {}).get("loop_lag_p99_ms") for r in rows if r]
                ),
                rps=mean_of([r.get("register", {}).get("rps") for r in rows]),
                executors=p.executors,
                loop=p.loop,
                rule=p.rule,
                cores=cores,
                probe_p95_ms=mean_of([r.get("health", {}).get("probe_p95_ms") for r in rows]),
                interpreter=interpreter,
                gil_free=gil_free(cs[0]),
            )
        )
    return sorted(
        out,
        key=lambda m: (
            order_key(WORKS, m.work),
            (m.gil_free, m.interpreter or ""),
            order_key(HASHINGS, m.hashing),
        ),
    )


def responsive(m: MatrixCell) -> bool:
    return not math.isnan(m.health_p95_ms) and m.health_p95_ms <= RESPONSIVE_MS


def _score(m: MatrixCell) -> tuple[bool, float]:
    return (responsive(m), -math.inf if math.isnan(m.rps) else m.rps)


def works_and_fails(row: Sequence[MatrixCell]) -> tuple[MatrixCell | None, MatrixCell | None]:
    """The strategy that works (responsive, then most throughput) and the fix that fails: the
    worst other fix (unresponsive, or under 60 % of the best throughput), else blocking."""
    if not row:
        return None, None
    best = max(row, key=_score)
    top = best.rps if not math.isnan(best.rps) else math.nan

    def failing(m: MatrixCell) -> bool:
        slow = not math.isnan(top) and not math.isnan(m.rps) and m.rps < 0.6 * top
        return not responsive(m) or slow

    fixes = [m for m in row if m is not best and m.hashing != "blocking" and failing(m)]
    pool = fixes or [m for m in row if m is not best and m.hashing == "blocking"]
    worst = min(pool, key=_score) if pool else None
    return best, worst
