"""Pure: one S for the whole report, per bcrypt cost.

S, the service time of one registration alone, is what every ceiling (c / S) and every "in S"
figure divides by, so the whole report uses one value per cost:

1. the sweep's sequential baseline, where it has one that ran on a quiet machine: the mean
   server time of its register requests (measured in place, in the server, with nothing else
   running), from the `blocking` baseline when there is one, else the fastest strategy's;
2. otherwise the median of the hashes the cells measured, one before each cell's server
   started, spread over the sweep (`cells.hash_ms`), leaving out cells another process's
   load disturbed (`cells.foreign_load`), as every section does.

The other kinds of work keep their own calibrated time per call (`cells.work_ms`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from analysis.core.ceilings import work_of
from analysis.core.wording import ms
from app.contract import Row


@dataclass(frozen=True)
class ServiceTime:
    cost: int
    ms: float
    source: Literal["baseline", "hashes"]
    n: int  # register requests of the baseline, or cells' hashes
    hashes: tuple[float, ...]  # every ok cell's own hash at this cost (the spread)
    baseline_hashing: str | None = None  # the baseline's strategy
    baseline_lo: float = math.nan  # the baseline's fastest and slowest register at the server
    baseline_hi: float = math.nan
    disturbed: str | None = None  # a baseline left out for foreign load: its strategy

    @property
    def hashes_lo(self) -> float:
        return min(self.hashes) if self.hashes else math.nan

    @property
    def hashes_hi(self) -> float:
        return max(self.hashes) if self.hashes else math.nan

    @property
    def hashes_median(self) -> float:
        return statistics.median(self.hashes) if self.hashes else math.nan


def _baseline(rows: Sequence[Row], cost: int) -> Row | None:
    """The baseline row S comes from at this cost: blocking's (the call in place), else the
    fastest strategy's."""
    mine = [
        r
        for r in rows
        if int(r.get("bcrypt_rounds") or 0) == cost
        and work_of(r) == "bcrypt"
        and r.get("mean_ms")
        and not math.isnan(r["mean_ms"])
        and not r.get("foreign")
    ]
    blocking = [r for r in mine if r.get("hashing") == "blocking"]
    pool = blocking or mine
    return min(pool, key=lambda r: r["mean_ms"]) if pool else None


def service_times(cells: Sequence[Row], baselines: Sequence[Row] = ()) -> dict[int, ServiceTime]:
    """S per bcrypt cost: the baseline's register server time where the sweep has one, else
    the median of the ok cells' own hashes (see the module's docstring)."""
    hashes: dict[int, list[float]] = {}
    for c in cells:
        s = c.get("hash_ms")
        if c.get("status") == "ok" and s and not math.isnan(s) and not c.get("foreign_load"):
            hashes.setdefault(int(c.get("bcrypt_rounds") or 0), []).append(float(s))
    costs = set(hashes) | {int(r.get("bcrypt_rounds") or 0) for r in baselines}
    out: dict[int, ServiceTime] = {}
    for cost in sorted(costs):
        mine = tuple(hashes.get(cost, ()))
        b = _baseline(baselines, cost)
        if b is not None:
            out[cost] = ServiceTime(
                cost,
                float(b["mean_ms"]),
                "baseline",
                int(b.get("n") or 0),
                mine,
                baseline_hashing=b.get("hashing"),
                baseline_lo=float(b.get("lo_ms") or math.nan),
                baseline_hi=float(b.get("hi_ms") or math.nan),
            )
        elif mine:
            disturbed = [
                r.get("hashing")
                for r in baselines
                if int(r.get("bcrypt_rounds") or 0) == cost and r.get("foreign")
            ]
            out[cost] = ServiceTime(
                cost,
                statistics.median(mine),
                "hashes",
                len(mine),
                mine,
                disturbed=", ".join(sorted(map(str, disturbed))) or None,
            )
    return out


def with_service_time(rows: Sequence[Row], s_by_cost: dict[int, ServiceTime]) -> list[Row]:
    """Rows with hash_ms replaced by the report's S of their bcrypt cost (the cell's own
    measurement is kept as hash_ms_measured)."""
    out = []
    for r in rows:
        s = s_by_cost.get(int(r.get("bcrypt_rounds") or 0))
        s_ms = s.ms if s else r.get("hash_ms")
        out.append({**r, "hash_ms_measured": r.get("hash_ms"), "hash_ms": s_ms})
    return out


def describe(s: ServiceTime) -> str:
    """Which S the report used and how spread its measurements were, in one clause."""
    spread = (
        f"the {len(s.hashes)} hashes the cells measured before their servers started ranged "
        f"{ms(s.hashes_lo)} to {ms(s.hashes_hi)} (median {ms(s.hashes_median)})"
        if s.hashes
        else "no cell measured a hash of its own"
    )
    if s.source == "baseline":
        return (
            f"S = {ms(s.ms)} at cost {s.cost}: the mean server time of the {s.n} registrations "
            f"of the sweep's sequential {s.baseline_hashing} baseline (from "
            f"{ms(s.baseline_lo)} to {ms(s.baseline_hi)}), one registration alone, measured "
            f"in place; {spread}"
        )
    why = (
        f"the sweep's sequential {s.disturbed} baseline ran beside another process's load "
        "(flagged foreign_load) and is left out"
        if s.disturbed
        else "the sweep has no sequential baseline; `baseline=true` measures one registration "
        "in place"
    )
    return (
        f"S = {ms(s.ms)} at cost {s.cost}: the median of the {s.n} hashes the cells measured "
        f"before their servers started, from {ms(s.hashes_lo)} to {ms(s.hashes_hi)} ({why})"
    )
