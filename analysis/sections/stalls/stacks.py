"""'What stalled the loop': the stall rows of a sweep, grouped and ranked (pure).

A group is one strategy: the hashing strategy (with the work kind when it is not bcrypt) for
our app, the import string for a user's app, and the sampler when it is py-spy. Within a group
the stacks are ranked by the total time the loop stood still in them. The sentence names the
leaf function of the top stack, the share of the stalled time whose stacks pass through it,
and where it was called from.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from analysis.core.ceilings import work_of
from analysis.core.wording import ms, pct
from app.contract import DEFAULT_APP, Row, is_framework_frame, is_loop_frame

NO_CAPTURE = "(no capture: the watchdog could not run)"
LATE_SHARE_TO_MENTION = 0.1


@dataclass
class RankedStack:
    stack: tuple[str, ...]
    total_ms: float
    stalls: int
    hidden: tuple[str, ...] = ()  # the outer frames `trimmed` cut (server, loop, framework)


@dataclass
class Group:
    name: str
    source: str
    total_ms: float = 0.0
    stalls: int = 0
    late_ms: float = 0.0
    stacks: list[RankedStack] = field(default_factory=list)


def group_name(row: Row) -> str:
    """The strategy a stall belongs to (pure)."""
    app = row.get("server_app") or DEFAULT_APP
    if app != DEFAULT_APP:
        name = app
    else:
        work = work_of(row)
        name = row["hashing"] if work == "bcrypt" else f"{work} / {row['hashing']}"
    return name if row.get("source") != "py-spy" else f"{name} (py-spy)"


def rank(rows: list[Row]) -> list[Group]:
    """Groups (by first appearance) with their stacks ranked by total stalled time."""
    groups: dict[str, Group] = {}
    per_stack: dict[str, dict[tuple[str, ...], RankedStack]] = defaultdict(dict)
    for r in rows:
        name = group_name(r)
        g = groups.setdefault(name, Group(name, r.get("source") or "watchdog"))
        d = float(r["duration_ms"] or 0.0)
        g.total_ms += d
        g.stalls += 1
        if r.get("late"):
            g.late_ms += d
        stack = tuple(r.get("stack") or ()) or (NO_CAPTURE,)
        ranked = per_stack[name].setdefault(stack, RankedStack(stack, 0.0, 0))
        ranked.total_ms += d
        ranked.stalls += 1
    for name, g in groups.items():
        g.stacks = sorted(per_stack[name].values(), key=lambda s: -s.total_ms)
    return list(groups.values())


def label_of(stack: tuple[str, ...]) -> str:
    """A stack's name in one line: its innermost function; when that is the server's, the
    loop's or the framework's, the app's deepest frame first ('app fn → loop fn')."""
    if stack == (NO_CAPTURE,) or not stack:
        return NO_CAPTURE
    leaf = function_of(stack[-1])
    if not is_framework_frame(stack[-1]):
        return leaf
    mine = [f for f in stack if not is_framework_frame(f)]
    return f"{function_of(mine[-1])} → {leaf}" if mine else leaf


def function_of(frame: str) -> str:
    """'module:function:line' -> 'module:function'."""
    head, sep, line = frame.rpartition(":")
    return head if sep and line.isdigit() else frame


def caller_of(stack: tuple[str, ...]) -> str | None:
    """The nearest frame outside the leaf's module (where the stalling code was called from)."""
    if not stack:
        return None
    leaf_module = stack[-1].split(":", 1)[0]
    for frame in reversed(stack[:-1]):
        if frame.split(":", 1)[0] != leaf_module:
            return frame
    return None


def entry_of(stack: tuple[str, ...]) -> str | None:
    """Walking out from the leaf, the last frame of the leaf's top-level package before other
    code (a framework) takes over: e.g. the app's route handler."""
    if not stack:
        return None
    package = stack[-1].split(":", 1)[0].split(".", 1)[0]
    entry = None
    for frame in reversed(stack):
        if frame.split(":", 1)[0].split(".", 1)[0] != package:
            break
        entry = frame
    return entry


def share_through(g: Group, function: str) -> float:
    """Share of the group's stalled time whose stack passes through `function`."""
    if g.total_ms <= 0:
        return math.nan
    hit = sum(s.total_ms for s in g.stacks if any(function_of(f) == function for f in s.stack))
    return hit / g.total_ms


def sentence(g: Group) -> str:
    """One sentence with the numbers of a group (pure)."""
    top = g.stacks[0] if g.stacks else None
    total = f"{ms(g.total_ms)} that the loop stood still ({g.stalls} stalls)"
    if top is None or top.stack == (NO_CAPTURE,):
        return f"In {g.name}, none of the {total} was captured: the watchdog could not run."
    leaf = top.stack[-1]
    share = share_through(g, function_of(leaf))
    if is_loop_frame(leaf):
        return (
            f"In {g.name}, {pct(share)} of the {total} was in the event loop's own code "
            f"(`{leaf}`), not in a handler: the loop thread was waiting for a core or for the "
            "GIL while other threads (the offloaded work) had them."
        )
    where = f"inside `{leaf}`"
    caller = caller_of(top.stack)
    if caller is not None:
        where += f", called from `{caller}`"
    entry = entry_of(top.stack)
    if entry is not None and entry not in (caller, leaf):
        where += f" (entered at `{entry}`)"
    return f"In {g.name}, {pct(share)} of the {total} was {where}."


def late_note(g: Group, has_pyspy: bool) -> str | None:
    """Say when the watchdog's captures came late (a call held the GIL), and what sees through."""
    if g.source == "py-spy" or g.total_ms <= 0:
        return None
    late = g.late_ms / g.total_ms
    if late < LATE_SHARE_TO_MENTION:
        return None
    seen = (
        "The py-spy rows of the same cells see through it."
        if has_pyspy
        else "The out-of-process sampler sees through it: run the cells again with "
        "`stalls.sampler=pyspy`."
    )
    return (
        f"In {g.name}, {pct(late)} of the stalled time was captured late: the in-process "
        "watchdog could not run while the loop stood still, the sign of a call that holds the "
        "GIL (or of no free core for either thread), so those stacks show where the loop was "
        f"after the call, or nothing. {seen}"
    )


def app_part(stack: tuple[str, ...]) -> int:
    """How many outer frames of a stack are the server's, the loop's or the framework's: the
    app's own code (or, in a stack that is all framework, its innermost frame) starts there."""
    n = 0
    while n < len(stack) - 1 and is_framework_frame(stack[n]):
        n += 1
    return n


def trimmed(stacks: list[RankedStack]) -> list[RankedStack]:
    """The stacks from the app's own code on: their outer server, loop and framework frames
    cut (kept in `hidden`), then the frames all the remaining stacks still share, keeping the
    last shared frame as their root."""
    stacks = [
        s
        if s.stack == (NO_CAPTURE,)
        else RankedStack(s.stack[(n := app_part(s.stack)) :], s.total_ms, s.stalls, s.stack[:n])
        for s in stacks
    ]
    real = [s.stack for s in stacks if s.stack != (NO_CAPTURE,)]
    if len(real) < 2:
        cut = max(0, len(real[0]) - 6) if real else 0
    else:
        cut = 0
        while all(len(s) > cut + 1 for s in real) and len({s[cut] for s in real}) == 1:
            cut += 1
        cut = max(0, cut - 1)
    return [
        s
        if s.stack == (NO_CAPTURE,)
        else RankedStack(s.stack[cut:], s.total_ms, s.stalls, s.hidden + s.stack[:cut])
        for s in stacks
    ]
