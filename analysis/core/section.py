"""One section of the report page, and the contract every section package keeps.

A section is a package under analysis/sections/ whose `__init__` exposes:

- `APPLIES_TO`: the app the section is about ("study": the study's own app, "user": a user's
  own app, "any"); where the cells served no such app it only says that it does not apply;
- `read(con, ids)`: its data, from its own SQL over the report's cell ids (None without SQL);
- `build(data, ctx)`: the `Section`, or None when there is nothing to show (an optional axis
  the sweep did not run).

analysis/report.py lists the sections in order; a title's number is its place on the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, Protocol

import duckdb
import plotly.graph_objects as go

from analysis.core.aggregate import Grid, Point, grid, points
from analysis.core.ceilings import first_interpreter, work_of
from analysis.core.fixes import FixRow, fix_table
from analysis.core.service import ServiceTime, service_times, with_service_time
from analysis.core.sources import by_who_asked, quiet
from analysis.core.store import Scope
from app.contract import DEFAULT_APP, HEALTH_PATH, REGISTER_PATH, Row

AppliesTo = Literal["study", "user", "any"]
ABOUT = {
    "study": f"the study's own app (its `{REGISTER_PATH}` and `{HEALTH_PATH}` endpoints)",
    "user": "a user's own app (`server.app`)",
}


@dataclass(frozen=True)
class Answer:
    """One paragraph of "The answers" at the top of the page: the question, in a few words,
    and the section's key numbers (the page links it to its section)."""

    question: str
    text: str


@dataclass
class Section:
    title: str  # without its number
    question: str
    figures: list[tuple[go.Figure, str]] = field(default_factory=list)  # (figure, caption)
    paragraphs: list[str] = field(default_factory=list)
    table: dict[str, Any] | None = None  # columns and rows laid out above the figures
    answers: list[Answer] = field(default_factory=list)  # for "The answers" at the top
    anchor: str = ""  # the report sets it: the section's folder name
    number: int = 0  # the report sets it: the section's place among those shown


def present(*pairs: tuple[go.Figure | None, str]) -> list[tuple[go.Figure, str]]:
    """(figure, caption) pairs, leaving out the figures a section had no data for (None)."""
    return [(f, cap) for f, cap in pairs if f is not None]


@dataclass(frozen=True)
class Context:
    """What the sections share: the report's cells and cell_summary rows, with hash_ms the one
    S of their bcrypt cost (core/service.py) and health split by who asked (core/sources.py),
    and the apps the cells served."""

    cells: list[Row]
    summary: list[Row]
    apps: list[str] = field(default_factory=list)
    service: dict[int, ServiceTime] = field(default_factory=dict)  # S per bcrypt cost

    @cached_property
    def grid(self) -> Grid:
        """The load cells' grid: what the hints' commands repeat (the baseline cells' 1 worker
        and scenario=sequential are added by every sweep anyway)."""
        return grid([c for c in self.cells if c.get("scenario") != "sequential"] or self.cells)

    @cached_property
    def load(self) -> list[Point]:
        """The closed-loop load points (open-loop cells have their own section)."""
        return points([r for r in self.summary if r.get("arrival") != "open"], "load")

    @cached_property
    def quiet_load(self) -> list[Point]:
        """The load points of the cells no foreign load disturbed: what the verdict, the model
        and the workers section compare."""
        return points(quiet([r for r in self.summary if r.get("arrival") != "open"]), "load")

    @cached_property
    def interpreter(self) -> str | None:
        """The interpreter the fix table compares on when the server ran on several: the
        first with a GIL (the standard answer); the fix matrix has a row for each."""
        return first_interpreter(self.summary)

    @cached_property
    def fixes(self) -> list[FixRow]:
        """The fix table, on bcrypt's cells when the work kinds vary (bcrypt's S), without the
        cells a foreign load disturbed, on one interpreter (`interpreter`)."""
        clean = [r for r in quiet(self.summary) if r.get("interpreter") == self.interpreter]
        bcrypt = [r for r in clean if work_of(r) == "bcrypt"]
        closed = [r for r in clean if r.get("arrival") != "open"]
        return fix_table(points(bcrypt or closed, "load"))


def context(scope: Scope) -> Context:
    s_by_cost = service_times(scope.cells, scope.baselines)
    cells = with_service_time(scope.cells, s_by_cost)
    summary = with_service_time(by_who_asked(scope.summary, scope.by_source), s_by_cost)
    return Context(cells, summary, scope.apps, s_by_cost)


def read_nothing(con: duckdb.DuckDBPyConnection, ids: list[str]) -> None:
    """`read` of a section that needs nothing beyond the shared context."""


class SectionModule(Protocol):
    __name__: str  # analysis.sections.<anchor>
    APPLIES_TO: AppliesTo

    def read(self, con: duckdb.DuckDBPyConnection, ids: list[str]) -> Any: ...

    def build(self, data: Any, ctx: Context) -> Section | None: ...


def applies(to: AppliesTo, apps: list[str]) -> bool:
    """Did the cells serve the app a section is about? (No app recorded: the study's.)"""
    if to == "study":
        return not apps or DEFAULT_APP in apps
    if to == "user":
        return any(a != DEFAULT_APP for a in apps)
    return True


def not_applicable(left: list[tuple[Section, AppliesTo]], apps: list[str]) -> Section:
    """One section naming those left out: what they are about, and what the cells served."""
    served = ", ".join(f"`{a}`" for a in apps)
    paras = []
    for to in dict.fromkeys(to for _, to in left):
        titles = ", ".join(f"\u201c{s.title}\u201d" for s, t in left if t == to)
        paras.append(
            f"Does not apply: {titles} are about {ABOUT[to]}; these cells served {served}."
        )
    return Section(
        "Sections that do not apply",
        "Which sections of the report are about another app than these cells served?",
        paragraphs=paras,
        anchor="elsewhere",
    )
