"""How close does each strategy come to the machine's limit, cores / S? The best measured
registrations/s of each against that ceiling."""

from __future__ import annotations

import math
from collections.abc import Sequence

from analysis.core.aggregate import Grid
from analysis.core.fixes import FixRow
from analysis.core.section import AppliesTo, Context, Section, present
from analysis.core.section import read_nothing as read
from analysis.core.wording import more_strategies, ms, num, pct, run_command
from analysis.sections.throughput.figures import throughput_figure

APPLIES_TO: AppliesTo = "study"
__all__ = ["APPLIES_TO", "build", "read"]


def build(data: None, ctx: Context) -> Section:
    return Section(
        "throughput",
        "Throughput and the machine's limit",
        "How close does each strategy come to the machine's limit (cores / time of one hash)?",
        present(
            (
                throughput_figure(ctx.load, ctx.fixes),
                "Measured registrations/s, the model's X = min(N, c)/S, and the ceiling cores/S.",
            )
        ),
        throughput(ctx.fixes, ctx.grid),
    )


def throughput(rows: Sequence[FixRow], grid: Grid) -> list[str]:
    """Each strategy's best register rps as a fraction of cpu_count / S."""
    rows = [r for r in rows if not math.isnan(r.best_rps)]
    if not rows:
        return [
            "No registrations are stored for this sweep. Run "
            f"`{run_command(grid, scenario='mixed')}`."
        ]
    r0 = rows[0]
    cores = round(r0.ceiling_rps * r0.hash_ms / 1000)
    out = [
        f"The machine's ceiling is {cores} cores / S = {cores} / {ms(r0.hash_ms)} = "
        f"{num(r0.ceiling_rps)} registrations/s: every core hashing all the time."
    ]
    parts = [
        f"{r.hashing} {num(r.best_rps)}/s ({pct(r.fraction)} of the ceiling, "
        f"{r.best_at[0]} w, {r.best_at[1]} users)"
        for r in rows
    ]
    out.append("Best measured throughput: " + "; ".join(parts) + ".")
    if len(rows) < 2:
        out.append(
            f"To compare strategies, run `{run_command(grid, hashing=more_strategies(grid))}`."
        )
    return out
