"""Pure shaping of query rows into what the figures and the text need: the grid that was run,
points averaged over repeats (mean and 95 % CI), representative cells."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from analysis.core.ceilings import work_of
from analysis.core.model import MeanCI, ModelPoint, closed_loop, mean_ci
from app.contract import HASHINGS, Row

METRICS = (
    "avg_ms",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "server_avg_ms",
    "wait_avg_ms",
    "rps",
    "loop_lag_p99_ms",
    "loop_lag_max_ms",
    "joined_client_ms",
    "joined_server_ms",
    "joined_wait_ms",
    "busiest_worker_share",  # cell-wide (view worker_share), the same on every endpoint row
    "workers_used",
    "joined_requests",  # requests both sides logged (its mean x n = the sum over repeats)
    "cpu_avg_percent",  # the server's mean CPU, cell-wide (100 = one core)
    # health only (analysis/core/sources.py): the steady probe's requests apart from the users'
    "probe_requests",
    "probe_avg_ms",
    "probe_p50_ms",
    "probe_p95_ms",
    "probe_p99_ms",
)
# Dimensions that, when they vary in a sweep, split the lines of a figure.
_EXTRA_DIMS = ("work", "interpreter", "scenario", "db", "bcrypt_rounds", "connections", "balance")


def endpoint_kind(path: str | None) -> str:
    """'/api/users/register/' -> 'register', '/api/health/' -> 'health', etc."""
    p = (path or "").lower()
    for kind in ("register", "health", "login"):
        if kind in p:
            return kind
    return p or "?"


def hashing_key(name: str) -> tuple[int, str]:
    """Sort strategies in the study's order (blocking first), unknown ones last."""
    return order_key(HASHINGS, name)


def order_key(names: Sequence[str], name: str) -> tuple[int, str]:
    """Sort key: the position in `names`, unknown names last (alphabetically)."""
    return (names.index(name) if name in names else len(names), name)


@dataclass(frozen=True)
class Grid:
    """The distinct values of every dimension among the cells that were run."""

    dims: dict[str, list[Any]]
    ok: int
    failed: int

    def values(self, dim: str) -> list[Any]:
        return self.dims.get(dim, [])

    @property
    def repeats(self) -> bool:
        """Did the cells run more than one repeat (labels then name the repeat)?"""
        return len(self.values("repeat")) > 1


def grid(cells: Sequence[Row]) -> Grid:
    """What was run: sorted distinct values per dimension, and ok/failed counts."""
    dims: dict[str, list[Any]] = {}
    for dim in (
        "hashing",
        "workers",
        "users",
        "scenario",
        "db",
        "bcrypt_rounds",
        "repeat",
        "duration_s",
        "warmup_s",
        "connections",
        "balance",
    ):
        vals = {c[dim] for c in cells if c.get(dim) is not None}
        dims[dim] = sorted(vals, key=hashing_key) if dim == "hashing" else sorted(vals)
    ok = sum(1 for c in cells if c.get("status") == "ok")
    return Grid(dims=dims, ok=ok, failed=len(cells) - ok)


def cell_label(row: Row, with_repeat: bool = False) -> str:
    """Short human name of a cell: 'blocking · 2 w · 10 u' (+ ' · r2')."""
    label = f"{row['hashing']} · {row['workers']} w · {row['users']} u"
    if row.get("scenario") not in (None, "mixed"):
        label += f" · {row['scenario']}"
    if with_repeat:
        label += f" · r{row.get('repeat')}"
    return label


@dataclass(frozen=True)
class Point:
    """One (strategy, line, users, endpoint) point, averaged over its repeats."""

    hashing: str
    series: str
    workers: int
    users: int
    endpoint: str
    hash_ms: float  # S of the point's work kind (bcrypt: cells.hash_ms; others: work_ms)
    cpu_count: int
    failures: int
    requests: int
    stats: dict[str, MeanCI] = field(default_factory=dict)
    work: str = "bcrypt"
    foreign_cpu_pct: float = math.nan  # the most foreign CPU of its flagged cells (nan: none)

    def mean(self, metric: str) -> float:
        ci = self.stats.get(metric)
        return ci.mean if ci is not None else math.nan

    @property
    def workers_used(self) -> int | None:
        """Workers that served >= 5 % of the requests (rounded mean over repeats), if known."""
        used = self.mean("workers_used")
        return None if math.isnan(used) else max(1, round(used))

    def model(self, *, served: bool = False) -> ModelPoint:
        """The closed-loop model at this point; `served`: with c counting only the workers
        that served (workers_used), where known."""
        return closed_loop(
            self.users,
            self.hash_ms,
            self.workers,
            self.cpu_count,
            self.hashing,
            self.work,
            workers_used=self.workers_used if served else None,
        )


