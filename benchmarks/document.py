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
        "Written by `python -m benchmarks` (issue 5); do not edit by hand, rerun it.",
        "Medians of several runs and ratios measured in the same run: absolute times on a",
        "shared machine move from run to run, the ratios much less.",
        "",
        f"- date: {date}",
        f"- command: `{command}`",
        *(f"- {k}: {v}" for k, v in machine.items()),
        "",
        "| # | figure | value | target | met? | detail |",
        "|---|---|---|---|---|---|",
        *(
            f"| {f.item} | {_cell(f.what)} | {f.shown()} | {_cell(f.target)} | {f.verdict} | "
            f"{_cell(f.detail)} |"
            for f in figures
        ),
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
