"""Render the figures: a rich table for the terminal and the text of BENCHMARKS.md (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.table import Table

from benchmarks.figures import Figure


def rich_table(figures: Sequence[Figure], title: str) -> Table:
    table = Table(title=title)
    for name in ("#", "figure", "value", "target", "met?", "detail"):
        table.add_column(name, overflow="fold")
    for f in figures:
        style = {True: "green", False: "bold red", None: ""}[f.met]
        table.add_row(f.item, f.what, f.shown(), f.target, f.verdict, f.detail, style=style)
    return table


def _row(f: Figure) -> str:
    return (
        f"| {f.item} | {_cell(f.what)} | {f.shown()} | {_cell(f.target)} | {f.verdict} | "
        f"{_cell(f.detail)} |"
    )


REMEASURED = "## Re-measured"  # heading of a dated section written by `--only`
MAIN_RUN = ("## Measurements that failed", "## Plan of this run")  # the main run's own sections


def remeasured_section(
    figures: Sequence[Figure],
    *,
    date: str,
    command: str,
    about: Mapping[str, str],
    errors: Sequence[str] = (),
) -> str:
    """A dated section for `--only`: these figures, measured by another run at another commit,
    in their own table; the main table above stays the one run's (pure)."""
    items = sorted({f.item.split(" ")[0] for f in figures}, key=lambda i: (len(i), i))
    lines = [
        f"{REMEASURED} on {date}: item{'s' if len(items) != 1 else ''} {', '.join(items)}",
        "",
        f"Written by `{command}`: a later run of some items, not part of the main table above",
        "(which stays one run at one commit).",
        "",
        *(f"- {k}: {v}" for k, v in about.items()),
        "",
        "| # | figure | value | target | met? | detail |",
        "|---|---|---|---|---|---|",
        *(_row(f) for f in figures),
        *(["", "Measurements that failed:", "", *(f"- {e}" for e in errors)] if errors else []),
        "",
    ]
    return "\n".join(lines)


def add_remeasured(old: str, section: str) -> str:
    """`old` (a BENCHMARKS.md) with `section` inserted after the main run's own sections and
    before any earlier re-measured one (newest first); the main table untouched (pure)."""
    lines = old.rstrip("\n").split("\n")
    heads = [i for i, ln in enumerate(lines) if ln.startswith("## ")]
    after_main = next((i for i in heads if not lines[i].startswith(MAIN_RUN)), len(lines))
    before = "\n".join(lines[:after_main]).rstrip("\n")
    rest = "\n".join(lines[after_main:])
    return "\n\n".join(x for x in (before, section.strip("\n"), rest) if x) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(
    figures: Sequence[Figure],
    *,
    machine: Mapping[str, str],
    command: str,
    date: str,
    plan: Mapping[str, object],
    errors: Sequence[str] = (),
) -> str:
    """The whole BENCHMARKS.md."""
    missed = [f for f in figures if f.met is False]
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m benchmarks`; do not edit by hand, rerun it.",
        "Medians of several runs and ratios measured in the same run: absolute times on a",
        "shared machine move from run to run, the ratios much less.",
        "",
        f"- date: {date}",
        f"- command: `{command}`",
        *(f"- {k}: {v}" for k, v in machine.items()),
        "",
        "| # | figure | value | target | met? | detail |",
        "|---|---|---|---|---|---|",
        *(_row(f) for f in figures),
        "",
        f"{len(figures) - len(missed)} of {len(figures)} figures meet or report their target"
        + (f"; missed: {', '.join(f.item for f in missed)}." if missed else "."),
    ]
    if errors:
        lines += ["", "## Measurements that failed", "", *(f"- {e}" for e in errors)]
    lines += [
        "",
        "## Plan of this run",
        "",
        "```",
        *(f"{k} = {v}" for k, v in plan.items()),
        "```",
        "",
    ]
    return "\n".join(lines)
