"""`python -m analysis compare BASE NEW`: the shell. Resolve the two sweeps, pair their cells,
read each pair's raw rows, judge every metric, print the table, write the page; the exit
status says whether anything got worse beyond noise (with `--fail-on regression`)."""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table

from analysis.compare import drift, page, pairing, refs
from analysis.compare.metrics import METRICS, samples
from analysis.compare.text import change, figure, p_text
from analysis.compare.verdict import MIN_EFFECT, Judged, Sides, judge_all, uncorrected, worst
from analysis.core import store as queries
from analysis.core.store import ReportError, rows

STYLE = {"worse": "bold red", "better": "green", "indistinguishable": "dim"}


def setup_arguments(sub: Any) -> None:
    """The `compare` subcommand's arguments."""
    p = sub.add_parser(
        "compare",
        help="compare two sweeps metric by metric, beyond noise",
        description="Pair the cells of two sweeps by their parameters and say, per pair and "
        "metric, whether NEW is better, worse or indistinguishable from BASE (Mann-Whitney U "
        "with Holm's correction, 95 % intervals apart, a minimum effect).",
    )
    p.add_argument("base", help="sweep id, a unique prefix of one, latest or latest~N")
    p.add_argument("new", help="sweep id, a unique prefix of one, latest or latest~N")
    p.add_argument(
        "--by",
        choices=pairing.by_choices(),
        metavar="PARAM",
        help="the parameter that differs by design (e.g. hashing, git_sha, bcrypt_rounds); "
        "cells pair on all the others (default: all)",
    )
    p.add_argument("--fail-on", choices=["regression"], help="exit 1 when a metric got worse")
    p.add_argument("--min-effect", type=float, default=MIN_EFFECT, help="default 0.10 (10 %%)")
    p.add_argument(
        "--keep-foreign-load",
        action="store_true",
        help="judge cells that ran beside another process's load too (left out by default)",
    )
    p.add_argument(
        "--no-drift",
        action="store_true",
        help="judge NEW's samples raw, not put back on BASE's machine speed (the cells' own "
        "hash times)",
    )
    p.add_argument(  # given here or before `compare`: the main parser holds the default
        "--store", type=Path, default=argparse.SUPPRESS, help="DuckDB store to read"
    )


@dataclass(frozen=True)
class Outcome:
    base: str
    new: str
    pairing: pairing.Pairing
    judged: list[Judged]
    drift: drift.Drift | None = None


def _cells(con: duckdb.DuckDBPyConnection, sweep: str) -> list[dict[str, Any]]:
    """A sweep's cells (its own and those it reused), with the git sha they ran at."""
    ids = queries.cell_ids(con, [sweep])
    return rows(
        con,
        """SELECT c.*, s.git_sha FROM cells c LEFT JOIN sweeps s USING (sweep_id)
           WHERE list_contains(?, c.cell_id) ORDER BY c.job_num""",
        [ids],
    )


def compare(
    con: duckdb.DuckDBPyConnection,
    base: str,
    new: str,
    by: str | None,
    min_effect: float,
    *,
    correct_drift: bool = True,
    quiet_only: bool = True,
) -> Outcome:
    known = queries.resolve_sweeps(con, "all")
    base_id, new_id = refs.resolve(base, known), refs.resolve(new, known)
    base_cells, new_cells = _cells(con, base_id), _cells(con, new_id)
    paired = pairing.pair(base_cells, new_cells, by, quiet_only=quiet_only)
    speed = drift.measure(base_cells, new_cells) if correct_drift else None
    items = []
    for pr in paired.pairs:
        left, right = (samples(con, ids) for ids in pr.cell_ids)
        items += [
            Sides(
                pr.label,
                m.name,
                m.unit,
                m.q,
                m.lower_is_better,
                left[m.source],
                drift.scaled(right[m.source], m.unit, speed),
            )
            for m in METRICS
            if left[m.source] or right[m.source]
        ]
    return Outcome(base_id, new_id, paired, judge_all(items, min_effect=min_effect), speed)


