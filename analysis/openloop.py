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

from analysis.ceilings import KINDS, STRATEGIES, pair
from analysis.wording import ms, num, pct, times
from app.contract import HEALTH_PATH, LOAD_MIX, REGISTER_PATH

Row = dict[str, Any]
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
    return f"{c['hashing']}{work} · {w} worker{'s' if w != 1 else ''} · {c['scenario']}"


def register_share(scenario: str) -> float:
    """The fraction of a scenario's arrivals that register (0 for health only)."""
    mix = LOAD_MIX.get(scenario, {})
    total = sum(mix.values())
    return mix.get("register", 0) / total if total else 0.0


def ceiling_rps(c: Row) -> float:
    """μ, the pair's calls/s: c / S with c the (work kind, strategy) pair's parallel executors
    (analysis/ceilings.py: bcrypt blocking min(workers, cores), off the loop cores); NaN
    without S, a core count or a known pair."""
    s, cores = c.get("service_ms"), c.get("cpu_count")
    kind = c.get("work") or "bcrypt"
    if not s or not cores or kind not in KINDS or c["hashing"] not in STRATEGIES:
        return math.nan
    executors = pair(
        kind,
        c["hashing"],
        workers=int(c["workers"]),
        cores=int(cores),
        pool_size=c.get("pool_size"),
        thread_limit=c.get("thread_limit"),
    ).executors
    return executors / (float(s) / 1000)


def utilisation(c: Row) -> float:
    """ρ = λ/μ for an open cell's registrations (NaN for health only or closed cells)."""
    share = register_share(c["scenario"])
    if c.get("arrival") != "open" or not c.get("rate") or share == 0:
        return math.nan
    return float(c["rate"]) * share / ceiling_rps(c)


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
        out += _unique(picked) if picked else mine
    return out


def _unique(cells: list[Row]) -> list[Row]:
    return list({c["cell_id"]: c for c in cells}.values())


@dataclass(frozen=True)
class Gap:
    """A closed-loop cell and an open-loop cell of the same pair at about the same throughput."""

    label: str
    endpoint: str
    closed: Row
    opened: Row
    closed_p99_ms: float
    open_p99_ms: float  # from the intended time
    open_send_p99_ms: float  # from the actual send

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
        if not closed:
            continue
        floor = (1 - SAME_THROUGHPUT) * o["achieved_rps"]
        busy_enough = [c for c in closed if c["achieved_rps"] >= floor]
        if not busy_enough:
            continue
        near = min(busy_enough, key=lambda c: (c["users"], c["achieved_rps"]))
        for endpoint in (HEALTH, REGISTER):
            cs, os_ = by.get((near["cell_id"], endpoint)), by.get((o["cell_id"], endpoint))
            if cs and os_:
                out.append(
                    Gap(
                        group_label(o),
                        endpoint,
                        near,
                        o,
                        cs["p99_ms"],
                        os_["latency_p99_ms"],
                        os_["p99_ms"],
                    )
                )
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
        mu = ceiling_rps(c)
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


def paragraphs(cells: Sequence[Row], growth: Sequence[Row], gap: Sequence[Gap]) -> list[str]:
    """The section's text, every number from the store."""
    opened = [c for c in cells if c.get("arrival") == "open"]
    if not opened:
        return [
            "No open-loop cells in this sweep. Every cell here is closed-loop: a user waits "
            "for each answer before it sends again, so when the server stalls the load stalls "
            "with it (coordinated omission). Run `python -m runner -m load.arrival=open "
            "load.rate=2,4,8,12` to send requests on a schedule instead."
        ]
    out = [
        "An open-loop cell sends each request when its schedule says "
        f"({opened[0].get('arrival_process') or 'poisson'} arrivals at load.rate/s), whatever "
        "the answers do; latency is measured from that intended time, so time spent waiting "
        "for a stalled server counts. A closed-loop user sends only after the previous answer."
    ]
    kept = [
        f"{group_label(c)} λ = {num(c['rate'], 3 if c['rate'] < 1 else 1)}/s "
        f"{c.get('arrival_process') or 'poisson'}: achieved "
        f"{num(c['achieved_rps'])}/s, send lag p99 {ms(c['send_lag_p99_ms'])}, "
        f"{int(c['dropped'] or 0)} dropped"
        for c in opened
    ]
    out.append("Offered vs achieved: " + "; ".join(kept) + ".")
    for g in growth:
        out.append(
            f"Above capacity ({group_label(g)}, λ = {num(g['rate'])}/s, ρ = {num(g['rho'], 2)} "
            f"of μ = {num(g['ceiling_rps'])} registrations/s): latency from the intended time "
            f"grew by {num(g['slope'], 2)} s per s against the model's (λ − μ)/μ = "
            f"{num(g['model_slope'], 2)} ({pct(g['slope'] / g['model_slope'] - 1, True)}); "
            f"registrations completed at {num(g['completed_rps'])}/s "
            f"({pct(g['achieved_vs_ceiling'], True)} against the ceiling), and with μ that "
            f"measured rate the model gives {num(g['measured_slope'], 2)} "
            f"({pct(g['slope'] / g['measured_slope'] - 1, True)})."
        )
    for gp in gap:
        if gp.endpoint != HEALTH:
            continue
        out.append(
            f"At the same or a higher throughput ({group_label(gp.opened)}: closed loop "
            f"{gp.closed['users']} user{'' if gp.closed['users'] == 1 else 's'}, "
            f"{num(gp.closed['achieved_rps'])}/s; open loop "
            f"{num(gp.opened['achieved_rps'])}/s), the closed-loop health p99 was "
            f"{ms(gp.closed_p99_ms)} and the open-loop one {ms(gp.open_p99_ms)} from the intended "
            f"time ({ms(gp.open_send_p99_ms)} from the actual send), {times(gp.ratio)} what the "
            "closed loop reported."
        )
    if opened and not gap:
        out.append(
            "No closed-loop cell of the same pair reached an open cell's throughput (less "
            f"{pct(SAME_THROUGHPUT)}), so the coordinated-omission gap is not shown; sweep "
            "`users` for the closed-loop side."
        )
    return out
