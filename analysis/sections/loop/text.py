"""The loop section's sentences: how long each strategy's most loaded cell stood still, in S,
and per registration served (the answer at the top of the page and the section's paragraphs)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from analysis.core.aggregate import Grid
from analysis.core.section import Answer
from analysis.core.wording import count, more_strategies, ms, run_command, times
from app.contract import DEFAULT_APP, Row


def answer(
    reps: Mapping[str, Row], worst: Mapping[str, Row], stalls: Mapping[str, Row]
) -> list[Answer]:
    """The blocked loop in one paragraph: how long it stood still per registration under each
    strategy's most loaded cell, in S."""
    parts = []
    for h, c in reps.items():
        w, s = worst.get(c["cell_id"]), stalls.get(c["cell_id"], {})
        regs = s.get("registrations") or 0
        if w is None or (c.get("server_app") or DEFAULT_APP) != DEFAULT_APP:
            continue
        hash_ms = c.get("hash_ms") or math.nan
        part = (
            f"{h} ({count(c['workers'], 'worker')}, {c['users']} users{_foreign(c)}): longest "
            "stall "
            f"{ms(w['max_ms'])} ({times(w['max_ms'] / hash_ms)} S)"
        )
        if regs:
            per = s.get("stall_total_ms", 0.0) / regs
            part += f", {ms(per)} of stalled loop per registration ({times(per / hash_ms)} S)"
        parts.append(part)
    if not parts:
        return []
    s_ms = next(iter(reps.values())).get("hash_ms") or math.nan
    return [
        Answer(
            "The blocked loop",
            "While a hash runs on the loop, nothing else on that worker runs: "
            + "; ".join(parts)
            + f". S = {ms(s_ms)}, one registration alone.",
        )
    ]


def _foreign(c: Row) -> str:
    """', beside foreign load: N % of a core' for a cell another process disturbed."""
    pct = c.get("foreign_cpu_pct")
    return f", beside foreign load: {pct:.0f} % of a core" if c.get("foreign_load") and pct else ""


def blocked_loop(
    reps: Mapping[str, Row], worst: Mapping[str, Row], stalls: Mapping[str, Row], grid: Grid
) -> list[str]:
    """How late the loop woke, and the stall per registration against S.
    reps: strategy -> representative cell; worst: cell_id -> its worst worker's lag row;
    stalls: cell_id -> stall row (stalls, stall_total_ms, registrations)."""
    out = []
    per_reg: dict[str, float] = {}
    for h, c in reps.items():
        w = worst.get(c["cell_id"])
        if w is None:
            continue
        s = stalls.get(c["cell_id"], {})
        hash_ms = c.get("hash_ms") or math.nan
        if (c.get("server_app") or DEFAULT_APP) != DEFAULT_APP:  # no registration, no S
            out.append(
                f"{c['server_app']} ({count(c['workers'], 'worker')}, {c['users']} users): the "
                f"worst worker's loop woke up to {ms(w['max_ms'])} late (p99 {ms(w['p99_ms'])})."
            )
            continue
        text = (
            f"{h} ({count(c['workers'], 'worker')}, {c['users']} users{_foreign(c)}): the "
            "worst worker's "
            f"loop woke up to {ms(w['max_ms'])} late (p99 {ms(w['p99_ms'])}); the longest stall "
            f"lasted {times(w['max_ms'] / hash_ms)} the single-hash time S = {ms(hash_ms)}."
        )
        regs = s.get("registrations") or 0
        if regs:
            per_reg[h] = s.get("stall_total_ms", 0.0) / regs
            text += (
                f" Wake-ups more than 5 ms late add up to {ms(s.get('stall_total_ms'))} "
                f"over {regs} registrations served: {ms(per_reg[h])} of stalled loop per "
                f"registration ({times(per_reg[h] / hash_ms)} S)."
            )
        else:
            text += " No registration was served in this cell."
        out.append(text)
    if not out:
        return [
            f"No loop-lag samples are stored for this sweep. Run `{run_command(grid)}` "
            "with the app's instrumentation on (the default) to record them."
        ]
    base = per_reg.get("blocking")
    others = [(h, v) for h, v in per_reg.items() if h != "blocking" and v > 0]
    if base and others:
        out.append(
            "Per registration served, the loop stalled "
            + ", ".join(f"{times(base / v)} less under {h}" for h, v in others)
            + " than under blocking; "
            "what remains is the loop waiting for a core that the hashing threads or "
            "processes hold."
        )
    if len(reps) < 2 and all(c.get("server_app") in (None, DEFAULT_APP) for c in reps.values()):
        out.append(
            "Only one hashing strategy was run; to see a fix beside it, run "
            f"`{run_command(grid, hashing=more_strategies(grid))}`."
        )
    return out