def table(out: Outcome) -> Table:
    t = Table(
        title=f"{out.base} → {out.new}",
        caption="BASE and NEW: figure (95 % interval) and samples; NEW/BASE with its 95 % "
        "interval (none under 5 samples for a mean); p: Mann-Whitney U, Holm-corrected over "
        "every row",
    )
    for col in ("pair", "metric", "unit", "BASE", "NEW", "NEW/BASE", "p (Holm)", "verdict"):
        wraps = col in ("pair", "BASE", "NEW", "NEW/BASE")
        t.add_column(
            col, overflow="fold", no_wrap=not wraps, min_width=20 if col == "pair" else None
        )
    for j in out.judged:
        t.add_row(
            j.pair,
            j.metric,
            j.unit,
            figure(j, "base"),
            figure(j, "new"),
            change(j),
            p_text(j.p_holm),
            f"[{STYLE[j.verdict]}]{j.verdict}[/]",
        )
    return t


def page_path(store: Path, base: str, new: str) -> Path:
    safe = lambda s: re.sub(r"[^A-Za-z0-9_.-]+", "_", s)  # noqa: E731
    return store.parent / f"compare-{safe(base)}-{safe(new)}.html"


def run(args: argparse.Namespace, console: Console | None = None) -> int:
    """The command: 0 compared, 1 a regression with --fail-on regression, 2 bad input."""
    console = console or Console(width=None if sys.stdout.isatty() else 170)
    try:
        if not 0 <= args.min_effect < 10:
            raise ReportError(f"--min-effect {args.min_effect}: give a fraction such as 0.10")
        con = queries.connect(args.store)
        try:
            out = compare(
                con,
                args.base,
                args.new,
                args.by,
                args.min_effect,
                correct_drift=not getattr(args, "no_drift", False),
                quiet_only=not getattr(args, "keep_foreign_load", False),
            )
        finally:
            con.close()
        if not out.pairing.pairs:
            raise ReportError(
                f"no cells of {out.base} and {out.new} measured the same parameters"
                + ("" if args.by else " (name the one that differs: --by hashing, ...)")
                + (
                    f"; {len(out.pairing.disturbed)} cell(s) ran beside foreign load and were "
                    "left out (--keep-foreign-load judges them)"
                    if out.pairing.disturbed
                    else ""
                )
            )
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for pr in out.pairing.pairs:
        console.print(f"pair {pr.label}: {pairing.repeats(pr)}", soft_wrap=True)
        base_ids, new_ids = pr.cell_ids
        if set(base_ids) & set(new_ids):
            console.print(
                f"note: pair {pr.label} holds the same stored cells on both sides (a resumed "
                "sweep reused them; run with resume=false to measure again)",
                soft_wrap=True,
            )
    speed = drift.sentence(out.drift, corrected=not getattr(args, "no_drift", False))
    console.print(speed, soft_wrap=True)
    console.print(table(out))
    for c in out.pairing.disturbed:
        console.print(
            f"left out, beside foreign load ({c.get('foreign_cpu_pct') or 0:.0f} % of a core): "
            f"{c.get('sweep_id')} {pairing.describe(c)} (--keep-foreign-load judges it)",
            soft_wrap=True,
        )
    for side, cells in (("BASE", out.pairing.base_only), ("NEW", out.pairing.new_only)):
        for c in cells:
            console.print(f"without a partner in {side}: {pairing.describe(c)}", soft_wrap=True)
    path = page_path(args.store, out.base, out.new)
    path.write_text(page.render(out.base, out.new, out.pairing, out.judged, args.min_effect, speed))
    counts = {v: sum(j.verdict == v for j in out.judged) for v in STYLE}
    ps = [j.p for j in out.judged if not math.isnan(j.p)]
    console.print(
        f"{len(out.pairing.pairs)} pairs, {len(out.judged)} metrics: {counts['worse']} worse, "
        f"{counts['better']} better, {counts['indistinguishable']} indistinguishable "
        f"({uncorrected(out.judged, min_effect=args.min_effect)} flagged without Holm's "
        f"correction; raw p from {p_text(min(ps, default=math.nan))} to "
        f"{p_text(max(ps, default=math.nan))}); page written to {path}",
        soft_wrap=True,
    )
    bad = worst(out.judged)
    if args.fail_on == "regression" and bad is not None:
        console.print(
            f"regression: {bad.metric} at {bad.pair}: {change(bad)}, p (Holm) {p_text(bad.p_holm)}",
            soft_wrap=True,
        )
        return 1
    return 0
