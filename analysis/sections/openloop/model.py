"""Pure: the numbers and sentences of "Open vs closed load" (data in, rows and text out).

The model above capacity: arrivals at λ/s into a server that completes μ/s (its ceiling) leave
λ − μ requests/s behind, so the queue holds (λ − μ)·t requests after t s and a request arriving
then waits (λ − μ)·t/μ s: latency measured from the intended time grows by (λ − μ)/μ s per s.
λ and μ count registrations (the expensive request); a mixed load's λ is its rate × 5/6.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analysis.core.ceilings import ceiling_rps, pair, work_of
from analysis.core.model import mmc_response_ms
from analysis.core.psim import ps_response_times
from analysis.core.wording import count
from app.contract import HASHINGS, HEALTH_PATH, LOAD_MIX, REGISTER_PATH, WORKS, Row

REGISTER = REGISTER_PATH
HEALTH = HEALTH_PATH
# The rates (× the pair's ceiling) whose timelines the section shows when they exist.
SHOWN_LOADS = (0.5, 0.9, 1.2)
# A closed cell pairs with an open one when it achieved at least (1 - this) × the open cell's
# throughput: a closed loop without think time cannot run a saturated pair (blocking) below its
# ceiling, so "the same throughput" means at least as high (it then did as much work); among
# those, the smallest closed loop (fewest users) that carries it is the open cell's twin.
SAME_THROUGHPUT = 0.15


def group_of(c: Row) -> tuple[Any, ...]:
    """What must match for two cells to be the same pair under a different load."""
    return (
        c["scenario"],
        c["hashing"],
        c.get("work"),
        c["workers"],
        c.get("db"),
        c.get("connections"),
        c.get("bcrypt_rounds"),
    )


def group_label(c: Row) -> str:
    w = c["workers"]
    work = f" · {c['work']}" if c.get("work") not in (None, "bcrypt") else ""
    return f"{c['hashing']}{work} · {count(w, 'worker')} · {c['scenario']}"


def register_share(scenario: str) -> float:
    """The fraction of a scenario's arrivals that register (0 for health only)."""
    mix = LOAD_MIX.get(scenario, {})
    total = sum(mix.values())
    return mix.get("register", 0) / total if total else 0.0


def executors(c: Row) -> int | None:
    """c of the (work kind, strategy) pair: its parallel executors (analysis/core/ceilings.py:
    bcrypt blocking min(workers, cores), off the loop cores); None without a core count or a
    known pair."""
    cores, kind = c.get("cpu_count"), work_of(c)
    if not cores or kind not in WORKS or c["hashing"] not in HASHINGS:
        return None
    return pair(
        kind,
        c["hashing"],
        workers=int(c["workers"]),
        cores=int(cores),
        pool_size=c.get("pool_size"),
        thread_limit=c.get("thread_limit"),
    ).executors


def mu_rps(c: Row) -> float:
    """μ, the pair's ceiling in registrations/s: c / S, S being one registration's server time
    alone (`service_ms`: the sweep's sequential baseline, else the call alone); NaN without
    S, a core count or a known pair."""
    s, n = c.get("service_ms"), executors(c)
    return ceiling_rps(n, float(s)) if s and n else math.nan


def utilisation(c: Row) -> float:
    """ρ = λ/μ for an open cell's registrations (NaN for health only or closed cells)."""
    share = register_share(c["scenario"])
    if c.get("arrival") != "open" or not c.get("rate") or share == 0:
        return math.nan
    return float(c["rate"]) * share / mu_rps(c)


def model_slope(c: Row) -> float:
    """(λ − μ)/μ s per s above capacity; 0 below it."""
    rho = utilisation(c)
    return math.nan if math.isnan(rho) else max(0.0, rho - 1.0)


def shown_cells(cells: Sequence[Row]) -> list[Row]:
    """Open cells to draw over time: per pair, those nearest 0.5, 0.9, 1.2 × the ceiling
    (within ±0.15), else every open cell of the pair (health only has no ceiling)."""
    out: list[Row] = []
    opened = [c for c in cells if c.get("arrival") == "open"]
    for key in dict.fromkeys(group_of(c) for c in opened):
        mine = [c for c in opened if group_of(c) == key]
        picked: list[Row] = []
        for target in SHOWN_LOADS:
            near = [c for c in mine if abs(utilisation(c) - target) <= 0.15]
            if near:
                picked.append(min(near, key=lambda c: abs(utilisation(c) - target)))
        out += list({c["cell_id"]: c for c in picked}.values()) if picked else mine
    return out


@dataclass(frozen=True)
class Gap:
    """A closed-loop cell and an open-loop cell of the same pair at about the same throughput."""

    endpoint: str
    closed: Row
    opened: Row
    closed_p99_ms: float
    open_p99_ms: float  # from the intended time
    open_send_p99_ms: float  # from the actual send

    @property
    def label(self) -> str:
        return group_label(self.opened)

    @property
    def ratio(self) -> float:
        return self.open_p99_ms / self.closed_p99_ms if self.closed_p99_ms else math.nan


