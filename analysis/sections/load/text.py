"""The load section's paragraphs: client percentiles at the highest load, and their growth."""

from __future__ import annotations

from collections.abc import Sequence

from analysis.core.aggregate import Grid, Point, at, strategies
from analysis.core.wording import ms, run_command, spread_note, times


def responsiveness(pts: Sequence[Point], grid: Grid) -> list[str]:
    """Client percentiles per endpoint at the highest load, and their growth."""
    if not pts:
        return [f"No client requests are stored for a load scenario. Run `{run_command(grid)}`."]
    users = max(p.users for p in pts)
    low = min(p.users for p in pts)
    out = []
    for h in strategies(pts):
        parts = [
            f"{p.endpoint} p95 {ms(p.mean('p95_ms'))} (p99 {ms(p.mean('p99_ms'))}, "
            f"n = {p.requests}) with {p.series}" + (f" {spread_note(p)}" if spread_note(p) else "")
            for p in at(pts, h, users)
        ]
        text = f"At {users} users, {h}: " + "; ".join(parts) + "."
        grow = [
            (p, q)
            for p in at(pts, h, users)
            for q in at(pts, h, low)
            if users != low and p.series == q.series and p.endpoint == q.endpoint
        ]
        if grow:
            p, q = max(grow, key=lambda pq: pq[0].mean("p95_ms") / max(pq[1].mean("p95_ms"), 1e-9))
            text += (
                f" From {low} to {users} users its {p.endpoint} p95 ({p.series}) went from "
                f"{ms(q.mean('p95_ms'))} to {ms(p.mean('p95_ms'))} "
                f"({times(p.mean('p95_ms') / q.mean('p95_ms'))})."
            )
        out.append(text)
    failed = [p for p in pts if p.failures]
    if failed:
        total = sum(p.failures for p in failed)
        where = ", ".join(
            f"{p.hashing} {p.series} {p.users} u {p.endpoint} ({p.failures})" for p in failed[:6]
        )
        out.append(
            f"{total} request{'s' if total != 1 else ''} failed (marked ✕ in the figure): {where}."
        )
    else:
        out.append("No request failed in any cell.")
    if len(grid.values("users")) < 2:
        out.append(
            "Only one user count was run; to see how latency grows with load, run "
            f"`{run_command(grid, users=[1, 5, 10])}`."
        )
    return out
