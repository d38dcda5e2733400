"""Pure: the jobs of a sweep. The grid the user asked for (a cartesian product of the command
line's overrides, as Hydra's basic sweeper expands it), then the cells every main job adds:

- a **fix comparison** when the grid names only `blocking`: each `compare.hashing` strategy at
  the grid's smallest worker count, for every other value of the grid (every user count);
- a **sequential baseline**, once per hashing strategy of the sweep (comparison included):
  `scenario=sequential`, 1 worker, 1 user, the first job of that strategy otherwise.

`hashing` is a knob of our own app: a user's app (`server.app`) gets no comparison, and a
baseline only from the doctor, whose locustfile calls each route alone.

Extra cells are ordinary jobs (own cell_key, stored, resumed). An extra job whose cell_key
another job of the sweep already has is dropped, so the extras never repeat a measurement; the
grid's own jobs are all kept (the user asked for each, e.g. `port=8123,null`, which differ in
what they test but not in what they measure). The Hydra
sweeper plugin (hydra_plugins/syncblock_sweeper) composes the configs and calls these.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from hydra.core.override_parser.types import Override

GRID, COMPARE, BASELINE = "grid", "compare", "baseline"


class SweepError(ValueError):
    """A sweep the syncblock sweeper cannot expand (one line naming the override)."""


@dataclass(frozen=True)
class Facts:
    """What the planner needs of one composed job config."""

    hashing: str
    workers: int
    users: int
    scenario: str
    baseline: bool = True
    compare: tuple[str, ...] = ("threadpool",)
    custom_app: bool = False  # server.app is not ours
    doctor: bool = False


@dataclass(frozen=True)
class Job:
    overrides: tuple[str, ...]
    role: str = GRID  # GRID, COMPARE or BASELINE
    note: str = field(default="", compare=False)


def cartesian(overrides: Sequence[Override]) -> list[list[str]]:
    """The basic sweeper's expansion: one list of `key=value` per job, in command-line order
    (a later override of the same key replaces the earlier one). Only discrete sweeps."""
    axes: dict[str, list[str]] = {}
    for o in overrides:
        key = o.get_key_element()
        if o.is_sweep_override():
            if not o.is_discrete_sweep():
                raise SweepError(
                    f"{key}: only comma-separated (or choice/range) sweeps are supported"
                )
            axes[key] = [f"{key}={v}" for v in o.sweep_string_iterator()]
        else:
            axes[key] = [f"{key}={o.get_value_element_as_str()}"]
    return [list(x) for x in itertools.product(*axes.values())]


def _bare(key: str) -> str:
    return key.lstrip("+~")


def with_values(overrides: Sequence[str], **values: object) -> tuple[str, ...]:
    """The overrides with some keys set to new values (replaced in place, else appended)."""
    wanted = {k.replace("__", "."): v for k, v in values.items()}
    out: list[str] = []
    for o in overrides:
        key = _bare(o.split("=", 1)[0])
        if key in wanted:
            out.append(f"{key}={_fmt(wanted.pop(key))}")
        else:
            out.append(o)
    out += [f"{k}={_fmt(v)}" for k, v in wanted.items()]
    return tuple(out)


def _fmt(v: object) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    return str(v)


def _mentions(overrides: Sequence[str], key: str) -> bool:
    return any(_bare(o.split("=", 1)[0]) == key for o in overrides)


def extras(grid: Sequence[tuple[Sequence[str], Facts]]) -> list[Job]:
    """The comparison and baseline jobs a grid gets (pure; before de-duplication).

    Order: comparison cells (per strategy, in grid order), then one baseline per strategy in
    the order strategies first appear (grid, then comparison)."""
    if not grid:
        return []
    first = grid[0][1]
    out: list[Job] = []
    names = list(dict.fromkeys(f.hashing for _, f in grid))
    if names == ["blocking"] and first.compare and not first.custom_app:
        fewest = min(f.workers for _, f in grid)
        for strategy in first.compare:
            if strategy == "blocking":
                continue
            for ov, f in grid:
                if f.workers == fewest:
                    out.append(
                        Job(
                            with_values(ov, hashing=strategy),
                            COMPARE,
                            f"{strategy} against blocking at {fewest} worker(s), {f.users} users",
                        )
                    )
    if first.baseline and (first.doctor or not first.custom_app):
        firsts: dict[str, Sequence[str]] = {}
        for ov, f in grid:
            firsts.setdefault(f.hashing, ov)
        for job in out:
            h = next(
                o.split("=", 1)[1] for o in job.overrides if _bare(o.split("=", 1)[0]) == "hashing"
            )
            firsts.setdefault(h, job.overrides)
        for h, ov in firsts.items():
            seq = with_values(ov, scenario="sequential", workers=1, users=1)
            if _mentions(ov, "load.processes"):
                seq = with_values(seq, load__processes=1)
            out.append(Job(seq, BASELINE, f"sequential baseline of {h}"))
    return out


def plan(
    grid_overrides: Sequence[Sequence[str]],
    facts: Callable[[Sequence[str]], Facts],
    key: Callable[[Sequence[str]], str],
) -> list[Job]:
    """Every job of the sweep, in run order: the grid, then its extras; an extra job whose cell
    key an earlier job has is dropped. `facts` and `key` compose (and validate) one job's
    config."""
    grid = [(tuple(ov), facts(ov)) for ov in grid_overrides]
    out = [Job(ov) for ov, _ in grid]
    seen = {key(job.overrides) for job in out}
    for job in extras(grid):
        k = key(job.overrides)
        if k not in seen:
            seen.add(k)
            out.append(job)
    return out
