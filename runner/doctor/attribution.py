"""The doctor's rules (pure): which route stalled the loop, at which line, what kind of call it
made and the fix (the kinds and fixes: runner/doctor/kinds.py).

A stall is attributed to a route when its stack passes through the route's handler ('stack'),
else to the route whose requests on the same worker overlapped it longest ('overlap'), but
only when its stack is unknown or holds a frame of the app's own code (a dependency, a
middleware): a stall seen in the framework alone (the loop between callbacks, waiting for a
core on a busy machine) is no route's.
`summarise` gives one cell's table, one row per route: the shape of the `doctor_routes` view
(cell_id, route, stalled_s, stalled_share, line, kind, fix).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.contract import Fix, StallKind
from runner.doctor.kinds import Evidence, classify, explain, fix_for, suggestion

__all__ = [
    "Evidence",
    "Route",
    "RouteSummary",
    "attribute",
    "classify",
    "fix_for",
    "line_call",
    "route_line",
    "route_of",
    "summarise",
    "template_regex",
]

Row = Mapping[str, Any]
_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
_CONVERTOR = {"int": "[0-9]+", "float": r"[0-9]+(?:\.[0-9]+)?", "path": ".*"}


@dataclass(frozen=True)
class Route:
    """One route of the app: method, path template ('/items/{item_id}'), and its handler
    as 'module:qualname' (the names a stack frame 'module:function:line' carries)."""

    method: str
    path: str
    handler: str

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


@functools.lru_cache(maxsize=1024)
def template_regex(template: str) -> re.Pattern[str]:
    """A path template as a regex: '{name}' one segment, '{name:int|float|path}' as Starlette."""
    parts, pos = [], 0
    for m in _PARAM.finditer(template):
        parts += [re.escape(template[pos : m.start()]), _CONVERTOR.get(m.group(2), "[^/]+")]
        pos = m.end()
    return re.compile("".join([*parts, re.escape(template[pos:])]))


def route_of(method: str | None, path: str, routes: Sequence[Route]) -> Route | None:
    """The route that served a concrete request: a template without parameters first (as
    '/items/new' before '/items/{id}'), else the first in `routes`' order that matches."""
    hits = [
        r
        for r in routes
        if (not method or r.method in (method, "*")) and template_regex(r.path).fullmatch(path)
    ]
    literal = [r for r in hits if "{" not in r.path]
    return next(iter(literal or hits), None)


def function_of(frame: str) -> str:
    """'module:function:line' -> 'module:function'."""
    head, sep, line = frame.rpartition(":")
    return head if sep and line.isdigit() else frame


def _handler_at(stack: Sequence[str], handler: str) -> int | None:
    """Index of the outermost frame of `handler` in the stack (the route that was served)."""
    return next((i for i, f in enumerate(stack) if function_of(f) == handler), None)


def _package(label: str) -> str:
    return label.split(":", 1)[0].split(".", 1)[0]


def route_line(stack: Sequence[str], handler: str) -> str | None:
    """The handler's deepest own frame: from the handler's frame down, the last of the run of
    frames in the handler's top-level package (the user's code), as 'module:function:line'."""
    i = _handler_at(stack, handler)
    if i is None:
        return None
    while i + 1 < len(stack) and _package(stack[i + 1]) == _package(handler):
        i += 1
    return stack[i]


def line_call(stack: Sequence[str], handler: str) -> str | None:
    """The call `route_line` made: the frame just below it (None when the line is the leaf,
    e.g. a call into C such as time.sleep)."""
    line = route_line(stack, handler)
    if line is None:
        return None
    i = len(stack) - 1 - list(reversed(stack)).index(line)
    return stack[i + 1] if i + 1 < len(stack) else None


def _span(row: Row) -> tuple[float, float]:
    start = float(row["t_start"])
    return start, start + float(row["duration_ms"] or 0.0) / 1000


def _overlap_s(a: Row, b: Row) -> float:
    (a0, a1), (b0, b1) = _span(a), _span(b)
    return max(0.0, min(a1, b1) - max(a0, b0))


def _by_overlap(stall: Row, requests: Sequence[Row], routes: Sequence[Route]) -> dict[Route, float]:
    """Seconds of the stall each route's requests on the same worker overlapped."""
    seconds: dict[Route, float] = defaultdict(float)
    for r in requests:
        if stall.get("pid") is not None and r.get("pid") not in (None, stall["pid"]):
            continue
        route = route_of(r.get("method"), str(r["path"]), routes)
        overlap = _overlap_s(stall, r)
        if route is not None and overlap > 0:
            seconds[route] += overlap
    return seconds


def attribute(
    stalls: Sequence[Row], routes: Sequence[Route], requests: Sequence[Row]
) -> list[tuple[Route | None, str | None]]:
    """Per stall, (route, how): how = 'stack' when its stack passes through the route's
    handler; else 'overlap', the route whose server-side requests on the same worker
    overlapped the stall longest, when the stack is unknown or shows the app's own code;
    else (None, None). Request rows: method, path, t_start
    (epoch s), duration_ms, pid."""
    ordered = sorted(requests, key=lambda r: float(r["t_start"]))
    starts = [float(r["t_start"]) for r in ordered]
    longest = max((_span(r)[1] - _span(r)[0] for r in ordered), default=0.0)
    apps = {_package(r.handler) for r in routes if r.handler}
    out: list[tuple[Route | None, str | None]] = []
    for stall in stalls:
        stack = list(stall.get("stack") or ())
        at = {r: _handler_at(stack, r.handler) for r in routes}
        found = sorted((i, n) for n, (r, i) in enumerate(at.items()) if i is not None)
        a, b = _span(stall)
        near = ordered[bisect.bisect_left(starts, a - longest) : bisect.bisect_left(starts, b)]
        overlap = _by_overlap(stall, near, routes)
        if found:
            outermost = [r for r in routes if at[r] == found[0][0]]  # one handler, many routes
            out.append((max(outermost, key=lambda r: overlap.get(r, 0.0)), "stack"))
        elif overlap and (not stack or any(_package(f) in apps for f in stack)):
            out.append((max(overlap, key=lambda r: overlap[r]), "overlap"))
        else:
            out.append((None, None))
    return out


