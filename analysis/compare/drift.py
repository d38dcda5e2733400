"""Pure: how much faster or slower the machine ran NEW's cells than BASE's, read from the one
call every cell times before its load (`cells.hash_ms`: the configured work, alone, in the
runner's process), and NEW's samples put back on BASE's speed.

Two runs of the same grid on one machine differ by more than their samples' noise: a 2-core
VM's speed wanders by several per cent over minutes (a neighbour, the host's clock), and a
registration's latency moves with it. The U test over thousands of requests then calls a 7 %
drift certain. Comparing only cells that timed the same call (work and cost) on both sides,
the ratio of the medians of their own hash times is the machine's drift; a change that alters
that call itself (e.g. `--by bcrypt_rounds`) leaves no common call, and nothing is scaled."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Drift:
    """NEW's own call time / BASE's, over the cells that timed the same call on both sides."""

    factor: float
    n_base: int
    n_new: int
    calls: tuple[str, ...]  # e.g. "bcrypt cost 12"

    def says(self) -> str:
        """One sentence for the terminal and the page."""
        return (
            f"machine speed: the cells' own {', '.join(self.calls)} took ×{self.factor:.3g} in "
            f"NEW (median of {self.n_new} cells vs {self.n_base}); NEW's times are divided by "
            f"it and its rates multiplied by it before judging (--no-drift judges them raw)"
        )


def sentence(drift: Drift | None, *, corrected: bool = True) -> str:
    """What was done about the machine's speed, in one sentence."""
    if not corrected:
        return "machine speed: not corrected (--no-drift); NEW's samples are judged raw"
    if drift is None:
        return "machine speed: no call timed on both sides; NEW's samples are judged raw"
    return drift.says()


def _call(cell: Mapping[str, Any]) -> str:
    work = cell.get("work") or "bcrypt"
    return f"bcrypt cost {cell.get('bcrypt_rounds')}" if work == "bcrypt" else str(work)


def _times(cells: Iterable[Mapping[str, Any]]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for c in cells:
        ms = c.get("hash_ms")
        quiet = not c.get("foreign_load")  # a disturbed cell timed a busier machine
        if ms is not None and ms > 0 and c.get("status", "ok") == "ok" and quiet:
            out.setdefault(_call(c), []).append(float(ms))
    return out


def measure(base: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]) -> Drift | None:
    """The drift over the calls timed on both sides (the geometric mean of their medians'
    ratios, weighted by cells), or None when no call was timed on both sides."""
    b, n = _times(base), _times(new)
    common = sorted(set(b) & set(n))
    if not common:
        return None
    weights = [min(len(b[k]), len(n[k])) for k in common]
    logs = [math.log(statistics.median(n[k]) / statistics.median(b[k])) for k in common]
    factor = math.exp(sum(w * x for w, x in zip(weights, logs, strict=True)) / sum(weights))
    return Drift(
        factor, sum(len(b[k]) for k in common), sum(len(n[k]) for k in common), tuple(common)
    )


def scaled(xs: Sequence[float], unit: str, drift: Drift | None) -> list[float]:
    """NEW's samples on BASE's machine speed: a time divided by the drift, a rate multiplied
    by it (a unit ending in '/s'); unchanged without a drift."""
    if drift is None:
        return list(xs)
    k = drift.factor if unit.endswith("/s") else 1.0 / drift.factor
    return [x * k for x in xs]
