"""One section of the report page: what `analysis/report.py` composes and `analysis/render.py`
lays out (kept apart from both, so neither imports the other)."""

from __future__ import annotations

from dataclasses import dataclass, field

import plotly.graph_objects as go

from analysis.core.fixes import FixRow


@dataclass
class Section:
    anchor: str
    title: str  # numbered: "1. The blocked event loop", "4b. Do more workers help?"
    question: str
    figures: list[tuple[go.Figure, str]] = field(default_factory=list)  # (figure, caption)
    paragraphs: list[str] = field(default_factory=list)
    table: list[FixRow] | None = None

    @property
    def name(self) -> str:
        """The title without its number, for the contents ("4b. Do more workers help?" ->
        "Do more workers help?"); a title without a number is its own name."""
        number, dot, rest = self.title.partition(". ")
        return rest if dot and number[:1].isdigit() and " " not in number else self.title


def present(*pairs: tuple[go.Figure | None, str]) -> list[tuple[go.Figure, str]]:
    """(figure, caption) pairs, leaving out the figures a section had no data for (None)."""
    return [(f, cap) for f, cap in pairs if f is not None]
