"""The workers section's sentences: per user count and connection mode, what more workers gave,
and the pinned mode against the spread one."""

from __future__ import annotations

from collections.abc import Sequence

from analysis.core.aggregate import Grid
from analysis.core.wording import ms, run_command, times
from analysis.sections.workers.points import PINNED, WorkerPoint, mode_label, mode_words


def _answer(lo: WorkerPoint, hi: WorkerPoint) -> str:
    reg, hp = hi.register_ms / lo.register_ms, hi.health_p95_ms / lo.health_p95_ms
    better, worse = {r <= 0.9 for r in (reg, hp)}, {r >= 1.1 for r in (reg, hp)}
    if better == {True}:
        verdict = "more workers helped"
    elif worse == {True}:
        verdict = "more workers made it worse"
    elif True in better and True in worse:
        verdict = "more workers helped one and hurt the other"
    elif reg <= 0.9:
        verdict = "more workers helped registrations only"
    elif hp <= 0.9:
        verdict = "more workers helped health only"
    elif True in worse:
        verdict = "more workers did not help"
    else:
        verdict = "more workers made no difference beyond 10 %"
    return (
        f"{verdict}: {hi.workers} workers gave {times(reg)} the register mean and "
        f"{times(hp)} the health p95 of {lo.workers}"
    )


def _line(p: WorkerPoint) -> str:
    spread = f" ({p.spread()})" if p.spread() else ""
    return (
        f"{p.workers} worker{'s' if p.workers != 1 else ''}: register {ms(p.register_ms)}, "
        f"health p95 {ms(p.health_p95_ms)}{spread}"
    )


def sentences(points: Sequence[WorkerPoint], grid: Grid) -> list[str]:
    """One sentence per (users, mode) answering with numbers; pinned against spread."""
    out = []
    for u in sorted({p.users for p in points}):
        for mode in sorted(
            {p.mode for p in points if p.users == u}, key=lambda m: (m != PINNED, m)
        ):
            line = [p for p in points if p.users == u and p.mode == mode]
            if len(line) < 2:
                continue
            lo, hi = line[0], line[-1]
            out.append(
                f"At {u} users with {mode_words(mode)} ({mode_label(mode)}), "
                + "; ".join(_line(p) for p in line)
                + f": {_answer(lo, hi)}."
            )
        for w in sorted({p.workers for p in points if p.users == u and p.workers >= 2}):
            both = {p.mode: p for p in points if p.users == u and p.workers == w}
            spread = [m for m in both if m != PINNED]
            if PINNED not in both or not spread:
                continue
            pin = both[PINNED]
            for m in spread:
                s = both[m]
                out.append(
                    f"With {w} workers at {u} users, {mode_label(m)} ({s.spread()}) "
                    f"gave register {ms(s.register_ms)} and health p95 "
                    f"{ms(s.health_p95_ms)}, against {ms(pin.register_ms)} and "
                    f"{ms(pin.health_p95_ms)} with {mode_label(PINNED)}, the pinned mode "
                    f"({pin.spread()}): {times(s.register_ms / pin.register_ms)} and "
                    f"{times(s.health_p95_ms / pin.health_p95_ms)}."
                )
    if not out:
        out.append(
            "This sweep has no blocking mixed cells at 5 or 10 users with two worker counts "
            "to compare. Run "
            f"`{run_command(grid, workers=[1, 2, 4], users=[5, 10], hashing='blocking')}`."
        )
    modes = {p.mode for p in points}
    if points and PINNED not in modes:
        cmd = run_command(
            grid,
            workers=[1, 2, 4],
            users=[5, 10],
            hashing="blocking",
            **{"load.connections": "persistent", "server.balance": "shared"},
        )
        out.append(f"To see the pinned case beside it, run `{cmd}`.")
    elif points and modes == {PINNED}:
        cmd = run_command(
            grid,
            workers=[1, 2, 4],
            users=[5, 10],
            hashing="blocking",
            **{"load.connections": "per_request"},
        )
        out.append(
            f"Only pinned cells are stored; to see the spread case beside them, run `{cmd}`."
        )
    return out
