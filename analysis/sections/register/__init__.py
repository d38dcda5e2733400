"""How does registration latency change with concurrency? Measured against the closed-loop
model R = N·S / min(N, c)."""

from __future__ import annotations

from analysis.core.section import AppliesTo, Context, Section, present
from analysis.core.section import read_nothing as read
from analysis.sections.register import figures, text

APPLIES_TO: AppliesTo = "study"
__all__ = ["APPLIES_TO", "build", "read"]


def build(data: None, ctx: Context) -> Section:
    return Section(
        "register",
        "Registration latency vs concurrency",
        "How does the average response time of /api/users/register/ change with concurrency?",
        present(
            (
                figures.registration_model(ctx.load),
                "Measured mean (solid) and p95 "
                "(dotted) against the closed-loop model (dashed) with S the measured "
                "single-hash time; c = min(workers, cores) for blocking, cores for "
                "the strategies that hash off the loop. Dash-dot (blocking, 2+ "
                "workers): the model with c = min(workers used, cores), the workers "
                "that served >= 5 % of the requests.",
            )
        ),
        text.registration(ctx.load, ctx.grid),
    )
