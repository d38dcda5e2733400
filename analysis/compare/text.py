"""Pure: how a judged metric reads, in the terminal table and on the page alike."""

from __future__ import annotations

import math

from analysis.compare.verdict import Judged


def num(x: float) -> str:
    if math.isnan(x):
        return "n/a"
    return f"{x:.3g}" if abs(x) < 100 else f"{x:.0f}"


def _interval(lo: float, hi: float) -> str:
    """(lo–hi), or nothing when there is no interval (too few samples)."""
    return "" if math.isnan(lo) or math.isnan(hi) else f" ({num(lo)}–{num(hi)})"


def figure(j: Judged, which: str) -> str:
    e, n = (j.base, j.n_base) if which == "base" else (j.new, j.n_new)
    return f"{num(e.value)}{_interval(e.low, e.high)} n={n}"


def change(j: Judged) -> str:
    lo, hi = j.factor_ci
    return f"×{num(j.factor)}{_interval(lo, hi)}"


def p_text(p: float) -> str:
    return "n/a" if math.isnan(p) else f"{p:.2g}"