def _varying(rows: Iterable[Row]) -> list[str]:
    rows = list(rows)
    return [d for d in _EXTRA_DIMS if len({r.get(d) for r in rows}) > 1]


def series_label(row: Row, extras: Sequence[str]) -> str:
    """The line a row belongs to: '2 workers', plus any other dimension that varies."""
    w = row["workers"]
    parts = [f"{w} worker" + ("" if w == 1 else "s")]
    parts += [f"{d}={row.get(d)}" if d == "bcrypt_rounds" else str(row.get(d)) for d in extras]
    return " · ".join(parts)


def points(summary: Sequence[Row], scenarios: str = "load") -> list[Point]:
    """Average cell_summary rows over repeats. scenarios='load' keeps every scenario but
    'sequential'; 'sequential' keeps only it."""
    keep = [r for r in summary if (r["scenario"] == "sequential") == (scenarios == "sequential")]
    extras = _varying(keep)
    groups: dict[tuple[Any, ...], list[Row]] = defaultdict(list)
    for r in keep:
        key = (
            r["hashing"],
            series_label(r, extras),
            r["workers"],
            r["users"],
            endpoint_kind(r["endpoint"]),
        )
        groups[key].append(r)
    out = []
    for (hashing, series, workers, users, endpoint), rs in groups.items():
        stats = {m: mean_ci([r[m] for r in rs if r.get(m) is not None]) for m in METRICS}
        work = work_of(rs[0])
        s_col = "hash_ms" if work == "bcrypt" or not rs[0].get("work_ms") else "work_ms"
        hash_ms = mean_ci([r[s_col] for r in rs if r.get(s_col)]).mean
        out.append(
            Point(
                hashing=hashing,
                series=series,
                workers=workers,
                users=users,
                endpoint=endpoint,
                hash_ms=hash_ms,
                cpu_count=int(rs[0].get("cpu_count") or 1),
                failures=int(sum(r.get("failures") or 0 for r in rs)),
                requests=int(sum(r.get("requests") or 0 for r in rs)),
                stats={m: s for m, s in stats.items() if s.n},
                work=work,
                foreign_cpu_pct=max(
                    (float(r.get("foreign_cpu_pct") or 0) for r in rs if r.get("foreign_load")),
                    default=math.nan,
                ),
            )
        )
    return sorted(
        out, key=lambda p: (hashing_key(p.hashing), p.series, p.workers, p.users, p.endpoint)
    )


def by_endpoint(pts: Sequence[Point], endpoint: str) -> list[Point]:
    return [p for p in pts if p.endpoint == endpoint]


def at(pts: Sequence[Point], hashing: str, users: int) -> list[Point]:
    return [p for p in pts if p.hashing == hashing and p.users == users]


def lines(pts: Sequence[Point], hashing: str) -> list[tuple[str, list[Point]]]:
    """A strategy's lines of a figure: (series, its points by users), in series order."""
    mine = [p for p in pts if p.hashing == hashing]
    series = sorted({p.series for p in mine})
    return [(s, sorted((p for p in mine if p.series == s), key=lambda p: p.users)) for s in series]


def strategies(pts: Iterable[Point]) -> list[str]:
    return sorted({p.hashing for p in pts}, key=hashing_key)


def representative_cells(cells: Sequence[Row]) -> dict[str, Row]:
    """Per strategy, the ok load cell under the most stress: most users, then most workers,
    then the first repeat."""
    best: dict[str, Row] = {}
    for c in cells:
        if c.get("status") != "ok" or c.get("scenario") == "sequential":
            continue
        key = (c["users"], c["workers"], -(c.get("repeat") or 0))
        cur = best.get(c["hashing"])
        if cur is None or key > (cur["users"], cur["workers"], -(cur.get("repeat") or 0)):
            best[c["hashing"]] = c
    return {h: best[h] for h in sorted(best, key=hashing_key)}


def per_cell(summary: Sequence[Row]) -> list[Row]:
    """One row per cell (cell_summary repeats cell-level columns for each endpoint)."""
    seen: dict[str, Row] = {}
    for r in summary:
        seen.setdefault(r["cell_id"], r)
    return sorted(
        seen.values(),
        key=lambda r: (hashing_key(r["hashing"]), r["workers"], r["users"], r.get("repeat") or 0),
    )
