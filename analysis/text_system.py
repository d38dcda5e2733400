"""Pure: the paragraphs of sections 5-8 (throughput against the machine's limit, CPU and
memory, the sequential baseline, which fix works). Data in, sentences out."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from analysis.core.aggregate import Grid, Point
from analysis.core.fixes import FixRow, best_of
from analysis.core.noise import Sample, rank
from analysis.core.wording import more_strategies, ms, num, pct, run_command, times

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
            "This sweep has no sequential baseline (it ran with baseline=false). Run "
            f"`{run_command(grid)}`: baseline=true, the default, adds one sequential cell "
            "(100 consecutive requests per endpoint, one user) per strategy, and the cells "
            "already stored are skipped."
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


def _fig(s: Sample) -> str:
    """One strategy's health figures with their intervals and n."""
    lo, hi = s.median_ci
    lo95, hi95 = s.p95_ci
    return (
        f"{s.name} median {ms(s.median)} (95 % CI {ms(lo)} to {ms(hi)}), "
        f"p95 {ms(s.p95)} ({ms(lo95)} to {ms(hi95)}), n = {s.n}"
    )


def _names(xs: Sequence[str]) -> str:
    return xs[0] if len(xs) == 1 else ", ".join(xs[:-1]) + " and " + xs[-1]


BEYOND = (
    "beyond noise (Mann-Whitney U p < 0.01, 95 % intervals of the medians apart, "
    "and at least 10 % lower)"
)


def responsiveness_verdict(samples: Sequence[Sample], at: str) -> list[str]:
    """Which strategies keep /api/health/ fast, named only where the difference holds beyond
    noise; strategies that do not differ are called indistinguishable, with ranges and n."""
    samples = [x for x in samples if x.n]
    if len(samples) < 2:
        return []
    r = rank(samples)
    by = {x.name: x for x in samples}
    out = []
    if r.best:
        others = [by[x] for x in by if x != r.best]
        out.append(
            f"To keep the server responsive, use {r.best}: at {at}, /api/health/ answered "
            f"faster than with every other strategy {BEYOND}: {_fig(by[r.best])}; against "
            + "; ".join(_fig(x) for x in others)
            + "."
        )
    if r.worst and (len(samples) > 2 or not r.best):
        fastest = min((x for x in samples if x.name != r.worst), key=lambda x: x.median)
        out.append(
            f"{r.worst} is the worst at {at}, {BEYOND} against every other strategy: "
            f"{_fig(by[r.worst])}, {times(by[r.worst].median / fastest.median)} the median "
            f"of {fastest.name}."
        )
    for group in r.ties:
        if len(group) > 1:
            out.append(
                f"{_names(group)} are indistinguishable at {at}: no two of them differ "
                "beyond noise (that takes a Mann-Whitney U p < 0.01, the 95 % intervals of "
                "the medians apart and a median at least 10 % lower). "
                + "; ".join(_fig(by[x]) for x in group)
                + "."
            )
    if not r.best and r.ties:
        calm = r.ties[0]
        out.append(
            f"No strategy is best beyond noise; to keep the server responsive, use "
            f"{'any of ' if len(calm) > 1 else ''}{_names(calm)}."
        )
    slower = [(a, b) for a, b in sorted(r.beats) if a in by and b in by and r.worst not in (a, b)]
    slower = [(a, b) for a, b in slower if r.best not in (a, b)]
    if slower:
        out.append(
            "Also beyond noise: " + "; ".join(f"{a} faster than {b}" for a, b in slower) + "."
        )
    return out


def verdict(rows: Sequence[FixRow], grid: Grid, samples: Sequence[Sample] = ()) -> list[str]:
    """Section 8: the conclusion, from the raw health rows at the comparison load (noise-aware)
    and the fix table's throughput; every figure with its n."""
    if len(rows) < 2:
        return [
            "A verdict needs a load scenario run with at least two hashing strategies. Run "
            f"`{run_command(grid, hashing=list(_ALL), **_load_scenario(grid))}`."
        ]
    by = {r.hashing: r for r in rows}
    base = by.get("blocking", rows[0])
    at = f"{rows[0].users} users" + (
        f" and {rows[0].workers} worker{'s' if rows[0].workers != 1 else ''}"
        if rows[0].workers
        else ""
    )
    out = responsiveness_verdict(samples, at)
    if not out:
        calm = best_of(rows, "lag_p99_ms", True)
        if calm:
            r = by[calm]
            out.append(
                f"No /api/health/ requests at {at} to compare; by the event loop's p99 lag, "
                f"{calm} kept it freest ({ms(r.lag_p99_ms)} against {ms(base.lag_p99_ms)} "
                f"with {base.hashing})."
            )
    ranked = sorted(
        (r for r in rows if not math.isnan(r.best_rps)), key=lambda r: r.best_rps, reverse=True
    )
    if ranked:
        r = ranked[0]
        text = (
            f"For throughput, {r.hashing} reached {num(r.best_rps)} registrations/s "
            f"(n = {r.best_n} registrations at {r.best_at[0]} w, {r.best_at[1]} users), "
            f"{pct(r.fraction)} of the machine's ceiling of {num(r.ceiling_rps)}/s"
        )
        others = [x for x in ranked if x.hashing != r.hashing]
        if r.hashing != base.hashing:
            text += (
                f", against {pct(base.fraction)} for {base.hashing} "
                f"({num(base.best_rps)}/s, n = {base.best_n})."
            )
        elif others:
            text += (
                "; "
                + "; ".join(
                    f"{x.hashing} {num(x.best_rps)}/s ({pct(x.fraction)}, n = {x.best_n})"
                    for x in others
                )
                + "."
            )
        else:
            text += "."
        close = [x.hashing for x in ranked[1:] if x.best_rps * 1.1 >= r.best_rps]
        if close:
            text += (
                f" {_names(close)} came within 10 % of it, which one cell per point does not "
                "tell apart from noise (repeat=1,2,3 would)."
            )
        out.append(text)
    missing = [h for h in _ALL if h not in by]
    if missing:
        out.append(
            f"{_names(missing)} {'was' if len(missing) == 1 else 'were'} not part of this "
            f"sweep; `{run_command(grid, hashing=list(_ALL))}` compares all four."
        )
    return out


def _load_scenario(grid: Grid) -> dict[str, str]:
    """A scenario override when the sweep ran no load scenario (a sequential-only sweep)."""
    return {} if set(grid.values("scenario")) - {"sequential"} else {"scenario": "mixed"}


_ALL = ("blocking", "sync_def", "threadpool", "processpool")
