"""Do more workers help? At 5 and 10 users, what more uvicorn workers buy the blocking
strategy, and whether the load reached them (points.py shapes, figures.py draws, text.py says).

- The per-worker split of every multi-worker cell, as stacked bars (view worker_share: the
  users' requests in the measured window, busiest worker first).
- At 5 and 10 users, blocking: the register mean and the health p95 for each worker count, for
  each connection mode in the store (pinned and spread side by side when both are there).
- One sentence per user count and mode that answers with numbers, each naming the spread it
  rests on; and one per worker count run in both modes, pinned against spread.
"""

from __future__ import annotations

import duckdb

from analysis.core.section import AppliesTo, Context, Section, present
from analysis.core.store import rows
from analysis.sections.workers import figures, text
from analysis.sections.workers.points import worker_points
from app.contract import Row

APPLIES_TO: AppliesTo = "study"


def read(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Per ok cell and server process: its requests and share of the cell's (view
    worker_share: users' requests in the measured window), with the cell's axes."""
    return rows(
        con,
        """
        SELECT w.cell_id, w.pid, w.requests, w.share, c.hashing, c.scenario, c.workers,
               c.users, c."repeat", c.connections, c.balance
        FROM worker_share w JOIN cells c USING (cell_id)
        WHERE list_contains(?, w.cell_id) AND c.status = 'ok'
        ORDER BY c.workers, c.users, c.cell_id, w.requests DESC""",
        [ids],
    )


def build(worker_shares: list[Row], ctx: Context) -> Section:
    pts = worker_points(ctx.summary)
    return Section(
        "workers",
        "Do more workers help?",
        "At 5 and 10 users, what do more uvicorn workers buy the blocking strategy, and did "
        "the load reach them?",
        present(
            (
                figures.comparison_figure(pts),
                "Blocking register mean and health p95 per worker count (log scale); one "
                "colour per connection mode (load.connections · server.balance).",
            ),
            (
                figures.split_figure(worker_shares),
                "Each multi-worker cell's requests by worker, busiest first (users' requests "
                "in the measured window; the health probe's own are left out).",
            ),
        ),
        text.sentences(pts, ctx.grid),
    )