# --- one row per route -----------------------------------------------------------------------
@dataclass(frozen=True)
class RouteSummary:
    """A route's row of the doctor's table (`route` None: stalled time of no known route)."""

    route: str | None
    stalled_s: float
    stalled_share: float  # of all the stalled time in the cell: the rows sum to 1
    stalls: int
    line: str | None  # 'module:function:line' in the user's code
    call: str | None  # what that line called, when a Python frame shows it
    kind: StallKind | None
    fix: Fix | None
    how: str | None  # 'stack' or 'overlap': how most of its stalled time was attributed
    evidence: str
    suggestion: str


def one_source(stalls: Sequence[Row]) -> list[Row]:
    """The watchdog's rows when there are any (py-spy names the same stalls again), an empty
    stack filled from the py-spy row on the same worker that overlaps it most; else py-spy's.

    A stall can run two handlers back to back: a C call that held the GIL (the watchdog could
    not look: its lateness) and then what it did see. When py-spy's stack for the stall is not
    the watchdog's, the stall is split: its locked-out start goes to py-spy's stack (late: it
    held the GIL), the rest keeps the watchdog's stack and evidence."""
    watchdog = [s for s in stalls if (s.get("source") or "watchdog") != "py-spy"]
    pyspy = [s for s in stalls if s.get("source") == "py-spy" and s.get("stack")]
    if not watchdog:
        return list(stalls)
    out: list[Row] = []
    for s in watchdog:
        mine = [p for p in pyspy if p.get("pid") == s.get("pid") and _overlap_s(s, p) > 0]
        best = max(mine, key=lambda p: _overlap_s(s, p)) if mine else None
        if best is not None and not s.get("stack"):
            s = {**s, "stack": best["stack"], "leaf": best.get("leaf")}
        elif best is not None and s.get("late") and best.get("leaf") != s.get("leaf"):
            out.extend(_split(s, best))
            continue
        out.append(s)
    return out


def _split(stall: Row, pyspy: Row) -> list[Row]:
    """A late watchdog stall as (the locked-out start, py-spy's stack; the rest, its own)."""
    duration = float(stall["duration_ms"] or 0.0)
    window = stall.get("cpu_window_ms")
    locked = duration - float(window) if window is not None else float(stall.get("late_ms") or 0)
    if not 0 < locked < duration:
        return [stall]
    head = {
        **{k: None for k in stall},
        "pid": stall.get("pid"),
        "t_start": stall["t_start"],
        "duration_ms": locked,
        "samples": 0,
        "stack": pyspy["stack"],
        "leaf": pyspy.get("leaf"),
        "late": True,
        "late_ms": locked,
        "source": "py-spy",
    }
    rest = {
        **stall,
        "t_start": float(stall["t_start"]) + locked / 1000,
        "duration_ms": duration - locked,
        "late": False,
        "late_ms": 0.0,
    }
    return [head, rest]


def _heaviest(weights: Mapping[Any, float]) -> Any:
    return max(weights, key=lambda k: weights[k]) if weights else None


def summarise(
    stalls: Sequence[Row], routes: Sequence[Route], requests: Sequence[Row]
) -> list[RouteSummary]:
    """One cell's doctor table: every route (one that never stalled: 0 s, kind and fix None),
    plus a row for stalled time no route was found for; heaviest first."""
    rows = one_source(stalls)
    found = attribute(rows, routes, requests)
    total = sum(float(s["duration_ms"] or 0.0) for s in rows) / 1000
    mine: dict[Route | None, list[tuple[Row, str | None]]] = {r: [] for r in routes}
    for stall, (route, how) in zip(rows, found, strict=True):
        mine.setdefault(route, []).append((stall, how))
    out = []
    for route, hits in mine.items():
        if route is None and not hits:
            continue
        stalled = sum(float(s["duration_ms"] or 0.0) for s, _ in hits) / 1000
        lines: dict[tuple[str | None, str | None, tuple[str, ...]], float] = defaultdict(float)
        hows: dict[str | None, float] = defaultdict(float)
        for s, how in hits:
            hows[how] += float(s["duration_ms"] or 0.0)
            stack = tuple(s.get("stack") or ())
            if route is not None and how == "stack":
                key = (route_line(stack, route.handler), line_call(stack, route.handler), stack)
                lines[key] += float(s["duration_ms"] or 0.0)
        line, call, stack = _heaviest(lines) or (None, None, ())
        evidence = [Evidence.of(s) for s, _ in hits]
        kind = classify(evidence)
        fix = fix_for(kind, stack) if route is not None else None  # no route: nothing to edit
        out.append(
            RouteSummary(
                route=route.name if route is not None else None,
                stalled_s=stalled,
                stalled_share=stalled / total if total > 0 else 0.0,
                stalls=len(hits),
                line=line,
                call=call,
                kind=kind,
                fix=fix,
                how=_heaviest(hows),
                evidence=explain(kind, evidence) if hits else "the loop never stalled in it",
                suggestion=suggestion(fix, call or line, stack),
            )
        )
    return sorted(out, key=lambda r: -r.stalled_s)
