"""Pure: the paragraphs of sections 5-8 (throughput against the machine's limit, CPU and
memory, the sequential baseline, which fix works). Data in, sentences out."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from analysis.aggregate import Grid, Point
from analysis.verdict import FixRow, best_of
from analysis.wording import more_strategies, ms, num, pct, run_command, times

Row = dict[str, Any]
LOAD_CPU_LIMIT = 80.0  # % of one core above which the load generator's timings are suspect


def throughput(rows: Sequence[FixRow], grid: Grid) -> list[str]:
    """Section 5: each strategy's best register rps as a fraction of cpu_count / S."""
    rows = [r for r in rows if not math.isnan(r.best_rps)]
    if not rows:
        return [
            "No registrations are stored for this sweep. Run "
            f"`{run_command(grid, scenario='mixed')}`."
        ]
    r0 = rows[0]
    cores = round(r0.ceiling_rps * r0.hash_ms / 1000)
    out = [
        f"The machine's ceiling is {cores} cores / S = {cores} / {ms(r0.hash_ms)} = "
        f"{num(r0.ceiling_rps)} registrations/s: every core hashing all the time."
    ]
    parts = [
        f"{r.hashing} {num(r.best_rps)}/s ({pct(r.fraction)} of the ceiling, "
        f"{r.best_at[0]} w, {r.best_at[1]} users)"
        for r in rows
    ]
    out.append("Best measured throughput: " + "; ".join(parts) + ".")
    if len(rows) < 2:
        out.append(
            f"To compare strategies, run `{run_command(grid, hashing=more_strategies(grid))}`."
        )
    return out


def resources(res: Sequence[Row], grid: Grid) -> list[str]:
    """Section 6: server CPU (sum over workers) and RSS, load generator CPU, with a warning
    when the load generator averaged above 80 % of a core. res rows: label, role, cpu_avg_percent,
    cpu_max_percent, rss_max_bytes."""
    if not res:
        return [
            "No CPU or memory samples are stored for this sweep. Run "
            f"`{run_command(grid)}` (the runner samples with psutil every 0.25 s)."
        ]
    out = []
    server = [r for r in res if r["role"] == "server"]
    if server:
        top = max(server, key=lambda r: r["cpu_max_percent"] or 0)
        avg = max(server, key=lambda r: r["cpu_avg_percent"] or 0)
        rss = max(server, key=lambda r: r["rss_max_bytes"] or 0)
        out.append(
            f"The server processes (master and workers summed) peaked at "
            f"{num(top['cpu_max_percent'], 0)} % CPU in {top['label']} "
            f"({num(top['cpu_max_percent'] / 100)} cores' worth); the highest mean was "
            f"{num(avg['cpu_avg_percent'], 0)} % in {avg['label']}. Their memory peaked "
            f"at {num(rss['rss_max_bytes'] / 2**20, 0)} MiB in {rss['label']}."
        )
    lg = [r for r in res if r["role"] == "load_generator"]
    if lg:
        top = max(lg, key=lambda r: r["cpu_avg_percent"] or 0)
        out.append(
            f"The load generator averaged at most {num(top['cpu_avg_percent'], 0)} % of "
            f"a core ({top['label']}, max {num(top['cpu_max_percent'], 0)} %)."
        )
        hot = [r for r in lg if (r["cpu_avg_percent"] or 0) > LOAD_CPU_LIMIT]
        if hot:
            out.append(
                f"Warning: the load generator ran above {LOAD_CPU_LIMIT:.0f} % of a core "
                f"in {', '.join(r['label'] for r in hot)}; client timings there are "
                "suspect (the client itself queues). Re-run them with more load "
                f"processes: `{run_command(grid, **{'load.processes': 2})}`."
            )
        else:
            out.append(
                f"It stayed below {LOAD_CPU_LIMIT:.0f} % of a core in every cell, so "
                "the client timings are not limited by the client."
            )
    return out


def sequential(pts: Sequence[Point], grid: Grid) -> list[str]:
    """Section 7: server vs client mean per endpoint over consecutive requests, and the gap."""
    if not pts:
        return [
            "This sweep has no sequential baseline. Run "
            f"`{run_command(grid, scenario='sequential', users=1, workers=1)}` "
            "(consecutive requests per endpoint, one user)."
        ]
    out = []
    for p in pts:
        client, server = p.mean("avg_ms"), p.mean("server_avg_ms")
        gap = client - server
        out.append(
            f"{p.hashing}, {p.endpoint}: {p.requests} consecutive requests, client mean "
            f"{ms(client)}, server mean {ms(server)}, gap {ms(gap)} "
            f"({pct(gap / client if client else math.nan)} of the client time: "
            "HTTP client, connection and the ASGI stack outside the handler timer)."
        )
    return out


def verdict(rows: Sequence[FixRow], grid: Grid) -> list[str]:
    """Section 8: two sentences of conclusion generated from the fix table."""
    if len(rows) < 2:
        return [
            "A verdict needs at least two hashing strategies. Run "
            f"`{run_command(grid, hashing=list(_ALL))}`."
        ]
    by = {r.hashing: r for r in rows}
    base = by.get("blocking", rows[0])
    at = f"{rows[0].users} users" + (f" and {rows[0].workers} workers" if rows[0].workers else "")
    out = []
    calm = best_of(rows, "health_p95_ms", lowest=True) or best_of(rows, "lag_p99_ms", True)
    if calm:
        r = by[calm]
        if not math.isnan(r.health_p95_ms):
            out.append(
                f"To keep the server responsive, use {calm}: at {at}, /api/health/ p95 "
                f"was {ms(r.health_p95_ms)} against {ms(base.health_p95_ms)} with "
                f"{base.hashing} ({times(base.health_p95_ms / r.health_p95_ms)} lower), "
                f"and the loop's p99 lag {ms(r.lag_p99_ms)} against "
                f"{ms(base.lag_p99_ms)}."
            )
        else:
            out.append(
                f"To keep the event loop free, use {calm}: at {at} its p99 loop lag was "
                f"{ms(r.lag_p99_ms)} against {ms(base.lag_p99_ms)} with {base.hashing}."
            )
    fast = best_of(rows, "best_rps", lowest=False)
    if fast:
        r = by[fast]
        out.append(
            f"For throughput, {fast} reached {num(r.best_rps)} registrations/s, "
            f"{pct(r.fraction)} of the machine's ceiling of {num(r.ceiling_rps)}/s, "
            f"against {pct(base.fraction)} for {base.hashing}."
        )
    missing = [h for h in _ALL if h not in by]
    if missing:
        out.append(
            f"Not measured here: {', '.join(missing)}; run "
            f"`{run_command(grid, hashing=list(_ALL))}` to include them."
        )
    return out


_ALL = ("blocking", "sync_def", "threadpool", "processpool")
