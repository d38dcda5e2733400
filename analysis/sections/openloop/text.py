"""Pure: the sentences of "Open vs closed load", every number from the rows model.py shapes (the
store's own figures)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from analysis.core.wording import count, ms, num, pct, times
from analysis.sections.openloop.model import HEALTH, SAME_THROUGHPUT, Gap, group_label
from app.contract import Row


def service_sentence(c: Row) -> str:
    """What S is for this cell's pair, with its value (no parentheses: it goes inside some)."""
    if c.get("request_ms"):
        return (
            f"S = {ms(c['service_ms'])}: one registration's server time alone, from the "
            f"sweep's sequential baseline of {c['hashing']}; the call alone takes "
            f"{ms(c.get('call_ms'))}"
        )
    return (
        f"S = {ms(c['service_ms'])}: the call alone, as this sweep has no sequential baseline "
        f"of {c['hashing']}, so the registration's own work beyond the call is left out"
    )


def paragraphs(
    cells: Sequence[Row],
    growth: Sequence[Row],
    gap: Sequence[Gap],
    below: Sequence[Row] = (),
) -> list[str]:
    """The section's text (the sweep has open cells), every number from the store."""
    opened = [c for c in cells if c.get("arrival") == "open"]
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
    for b in below:
        model = b["model_in_s"]
        out.append(
            f"Below capacity ({group_label(b)}, λ = {num(b['rate'])}/s "
            f"{b.get('arrival_process') or 'poisson'}, ρ = {num(b['rho'], 2)}): registrations "
            f"took {ms(b['mean_ms'])} on average from the intended time, "
            f"{num(b['mean_in_s'], 2)} S ({service_sentence(b)})"
            + (
                f"; {b['model']} gives {num(model, 2)} S for Poisson arrivals"
                if not math.isnan(model)
                else ""
            )
            + (
                f", and ideal sharing of {b['executors']} cores replayed on this cell's own "
                f"arrivals {num(b['ideal_in_s'], 2)} S, so the luck of this sample accounts for "
                f"{pct(b['ideal_in_s'] / model - 1, True)} and this server for "
                f"{pct(b['mean_in_s'] / b['ideal_in_s'] - 1, True)}."
                if not math.isnan(b.get("ideal_in_s", math.nan)) and not math.isnan(model)
                else "."
            )
        )
    for g in growth:
        out.append(
            f"Above capacity ({group_label(g)}, λ = {num(g['rate'])}/s, ρ = {num(g['rho'], 2)} "
            f"of μ = {num(g['ceiling_rps'])} registrations/s, {service_sentence(g)}): latency "
            "from the intended time "
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
            f"{count(gp.closed['users'], 'user')}, "
            f"{num(gp.closed['achieved_rps'])}/s; open loop "
            f"{num(gp.opened['achieved_rps'])}/s), the closed-loop health p99 was "
            f"{ms(gp.closed_p99_ms)} and the open-loop one {ms(gp.open_p99_ms)} from the intended "
            f"time ({ms(gp.open_send_p99_ms)} from the actual send), {times(gp.ratio)} what the "
            "closed loop reported."
        )
    if not gap:
        out.append(
            "No closed-loop cell of the same pair reached an open cell's throughput (less "
            f"{pct(SAME_THROUGHPUT)}), so the coordinated-omission gap is not shown; sweep "
            "`users` for the closed-loop side."
        )
    return out
