"""How a run ended, said after everything else (the report included): the doctor's table when
the run had its cells, and the exit status, non-zero with one line when a cell failed, so
scripts and CI can rely on it. The callback notes the run; `python -m runner` calls `finish`."""

from __future__ import annotations

from pathlib import Path

import duckdb
from rich.console import Console

from runner.doctor.output import advice, read_findings, table
from runner.store import connection

_ENDED: list[tuple[Path, str]] = []


def note(store: Path, sweep_id: str) -> None:
    """The run that just ended (the callback's on_run_end / on_multirun_end)."""
    _ENDED[:] = [(Path(store), sweep_id)]


def counts(con: duckdb.DuckDBPyConnection, sweep_id: str) -> tuple[int, int]:
    """(failed, all) cells of the sweep, as stored."""
    row = con.execute(
        "SELECT count(*) FILTER (WHERE status <> 'ok'), count(*) FROM cells WHERE sweep_id = ?",
        [sweep_id],
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def finish(console: Console | None = None) -> int:
    """Print the doctor's table (if any) and the failed cells' count; the exit status."""
    if not _ENDED:
        return 0
    store, sweep_id = _ENDED[0]
    console = console or Console()
    if not console.is_terminal:
        console.width = max(console.width, 160)  # a log or a pipe: the table's lines unwrapped
    with connection(store) as con:
        rows = read_findings(con, sweep_id)
        failed, total = counts(con, sweep_id)
    if rows:
        console.print(table(rows))
        for line in advice(rows):
            console.print(line, highlight=False, markup=False, soft_wrap=True)
    if failed:
        console.print(f"syncblock: {failed} of {total} cells failed (see the report)", style="red")
        return 1
    return 0
