"""How is responsiveness affected under load? Client latency per endpoint against users."""

from __future__ import annotations

from analysis.core.section import AppliesTo, Context, Section, present
from analysis.core.section import read_nothing as read
from analysis.sections.load import figures, text

APPLIES_TO: AppliesTo = "any"
__all__ = ["APPLIES_TO", "build", "read"]


def build(data: None, ctx: Context) -> Section:
    return Section(
        "load",
        "Responsiveness under load",
        "How is responsiveness affected under load?",
        present(
            (
                figures.responsiveness(ctx.load),
                "Client-side latency per endpoint; "
                "one colour per worker count; ✕ marks cells with failed "
                "requests.",
            )
        ),
        text.responsiveness(ctx.load, ctx.grid),
    )