def gaps(cells: Sequence[Row], stats: Sequence[Row]) -> list[Gap]:
    """Per open cell with a closed cell of the same pair that achieved at least 85 % of its
    throughput (the one with the fewest users, then the least busy), the endpoints' p99:
    closed-loop next to open-loop from the intended time."""
    by = {(s["cell_id"], s["endpoint"]): s for s in stats}
    out = []
    for o in (c for c in cells if c.get("arrival") == "open" and c.get("achieved_rps")):
        closed = [
            c
            for c in cells
            if c.get("arrival") != "open" and group_of(c) == group_of(o) and c.get("achieved_rps")
        ]
        floor = (1 - SAME_THROUGHPUT) * o["achieved_rps"]
        busy_enough = [c for c in closed if c["achieved_rps"] >= floor]
        if not busy_enough:
            continue
        near = min(busy_enough, key=lambda c: (c["users"], c["achieved_rps"]))
        for endpoint in (HEALTH, REGISTER):
            cs, os_ = by.get((near["cell_id"], endpoint)), by.get((o["cell_id"], endpoint))
            if cs and os_:
                p99 = (cs["p99_ms"], os_["latency_p99_ms"], os_["p99_ms"])
                out.append(Gap(endpoint, near, o, *p99))
    return out


def growth_rows(cells: Sequence[Row], slopes: Sequence[Row]) -> list[Row]:
    """Open cells above capacity (ρ > 1) with the measured and the model slope."""
    by = {s["cell_id"]: s for s in slopes}
    out = []
    for c in cells:
        rho = utilisation(c)
        fit = by.get(c["cell_id"])
        if math.isnan(rho) or rho <= 1.0 or fit is None or fit["slope"] is None:
            continue
        mu = mu_rps(c)
        share = register_share(c["scenario"])
        done = (c["achieved_rps"] or math.nan) * share  # registrations completed per s
        lam = float(c["rate"]) * share
        out.append(
            {
                **c,
                "rho": rho,
                "ceiling_rps": mu,
                "slope": float(fit["slope"]),
                "r2": fit["r2"],
                "model_slope": model_slope(c),
                "achieved_vs_ceiling": done / mu - 1,
                "completed_rps": done,
                # the same law with μ the measured completion rate, not the modelled ceiling
                "measured_slope": (lam - done) / done if done > 0 else math.nan,
            }
        )
    return out


def below_model(hashing: str, n: int, rho: float) -> tuple[str, float]:
    """Mean response for Poisson arrivals below capacity, in S, and the model's name. Threads
    sharing cores are processor sharing: M/M/c's mean, whatever the distribution of S. The
    blocking loop serves its worker's requests first-come with a fixed S: M/D/1
    (Pollaczek-Khinchine). A process pool is first-come with c servers: M/D/c by Allen-Cunneen
    (half M/M/c's wait)."""
    wait = mmc_response_ms(n, rho, 1.0) - 1
    if hashing == "blocking":
        return "M/D/1", 1 + rho / (2 * (1 - rho))
    if hashing == "processpool":
        return f"M/D/{n} (Allen-Cunneen)", 1 + wait / 2
    return f"M/M/{n}", 1 + wait


# Strategies whose calls share the cores as threads (processor sharing); their cells can be
# replayed on ideal sharing. The blocking loop and a process pool serve first-come instead.
SHARING = ("threadpool", "sync_def")


def replayable(c: Row) -> bool:
    """An open Poisson cell below capacity whose pair shares the cores (ideal sharing applies)."""
    rho = utilisation(c)
    return (
        c.get("arrival") == "open"
        and (c.get("arrival_process") or "poisson") == "poisson"
        and c["hashing"] in SHARING
        and not math.isnan(rho)
        and 0 < rho < 1
    )


def ideal_mean_ms(c: Row, arrivals: Sequence[Row]) -> float:
    """Mean response, over the requests the window counts, of ideal sharing of the pair's
    executors replayed on the cell's own register arrivals (core/psim.py); NaN without."""
    mine = [a for a in arrivals if a["cell_id"] == c["cell_id"]]
    n = executors(c)
    if not mine or not n:
        return math.nan
    times = ps_response_times([a["t_intended"] for a in mine], float(c["service_ms"]) / 1000, n)
    inside = [t for t, a in zip(times, mine, strict=True) if a["counted"]]
    return 1000 * sum(inside) / len(inside) if inside else math.nan


def below_rows(
    cells: Sequence[Row], stats: Sequence[Row], arrivals: Sequence[Row] = ()
) -> list[Row]:
    """Open cells below capacity (0 < ρ < 1) with registrations: their mean from the intended
    time, in S; for Poisson arrivals the pair's queue model (below_model) and, where the pair
    shares the cores, ideal sharing replayed on the cell's own arrivals (`ideal_in_s`)."""
    by = {(s["cell_id"], s["endpoint"]): s for s in stats}
    out = []
    for c in cells:
        rho, reg, n = utilisation(c), by.get((c["cell_id"], REGISTER)), executors(c)
        if math.isnan(rho) or not 0 < rho < 1 or reg is None or n is None:
            continue
        name, model = below_model(c["hashing"], n, rho)
        poisson = (c.get("arrival_process") or "poisson") == "poisson"
        s_ms = float(c["service_ms"])
        ideal = ideal_mean_ms(c, arrivals) if replayable(c) else math.nan
        out.append(
            {
                **c,
                "rho": rho,
                "executors": n,
                "mean_ms": reg["latency_avg_ms"],
                "mean_in_s": reg["latency_avg_ms"] / s_ms,
                "model": name,
                "model_in_s": model if poisson else math.nan,
                "ideal_in_s": ideal / s_ms,
            }
        )
    return out
