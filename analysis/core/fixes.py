"""Pure: the 'which fix works' table, one row per hashing strategy, compared at one load."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.core.aggregate import Point, strategies
from analysis.core.ceilings import ceiling_rps


@dataclass(frozen=True)
class FixRow:
    hashing: str
    users: int  # the comparison load (the highest user count)
    workers: int | None  # the comparison worker count (None: none common to all)
    health_p95_ms: float  # the users' /api/health/ p95 at the comparison load (nan: none)
    lag_p99_ms: float  # loop-lag p99 at the comparison load
    best_rps: float  # best register throughput of the strategy, any cell
    best_at: tuple[int, int]  # (workers, users) of that best
    ceiling_rps: float  # cpu_count / S
    hash_ms: float
    best_n: int = 0  # registrations behind best_rps (summed over repeats)
    probe_p95_ms: float = math.nan  # the steady probe's /api/health/ p95 there
    best_cpu_pct: float = math.nan  # the server's mean CPU in the best cell (100 = one core)
    cores: int = 0

    @property
    def model_fraction(self) -> float:
        """best_rps over cores / S: S measured once, on the machine as fast as it was then."""
        return self.best_rps / self.ceiling_rps if self.ceiling_rps else math.nan

    @property
    def cpu_ms(self) -> float:
        """Server CPU per registration in the best cell (its health requests' share included)."""
        if math.isnan(self.best_cpu_pct) or not self.best_rps:
            return math.nan
        return 10 * self.best_cpu_pct / self.best_rps

    @property
    def own_ceiling_rps(self) -> float:
        """cores / cpu_ms: what the best cell's server reached with every core busy at that
        cell's own cost per registration, on the machine as fast as it was then."""
        if math.isnan(self.cpu_ms) or not self.cpu_ms or not self.cores:  # no CPU sampled
            return math.nan
        return self.cores / (self.cpu_ms / 1000)

    @property
    def fraction(self) -> float:
        """best_rps over its own ceiling (the share of the cores the server kept busy), or over
        cores / S when the cell's CPU is not stored."""
        own = self.own_ceiling_rps
        return self.model_fraction if math.isnan(own) else self.best_rps / own


def _pick(
    pts: Sequence[Point], hashing: str, users: int, workers: int | None, endpoint: str
) -> Point | None:
    cands = [
        p
        for p in pts
        if p.hashing == hashing
        and p.users == users
        and p.endpoint == endpoint
        and (workers is None or p.workers == workers)
    ]
    return max(cands, key=lambda p: p.workers) if cands else None


def fix_table(pts: Sequence[Point]) -> list[FixRow]:
    """One row per strategy: health p95 and lag p99 at the highest user count (and the highest
    worker count every strategy ran there), best register rps and its fraction of the ceiling."""
    if not pts:
        return []
    users = max(p.users for p in pts)
    names = strategies(pts)
    worker_sets = [{p.workers for p in pts if p.hashing == h and p.users == users} for h in names]
    common = set.intersection(*worker_sets) if worker_sets else set()
    workers = max(common) if common else None
    out = []
    for h in names:
        health = _pick(pts, h, users, workers, "health")
        any_ep = health or _pick(pts, h, users, workers, "register")
        regs = [
            p
            for p in pts
            if p.hashing == h and p.endpoint == "register" and not math.isnan(p.mean("rps"))
        ]
        best = max(regs, key=lambda p: p.mean("rps")) if regs else None
        ref = best or any_ep
        hash_ms = ref.hash_ms if ref else math.nan
        ceiling = (
            ceiling_rps(ref.cpu_count, hash_ms)
            if ref and hash_ms and not math.isnan(hash_ms)
            else math.nan
        )
        out.append(
            FixRow(
                hashing=h,
                users=users,
                workers=workers,
                health_p95_ms=health.mean("p95_ms") if health else math.nan,
                lag_p99_ms=any_ep.mean("loop_lag_p99_ms") if any_ep else math.nan,
                best_rps=best.mean("rps") if best else math.nan,
                best_at=(best.workers, best.users) if best else (0, 0),
                ceiling_rps=ceiling,
                hash_ms=hash_ms,
                best_n=best.requests if best else 0,
                probe_p95_ms=health.mean("probe_p95_ms") if health else math.nan,
                best_cpu_pct=best.mean("cpu_avg_percent") if best else math.nan,
                cores=ref.cpu_count if ref else 0,
            )
        )
    return out


def best_of(rows: Sequence[FixRow], attr: str, lowest: bool) -> str | None:
    """The strategy with the best value of attr (lowest or highest), ignoring missing values."""
    vals = [(getattr(r, attr), r.hashing) for r in rows if not math.isnan(getattr(r, attr))]
    if not vals:
        return None
    return (min(vals) if lowest else max(vals))[1]
