"""The loop section's paragraphs: how late the loop woke, and the stall per registration
against S."""

from __future__ import annotations

import math
from collections.abc import Mapping

from analysis.core.aggregate import Grid
from analysis.core.wording import more_strategies, ms, run_command, times
from app.contract import Row


def _load_at(c: Row) -> str:
    w = c["workers"]
    return f"{w} worker{'s' if w != 1 else ''}, {c['users']} users"


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
        text = (
            f"{h} ({_load_at(c)}): the worst worker's loop woke up to {ms(w['max_ms'])} "
            f"late (p99 {ms(w['p99_ms'])}); the longest stall lasted "
            f"{times(w['max_ms'] / hash_ms)} the single-hash time S = {ms(hash_ms)}."
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
    if len(reps) < 2:
        out.append(
            "Only one hashing strategy was run; to see a fix beside it, run "
            f"`{run_command(grid, hashing=more_strategies(grid))}`."
        )
    return out
