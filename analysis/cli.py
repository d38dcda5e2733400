"""`python -m analysis`: build the report, `sql "<query>"` to print a query as a table, or
`compare BASE NEW` to judge two sweeps (analysis/compare/command.py).
User errors (no store, empty store, unknown sweep, bad SQL) are one line on stderr, exit 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from analysis.compare import command as compare_command
from analysis.core import store as queries
from analysis.report import build_report

DEFAULT_STORE = Path("outputs/results.duckdb")
DEFAULT_OUT = Path("outputs/report.html")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m analysis", description="Turn the syncblock store into one HTML report."
    )
    p.add_argument(
        "--store",
        type=Path,
        default=DEFAULT_STORE,
        help=f"DuckDB store to read (default {DEFAULT_STORE})",
    )
    p.add_argument("--sweep", default="latest", help="'latest' (default), 'all', or a sweep id")
    p.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"HTML file to write (default {DEFAULT_OUT})"
    )
    sub = p.add_subparsers(dest="command")
    sql = sub.add_parser("sql", help="print the result of one SQL query as a table")
    sql.add_argument("query", help='e.g. "from cell_summary"')
    sql.add_argument("--store", type=Path, default=argparse.SUPPRESS, help="DuckDB store to read")
    compare_command.setup_arguments(sub)
    return p


def print_query(store: Path, query: str, console: Console) -> None:
    """Run one read-only query and print its rows as a rich table."""
    con = queries.connect(store)
    try:
        cur = con.execute(query)
        names = [d[0] for d in cur.description or []]
        result = cur.fetchall()
    except duckdb.Error as exc:
        raise queries.ReportError(str(exc).splitlines()[0]) from exc
    finally:
        con.close()
    table = Table(caption=f"{len(result)} rows")
    for name in names:
        table.add_column(name, overflow="fold")
    for row in result:
        table.add_row(*("NULL" if v is None else str(v) for v in row))
    console.print(table)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "compare":
        return compare_command.run(args)
    try:
        if args.command == "sql":
            print_query(args.store, args.query, Console())
            return 0
        out = build_report(store=args.store, out=args.out, sweep=args.sweep)
    except queries.ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"report written to {out}")
    return 0
