"""Progress of a sweep (rich): one line per finished cell, then cells done / total with ETA.

The text is built by pure functions; `Progress.cell_done` only prints it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console, Group
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from app.contract import DEFAULT_APP, HEALTH_PATH, REGISTER_PATH
from runner.store.runs import FOREIGN

STATUS_STYLE = {"ok": "green", "failed": "bold red", "skipped": "dim"}


def fmt_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def eta_s(walls: list[float], done: int, total: int | None) -> float | None:
    """Remaining time: the mean wall time of the cells that ran, times the cells left (pure)."""
    if total is None or not walls:
        return None
    return sum(walls) / len(walls) * max(0, total - done)


# Axes shown on a cell's line only when they differ from these defaults (pure).
_QUIET_AXES = {
    "work": "bcrypt",
    "db": "sqlite",
    "connections": "per_request",
    "balance": "reuseport",
    "arrival": "closed",
}


def variant(p: dict[str, Any]) -> str:
    """The cell's axes beyond scenario/hashing/workers/users that differ from the defaults."""
    parts = [str(p[k]) for k, default in _QUIET_AXES.items() if p.get(k, default) != default]
    if p.get("arrival") == "open" and p.get("rate") is not None:
        parts[-1] = f"open {p['rate']:g}/s"
    return " · ".join(parts)


def latencies(eps: dict[str, dict[str, Any]], custom_app: bool) -> str:
    """Our app: register and health means. A user's app: its slowest endpoint's mean."""
    if not custom_app:
        reg, health = eps.get(REGISTER_PATH, {}), eps.get(HEALTH_PATH, {})
        return f"register {fmt_ms(reg.get('avg_ms'))} ms  health {fmt_ms(health.get('avg_ms'))} ms"
    timed = {path: e["avg_ms"] for path, e in eps.items() if e.get("avg_ms") is not None}
    if not timed:
        return "no request answered"
    slowest = max(timed, key=lambda path: timed[path])
    return f"slowest {slowest} {fmt_ms(timed[slowest])} ms"


def cell_text(result: Any) -> Text:
    """One line for a finished cell: parameters, status, headline numbers or the reason."""
    p = result.params
    custom_app = p.get("server_app", DEFAULT_APP) != DEFAULT_APP
    hashing = "-" if custom_app else p["hashing"]  # a knob of our app only
    text = Text()
    text.append(
        f"{p['scenario']:<10} {hashing:<11} w={p['workers']:<2} u={p['users']:<3} "
        f"r={p['repeat']:<2} "
    )
    extra = variant(p)
    if extra:
        text.append(f"[{extra}] ", style="cyan")
    text.append(f"{result.status:<7}", style=STATUS_STYLE.get(result.status, ""))
    if result.status == "failed":
        text.append(f" {result.error}", style="red")
        return text
    if result.status == "skipped":
        text.append(" (already stored ok)", style="dim")
        return text
    eps = dict(result.endpoints)
    foreign = eps.pop(FOREIGN, None)
    rps = sum(e.get("rps") or 0.0 for e in eps.values())
    failures = sum(int(e.get("failures") or 0) for e in eps.values())
    text.append(
        f" {latencies(eps, custom_app)}  "
        f"{rps:.1f} rps  {failures} failures  ({result.wall_s:.1f} s)"
    )
    if failures:
        text.stylize("yellow", len(text) - len(f"{failures} failures  ({result.wall_s:.1f} s)"))
    if foreign and foreign.get("flagged"):
        text.append(
            f"  [foreign load: other processes took {foreign['cpu_pct']:.0f} % of a core]",
            style="bold yellow",
        )
    return text


def overall(done: int, total: int | None, elapsed: float, eta: float | None) -> Table:
    """Cells done / total as a bar, elapsed time and ETA."""
    grid = Table.grid(padding=(0, 1))
    grid.add_row(
        ProgressBar(total=float(total or done or 1), completed=float(done), width=30),
        Text(f"{done}/{total if total is not None else '?'} cells"),
        Text(f"elapsed {fmt_duration(elapsed)}  ETA {fmt_duration(eta)}", style="cyan"),
    )
    return grid


_ANNOUNCED: list[int] = []


def announce(total: int) -> None:
    """The sweeper's count of the cells it will run (read by the callback's progress line)."""
    _ANNOUNCED[:] = [total]


def announced() -> int | None:
    return _ANNOUNCED[0] if _ANNOUNCED else None


@dataclass
class Progress:
    """Counts the cells of a run and prints a line for each as it finishes."""

    total: int | None = None
    console: Console = field(default_factory=Console)
    done: int = 0
    walls: list[float] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def cell_done(self, result: Any) -> None:
        if self.total is None:
            self.total = announced()
        self.done += 1
        if result.status != "skipped":
            self.walls.append(result.wall_s)
        eta = eta_s(self.walls, self.done, self.total)
        elapsed = time.monotonic() - self.started
        self.console.print(
            Group(cell_text(result), overall(self.done, self.total, elapsed, eta)), soft_wrap=True
        )

    # A parallel launcher (submitit) pickles Hydra's callbacks into each job: the console
    # (locks, a terminal) stays behind and the job gets a fresh one.
    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "console"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.console = Console()
