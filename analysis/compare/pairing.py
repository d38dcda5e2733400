"""Pure: pair the cells of two sweeps by what they measured.

A cell's measurement is its stored, keyed axes (`runner/plan/spec.py`: what the cell key
hashes), less `repeat` (repeats are pooled) and less the parameter that differs by design
(`--by`). Cells on either side without a partner are kept and listed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.contract import Row
from runner.plan.spec import keyed_axes, stored_axes

POOLED = ("repeat",)
SWEEP_PARAMS = ("git_sha",)  # `--by` values that live in `sweeps`, not `cells`


def measurement_columns() -> tuple[str, ...]:
    """The `cells` columns that define a measurement, repeat left out (it is pooled)."""
    stored = stored_axes()
    cols = [stored[f.name] for f in keyed_axes() if f.name in stored]
    return tuple(c for c in cols if c not in POOLED)


def by_choices() -> tuple[str, ...]:
    return measurement_columns() + SWEEP_PARAMS


@dataclass(frozen=True)
class Pair:
    """The cells of both sides at one measurement (repeats pooled)."""

    key: tuple[tuple[str, Any], ...]  # (column, value) of the shared parameters
    base: tuple[Row, ...]
    new: tuple[Row, ...]
    label: str = ""  # the parameters that vary between pairs, and the change itself

    @property
    def cell_ids(self) -> tuple[list[str], list[str]]:
        return [c["cell_id"] for c in self.base], [c["cell_id"] for c in self.new]


@dataclass(frozen=True)
class Pairing:
    pairs: list[Pair]
    base_only: list[Row] = field(default_factory=list)
    new_only: list[Row] = field(default_factory=list)
    disturbed: list[Row] = field(default_factory=list)  # left out: beside foreign load


def _key(cell: Row, cols: Sequence[str]) -> tuple[tuple[str, Any], ...]:
    return tuple((c, cell.get(c)) for c in cols)


def _group(
    cells: Sequence[Row], cols: Sequence[str]
) -> dict[tuple[tuple[str, Any], ...], list[Row]]:
    out: dict[tuple[tuple[str, Any], ...], list[Row]] = {}
    for c in cells:
        out.setdefault(_key(c, cols), []).append(c)
    return out


def _values(cells: Sequence[Row], col: str) -> str:
    return ",".join(sorted({str(c.get(col)) for c in cells}))


def pair(
    base: Sequence[Row], new: Sequence[Row], by: str | None = None, *, quiet_only: bool = True
) -> Pairing:
    """Pair the ok cells of two sweeps: equal measurement columns (all but `by`) pair up.
    With `quiet_only`, cells that ran beside another process's load (`foreign_load`) are set
    aside first, as the report's verdict does: a disturbed cell measured a busier machine."""
    if by is not None and by not in by_choices():
        raise ValueError(f"--by {by}: not a parameter of a cell ({', '.join(by_choices())})")
    cols = [c for c in measurement_columns() if c != by]
    noisy = lambda c: quiet_only and bool(c.get("foreign_load"))  # noqa: E731
    ok = lambda cs: [c for c in cs if c.get("status") == "ok" and not noisy(c)]  # noqa: E731
    left, right = _group(ok(base), cols), _group(ok(new), cols)
    shared = [k for k in left if k in right]
    varying = [c for i, c in enumerate(cols) if len({k[i][1] for k in shared}) > 1]
    pairs = []
    for k in sorted(shared, key=lambda k: [str(v) for _, v in k]):
        shown = [f"{c}={dict(k)[c]}" for c in varying]
        if by is not None:
            shown.append(f"{by} {_values(left[k], by)}→{_values(right[k], by)}")
        pairs.append(Pair(k, tuple(left[k]), tuple(right[k]), " ".join(shown) or "all cells"))
    return Pairing(
        pairs,
        [c for k, cs in left.items() if k not in right for c in cs],
        [c for k, cs in right.items() if k not in left for c in cs],
        [c for c in (*base, *new) if c.get("status") == "ok" and noisy(c)],
    )


def describe(cell: Row, cols: Sequence[str] = ("scenario", "hashing", "workers", "users")) -> str:
    """A cell in a few words, for the list of cells without a partner."""
    return " ".join(f"{c}={cell.get(c)}" for c in cols) + f" repeat={cell.get('repeat')}"


def repeats(p: Pair) -> str:
    """How many cells each side pooled, and their repeat numbers."""
    side = lambda cs: f"{len(cs)} cell(s), repeat {_values(cs, 'repeat')}"  # noqa: E731
    return f"BASE {side(p.base)}; NEW {side(p.new)}"
