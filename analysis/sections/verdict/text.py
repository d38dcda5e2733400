"""The verdict section's paragraphs: which strategy keeps the server responsive beyond noise,
which reaches the most throughput, and per kind of call the fix that works and the one that
fails."""

from __future__ import annotations

import math
from collections.abc import Sequence

from analysis.core.aggregate import Grid
from analysis.core.fixes import FixRow, best_of
from analysis.core.noise import Sample, rank
from analysis.core.wording import best_of_ceiling, count, ms, num, pct, run_command, times
from app.contract import HASHINGS


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
            f"To keep the server responsive, use {r.best}: at {at}, the users' /api/health/ "
            "requests were answered "
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


def probe_agrees(users: Sequence[Sample], probe: Sequence[Sample], at: str) -> list[str]:
    """The steady probe's health at the same cells, and whether its ranking is the users'."""
    probe = [x for x in probe if x.n]
    if len(probe) < 2:
        return []
    r, u = rank(probe), rank([x for x in users if x.n]) if len(users) >= 2 else None
    same = u is not None and r.best is not None and r.best == u.best
    head = (
        f"The steady probe (5 requests/s from outside the users' loop) agrees at {at}: "
        f"{r.best} is best beyond noise there too"
        if same
        else f"The steady probe (5 requests/s from outside the users' loop) at {at}: "
        + (f"{r.best} best beyond noise" if r.best else "no strategy best beyond noise")
    )
    return [head + "; " + "; ".join(_fig(x) for x in probe) + "."]


def answer(said: Sequence[str]) -> str:
    """ "Which fix works" at the top of the page: the verdict's first paragraph (with its noise
    rule) and the first sentence of its throughput paragraph."""
    thr = next((p for p in said if p.startswith("For throughput")), "")
    first = said[0] if said and said[0] is not thr else ""
    return " ".join(x for x in (first, thr.split(". ")[0].rstrip(".") + "." if thr else "") if x)


def verdict(
    rows: Sequence[FixRow],
    grid: Grid,
    samples: Sequence[Sample] = (),
    probe: Sequence[Sample] = (),
) -> list[str]:
    """The conclusion, from the raw health rows at the comparison load (noise-aware; the
    users' requests, then the probe's) and the fix table's throughput; every figure with its
    n."""
    if len(rows) < 2:
        return [
            "A verdict needs a load scenario run with at least two hashing strategies. Run "
            f"`{run_command(grid, hashing=list(HASHINGS), **_load_scenario(grid))}`."
        ]
    by = {r.hashing: r for r in rows}
    base = by.get("blocking", rows[0])
    at = f"{rows[0].users} users" + (
        f" and {count(rows[0].workers, 'worker')}" if rows[0].workers else ""
    )
    out = responsiveness_verdict(samples, at)
    out += probe_agrees(samples, probe, at) if out else []
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
            f"{best_of_ceiling(r)}"
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
    missing = [h for h in HASHINGS if h not in by]
    if missing:
        out.append(
            f"{_names(missing)} {'was' if len(missing) == 1 else 'were'} not part of this "
            f"sweep; `{run_command(grid, hashing=list(HASHINGS))}` compares all four."
        )
    return out


def _load_scenario(grid: Grid) -> dict[str, str]:
    """A scenario override when the sweep ran no load scenario (a sequential-only sweep)."""
    return {} if set(grid.values("scenario")) - {"sequential"} else {"scenario": "mixed"}
