"""py-spy's samples -> stall rows (pure): which stack the loop thread was in during each stall.

`py-spy record --format chrometrace` writes one JSON list of B/E events per frame: a frame's
'B' when a sample first shows it, its 'E' when a sample no longer does (identical samples in
a row merge). `ts` is microseconds since py-spy started (we note the epoch just before we
start it: the anchor). Replaying the events per thread gives the stack at every moment.

The stall windows come from the worker's own lag records: a probe wake-up `lag_ms` late at
epoch `t` means the loop stood still over [t - lag_ms/1000, t]. Each window over `stall_ms`
becomes one row with source 'py-spy', named by the stack that covered most of it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from app.contract import Row, is_loop_frame

SOURCE = "py-spy"


@dataclass(frozen=True)
class Span:
    start_us: int
    end_us: int
    stack: tuple[str, ...]


_STDLIB = re.compile(r"/lib/python3\.\d+/")
_FROZEN = re.compile(r"^<frozen (?P<module>[\w.]+)>$")


def module_of(filename: str, roots: tuple[str, ...] = ()) -> str:
    """A dotted module name from py-spy's file name: the part after site-packages, the
    standard library or one of `roots` (the project, the cwd), '.py' and '__init__' dropped."""
    frozen = _FROZEN.match(filename)
    if frozen:
        return frozen.group("module")
    path = filename
    for marker in ("/site-packages/", "/dist-packages/"):
        if marker in path:
            path = path.rpartition(marker)[2]
            break
    else:
        stdlib = list(_STDLIB.finditer(path))
        if stdlib:
            path = path[stdlib[-1].end() :]
        else:
            for root in sorted(roots, key=len, reverse=True):
                prefix = root.rstrip("/") + "/"
                if path.startswith(prefix):
                    path = path[len(prefix) :]
                    break
    path = path[:-3] if path.endswith(".py") else path
    module = path.strip("/").replace("/", ".")
    return module[: -len(".__init__")] if module.endswith(".__init__") else module


def frame_label(event: Row, roots: tuple[str, ...] = ()) -> str:
    """'module:function:line' as the watchdog writes it (py-spy's names are qualified too)."""
    args = event.get("args") or {}
    module = module_of(str(args.get("filename") or "?"), roots)
    line = args.get("line")
    return f"{module}:{event.get('name')}:{line if line is not None else 0}"


def spans(events: list[Row], roots: tuple[str, ...] = ()) -> dict[int, list[Span]]:
    """Per thread id, the stack over time as [start, end) spans (empty stacks left out)."""
    stacks: dict[int, list[str]] = defaultdict(list)
    since: dict[int, int] = {}
    out: dict[int, list[Span]] = defaultdict(list)
    for e in events:
        phase, tid, ts = e.get("ph"), int(e.get("tid", 0)), int(e.get("ts", 0))
        if phase not in ("B", "E"):
            continue
        stack = stacks[tid]
        if stack and tid in since and ts > since[tid]:
            out[tid].append(Span(since[tid], ts, tuple(stack)))
        since[tid] = ts
        if phase == "B":
            stack.append(frame_label(e, roots))
        elif stack:
            stack.pop()
    return dict(out)


def function_of_label(label: str) -> str:
    """'module:function:line' -> 'function'."""
    parts = label.split(":")
    return parts[1] if len(parts) >= 3 else label


def loop_thread(per_thread: dict[int, list[Span]]) -> int | None:
    """The event loop's thread: the main thread, whose outermost frame is not threading's
    `_bootstrap` (every other Python thread starts there). Most covered time breaks ties."""
    main = {
        tid: sum(s.end_us - s.start_us for s in ss)
        for tid, ss in per_thread.items()
        if ss and not function_of_label(ss[0].stack[0]).endswith("_bootstrap")
    }
    return max(main, key=lambda t: main[t]) if main else None


def stall_windows(lag_rows: list[Row], stall_ms: float) -> list[tuple[float, float]]:
    """(start, duration_ms) of each probe wake-up more than stall_ms late (epoch s)."""
    return [
        (float(r["t"]) - float(r["lag_ms"]) / 1000, float(r["lag_ms"]))
        for r in lag_rows
        if r.get("lag_ms") is not None and float(r["lag_ms"]) > stall_ms
    ]


def _cover(spans_: list[Span], a: float, b: float) -> dict[tuple[str, ...], float]:
    """Microseconds of [a, b) each stack covered."""
    cover: dict[tuple[str, ...], float] = defaultdict(float)
    for s in spans_:
        overlap = min(b, s.end_us) - max(a, s.start_us)
        if overlap > 0:
            cover[s.stack] += overlap
    return cover


def name_stalls(
    events: list[Row],
    *,
    anchor: float,
    pid: int,
    lag_rows: list[Row],
    stall_ms: float,
    rate_hz: float,
    roots: tuple[str, ...] = (),
    gil_events: list[Row] | None = None,
    gil_anchor: float | None = None,
) -> list[Row]:
    """One stall row per lag window, named by the loop thread's stack that covered most of it.

    When the loop thread was only in the event loop's own code (it waited for the GIL), and a
    GIL-only trace (`py-spy record --gil`) is given, the stall is named by the stack of the
    other thread that held the GIL longest in the window: the code that starved the loop.
    A window py-spy saw nothing of gets samples 0 and an empty stack."""
    per_thread = spans(events, roots)
    tid = loop_thread(per_thread)
    mine = per_thread.get(tid, []) if tid is not None else []
    holders: list[Span] = []
    if gil_events:
        gil_threads = spans(gil_events, roots)
        gil_loop = loop_thread(gil_threads)
        holders = [s for t, ss in gil_threads.items() if t != gil_loop for s in ss]
    shift = 0.0 if gil_anchor is None else (gil_anchor - anchor) * 1e6
    rows = []
    for t_start, duration_ms in stall_windows(lag_rows, stall_ms):
        a = (t_start - anchor) * 1e6
        b = a + duration_ms * 1000
        cover = _cover(mine, a, b)
        top = max(cover, key=lambda k: cover[k]) if cover else ()
        if holders and (not top or is_loop_frame(top[-1])):
            held = _cover(holders, a - shift, b - shift)
            if held:
                cover = held
                top = max(held, key=lambda k: held[k])
        rows.append(
            {
                "pid": pid,
                "t_start": t_start,
                "duration_ms": duration_ms,
                "samples": round(sum(cover.values()) / 1e6 * rate_hz),
                "stack": list(top),
                "leaf": top[-1] if top else None,
                "late": False,
                "source": SOURCE,
            }
        )
    return rows
