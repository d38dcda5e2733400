"""The fix matrix in words (pure): one sentence per kind of call, what another interpreter
changed, and the cells whose GIL came back on."""

from __future__ import annotations

import math
from collections.abc import Sequence

from analysis.core.aggregate import order_key
from analysis.core.wording import count, ms, num, of_ceiling, pct
from analysis.sections.verdict.matrix import MatrixCell, works_and_fails
from app.contract import HASHINGS, WORKS, Row

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
        f"({of_ceiling(m.fraction, m.service_ms)}; the ceiling min(users, {m.rule}) / S = "
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
        calibrated = (
            ""
            if kind == "bcrypt"
            else f" ({pct(s.calibration_error, signed=True)} from bcrypt's {ms(s.target_ms)})"
        )
        head = (
            f"{DESCRIBE.get(kind, kind)}{on}, S = {ms(s.service_ms)}{calibrated}, "
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
