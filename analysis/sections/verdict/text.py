"""The verdict section's paragraphs: which strategy keeps the server responsive beyond noise,
which reaches the most throughput, and per kind of call the fix that works and the one that
fails."""

from __future__ import annotations

import math
from collections.abc import Sequence

from analysis.core.aggregate import Grid, order_key
from analysis.core.fixes import FixRow, best_of
from analysis.core.noise import Sample, rank
from analysis.core.wording import count, ms, num, of_ceiling, pct, run_command, times
from analysis.sections.verdict.matrix import MatrixCell, works_and_fails
from app.contract import HASHINGS, WORKS, Row


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
            f"{of_ceiling(r.fraction, r.hash_ms)} of {num(r.ceiling_rps)}/s (cores / S)"
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


WHY = (  # per work kind, in WORKS order: what the call does with the CPU and the GIL
    "C, releases the GIL",
    "C, releases the GIL",
    "pure-Python CPU loop, holds the GIL",
    "one regex C call that holds the GIL",
    "blocking I/O stand-in: no CPU, GIL released",
)
DESCRIBE: dict[str, str] = {kind: f"{kind} ({why})" for kind, why in zip(WORKS, WHY, strict=True)}


def _describe(m: MatrixCell) -> str:
    health = "not measured" if math.isnan(m.health_p95_ms) else ms(m.health_p95_ms)
    in_s = "" if math.isnan(m.health_p95_ms) else f" = {num(m.health_p95_ms / m.service_ms, 2)} S"
    return (
        f"{num(m.rps)} registrations/s = {num(m.parallel)}/S "
        f"({of_ceiling(m.fraction, m.service_ms)} min(users, {m.rule}) / S = "
        f"{num(m.ceiling_rps)}/s), "
        f"users' /api/health/ p95 {health}{in_s}, loop lag p99 {ms(m.lag_p99_ms)}"
    )


def sentences(cells: Sequence[MatrixCell]) -> list[str]:
    """One sentence per matrix row (a kind, on one interpreter when several ran): the fix that
    works and the one that fails, with numbers, then every strategy's throughput in units of
    1/S and its health p95; then per kind what another interpreter changed."""
    out = []
    for name in dict.fromkeys(m.row for m in cells):  # matrix() has them in order
        row = [m for m in cells if m.row == name]
        good, bad = works_and_fails(row)
        if good is None:
            continue
        s = row[0]
        kind = s.work
        on = "" if s.interpreter is None else f" on Python {s.interpreter}"
        on += ", where nothing holds a GIL" if s.gil_free else ""
        head = (
            f"{DESCRIBE.get(kind, kind)}{on}, S = {ms(s.service_ms)}"
            f" ({pct(s.calibration_error, signed=True)} from bcrypt's {ms(s.target_ms)}), "
            f"{s.users} users, {count(s.workers, 'worker')}, "
            f"{s.cores} cores: {good.hashing} works: {_describe(good)}"
        )
        if bad is not None:
            head += f"; {bad.hashing} fails: {_describe(bad)}"
        every = ", ".join(f"{m.hashing} {num(m.parallel)}/S and {ms(m.health_p95_ms)}" for m in row)
        out.append(f"{head}. All strategies (throughput, health p95): {every}.")
    return out


def _strategy_change(a: MatrixCell, b: MatrixCell) -> str:
    return (
        f"{a.hashing} {num(a.parallel, 2)}/S to {num(b.parallel, 2)}/S "
        f"({num(a.rps)} to {num(b.rps)} registrations/s, {pct(a.fraction)} to "
        f"{pct(b.fraction)} of its ceiling), /api/health/ p95 {ms(a.health_p95_ms)} to "
        f"{ms(b.health_p95_ms)}"
    )


def interpreter_sentences(cells: Sequence[MatrixCell]) -> list[str]:
    """Per kind run on more than one interpreter, one sentence: what each other interpreter
    (free threading first of all) changed against the first with a GIL, strategy by strategy,
    and which fix works on each."""
    out = []
    for kind in sorted({m.work for m in cells}, key=lambda k: order_key(WORKS, k)):
        mine = [m for m in cells if m.work == kind and m.interpreter is not None]
        names = list(dict.fromkeys(m.interpreter for m in mine))  # GIL ones first (matrix())
        if len(names) < 2:
            continue
        first = {m.hashing: m for m in mine if m.interpreter == names[0]}
        good_first, _ = works_and_fails(list(first.values()))
        for name in names[1:]:
            other = {m.hashing: m for m in mine if m.interpreter == name}
            both = [h for h in HASHINGS if h in first and h in other]
            if not both:
                continue
            good, _ = works_and_fails(list(other.values()))
            free = any(m.gil_free for m in other.values())
            what = "Free threading" if free else "The interpreter"
            text = f"{what} changed {kind} (Python {name} against {names[0]}): " + "; ".join(
                _strategy_change(first[h], other[h]) for h in both
            )
            if good is not None and good_first is not None:
                same = good.hashing == good_first.hashing
                text += (
                    f". The fix that works: {good_first.hashing} on both"
                    if same
                    else f". The fix that works: {good_first.hashing} on {names[0]}, "
                    f"{good.hashing} on {name}"
                )
            out.append(text + ".")
    return out


def gil_flags(cells: Sequence[Row]) -> list[str]:
    """One sentence per free-threaded interpreter whose GIL was on in some cells: how many,
    and why where it can be told (PYTHON_GIL=1, or the module CPython named)."""
    on = [c for c in cells if c.get("free_threaded") and c.get("gil_enabled")]
    out = []
    for version in sorted({str(c.get("python_version")) for c in on}):
        mine = [c for c in on if str(c.get("python_version")) == version]
        modules = sorted({str(c["gil_enabled_by"]) for c in mine if c.get("gil_enabled_by")})
        forced = sum(1 for c in mine if c.get("python_gil") == 1)
        why = []
        if modules:
            why.append("re-enabled on import of " + ", ".join(f"'{m}'" for m in modules))
        if forced:
            why.append(f"PYTHON_GIL=1 set in {count(forced, 'cell')}")
        out.append(
            f"Warning: the GIL was on in {count(len(mine), 'cell')} run on free-threaded "
            f"Python {version}t ({'; '.join(why) or 'the module that turned it on is unknown'}"
            "): those cells measure a server with a GIL, and their matrix row says 'GIL on'."
        )
    return out
