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


def _item_of(line: str) -> str | None:
    """The item number of a figure row of the table ('4 blocking' -> '4'), else None."""
    cells = line.split("|")
    if not line.startswith("| ") or len(cells) < 3:
        return None
    first = cells[1].strip().split(" ")[0]
    return first if first.isdigit() else None


def splice(old: str, figures: Sequence[Figure], note: str) -> str:
    """An existing BENCHMARKS.md with the rows of the figures' items replaced by these figures
    (rows of other items kept as they were) and `note` added to the run's description: for
    `--only`, which measures some items and leaves the others' numbers alone (pure)."""
    items = {f.item.split(" ")[0] for f in figures}
    lines = [ln for ln in old.splitlines() if _item_of(ln) not in items or _item_of(ln) is None]
    rows = [i for i, ln in enumerate(lines) if _item_of(ln) is not None]
    at = rows[-1] + 1 if rows else len(lines)
    lines[at:at] = [_row(f) for f in figures]
    table = [ln.split("|") for ln in lines if _item_of(ln) is not None]
    missed = [c[1].strip() for c in table if c[5].strip() == "NO"]
    for i, ln in enumerate(lines):
        if " figures meet or report their target" in ln:
            lines[i] = (
                f"{len(table) - len(missed)} of {len(table)} figures meet or report their target"
                + (f"; missed: {', '.join(missed)}." if missed else ".")
            )
    desc = next((i for i, ln in enumerate(lines) if ln.startswith("- command:")), None)
    lines.insert(desc + 1 if desc is not None else 0, f"- {note}")
    return "\n".join(lines) + "\n"


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
