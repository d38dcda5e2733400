"""Pure helpers for the report's sentences: number formats and the command that fills a gap."""

from __future__ import annotations

import math
from typing import Any

from analysis.core.aggregate import Grid, Point
from analysis.core.fixes import FixRow

# Defaults of conf/config.yaml: not repeated in suggested commands.
_DEFAULTS = {"scenario": ["mixed"], "db": ["sqlite"], "bcrypt_rounds": [12], "repeat": [1]}
_ORDER = ("workers", "users", "hashing", "scenario", "db", "bcrypt_rounds", "repeat")


def ms(x: float | None) -> str:
    """'0.42 ms', '3.1 ms', '251 ms', '1.25 s'."""
    if x is None or math.isnan(x):
        return "n/a"
    if abs(x) >= 1000:
        return f"{x / 1000:.2f} s"
    if abs(x) >= 10:
        return f"{x:.0f} ms"
    if abs(x) >= 1:
        return f"{x:.1f} ms"
    return f"{x:.2f} ms"


def pct(x: float | None, signed: bool = False) -> str:
    """0.123 -> '12 %' ('+12 %' when signed); what rounds to zero is '0 %', never '-0 %'."""
    if x is None or math.isnan(x):
        return "n/a"
    shown = round(x * 100) + 0  # + 0 turns -0 into 0
    return f"{shown:+d} %" if signed and shown else f"{shown:d} %"


def num(x: float | None, digits: int = 1) -> str:
    if x is None or math.isnan(x):
        return "n/a"
    return f"{x:.{digits}f}"


def count(n: int, noun: str) -> str:
    """'1 worker', '2 workers'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def times(x: float | None) -> str:
    """A ratio: '3.2×'."""
    if x is None or math.isnan(x) or math.isinf(x):
        return "n/a"
    return f"{x:.1f}×" if x < 100 else f"{x:.0f}×"


def _fmt(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def run_command(grid: Grid, **overrides: Any) -> str:
    """The `python -m runner -m ...` line that runs this sweep's grid with some dimensions
    replaced (a list sweeps them); with resume on, cells already stored are skipped."""
    dims: dict[str, list[Any]] = {d: list(grid.values(d)) for d in _ORDER}
    for key, val in overrides.items():
        dims[key] = list(val) if isinstance(val, list | tuple) else [val]
    parts = []
    for key in list(_ORDER) + [k for k in overrides if k not in _ORDER]:
        vals = dims.get(key) or []
        if not vals or (key not in overrides and vals == _DEFAULTS.get(key)):
            continue
        parts.append(f"{key}={','.join(_fmt(v) for v in vals)}")
    duration = grid.values("duration_s")
    if duration and "duration" not in overrides:
        parts.append(f"duration={_fmt(max(duration))}")
    return "python -m runner -m " + " ".join(parts)


def more_strategies(grid: Grid) -> list[str]:
    """The strategies a sweep lacks for a comparison (blocking and threadpool at least)."""
    have = list(grid.values("hashing"))
    want = ["blocking", "threadpool"] if len(have) < 2 else have
    return have + [h for h in want if h not in have]


def spread(workers: int, share: float, used: float | None) -> str:
    """What spread a multi-worker point rests on: 'busiest worker 52 %, 2 of 2 used'; '' for
    one worker or when the store has no per-worker rows."""
    if workers < 2 or math.isnan(share):
        return ""
    shown = "?" if used is None or math.isnan(used) else f"{round(used)}"
    return f"busiest worker {pct(share)}, {shown} of {workers} used"


def spread_note(p: Point) -> str:
    """A load point's spread() and foreign-load flag in parentheses, or ''."""
    notes = [spread(p.workers, p.mean("busiest_worker_share"), p.workers_used), foreign_flag(p)]
    shown = "; ".join(n for n in notes if n)
    return f"({shown})" if shown else ""


def foreign_flag(p: Point) -> str:
    """'' or 'beside foreign load: 35 % of a core' when another process disturbed the point."""
    if math.isnan(p.foreign_cpu_pct):
        return ""
    return f"beside foreign load: {p.foreign_cpu_pct:.0f} % of a core"


def best_of_ceiling(r: FixRow) -> str:
    """'98 % of its ceiling (5.4/s: 2 cores / the 368 ms of server CPU per registration in that
    cell)': the share of the cores the best cell's server kept busy, with cores / S beside it
    when the cell beat that (S was measured once, while the machine ran slower). Without the
    cell's CPU, the fraction of cores / S."""
    own = r.own_ceiling_rps
    if math.isnan(own):
        return f"{of_ceiling(r.model_fraction, r.hash_ms)} of {num(r.ceiling_rps)}/s (cores / S)"
    text = (
        f"{pct(r.fraction)} of its ceiling ({num(own)}/s: {r.cores} cores / the {ms(r.cpu_ms)} "
        "of server CPU per registration in that cell)"
    )
    if r.model_fraction > 1:
        text += (
            f", above cores / S = {num(r.ceiling_rps)}/s: S = {ms(r.hash_ms)} was measured "
            "while the machine ran slower"
        )
    return text


def of_ceiling(fraction: float, s_ms: float) -> str:
    """'87 % of the ceiling', or, above 100 %, the inconsistency it is: no cell can beat the
    ceiling, so S (the report's) disagrees with this cell's own rows."""
    if math.isnan(fraction) or fraction <= 1.0:
        return f"{pct(fraction)} of the ceiling"
    return (
        f"{pct(fraction)} of the ceiling, which cannot be: the report's S = {ms(s_ms)} is "
        "longer than this cell's own registrations took, an inconsistency of S, not a result"
    )
