"""How does /api/health/ behave while registrations run? Its client time split into the
server's handler time and the waiting."""

from __future__ import annotations

from analysis.core.section import AppliesTo, Context, Section, present
from analysis.core.section import read_nothing as read
from analysis.sections.health import figures, text

APPLIES_TO: AppliesTo = "study"
__all__ = ["APPLIES_TO", "build", "read"]


def build(data: None, ctx: Context) -> Section:
    return Section(
        "health",
        "Health while registrations run",
        "How does /api/health/ behave "
        "while registrations run, and how does it change with concurrency?",
        present(
            (
                figures.health_decomposition(ctx.load),
                "Bar height is the mean client time; "
                "the dark part is the server's handler timer, the light part waiting.",
            )
        ),
        text.health(ctx.load, ctx.grid),
    )
