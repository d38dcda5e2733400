"""What stalled the loop: the stacks a watchdog thread in each worker sampled while the loop
stood still, ranked per strategy (stacks.py), drawn and named in sentences."""

from __future__ import annotations

from typing import Any

import duckdb
import plotly.graph_objects as go

from analysis.core.figstyle import base_layout
from analysis.core.section import AppliesTo, Context, Section, present
from analysis.core.store import rows
from analysis.core.wording import ms
from analysis.sections.stalls.stacks import (
    Group,
    label_of,
    late_note,
    rank,
    sentence,
    trimmed,
)
from app.contract import Row, is_framework_frame

APPLIES_TO: AppliesTo = "any"


def read(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """The stalls of the measured window of the given ok cells (view measured_stalls), with
    their cell's strategy and app."""
    return rows(
        con,
        """
        SELECT s.cell_id, c.hashing, c.work, c.server_app, s.source, s.pid, s.t_start,
               s.duration_ms, s.samples, s.stack, s.leaf, s.late
        FROM measured_stalls s JOIN cells c USING (cell_id)
        WHERE list_contains(?, s.cell_id) AND c.status = 'ok'
        ORDER BY c.hashing, s.source, s.t_start""",
        [ids],
    )


def build(stall_rows: list[Row], ctx: Context) -> Section:
    figs, paragraphs = figures_and_text(stall_rows)
    return Section("What stalled the loop", "Which code held the event loop?", figs, paragraphs)


def figures_and_text(rows: list[Row]) -> tuple[list[tuple[go.Figure, str]], list[str]]:
    """The section's figures (with captions) and paragraphs."""
    if not rows:
        return [], [
            "No stall was recorded: no worker's loop stood still for longer than "
            "`stalls.stall_ms` in the measured windows (or the cells predate the watchdog)."
        ]
    groups = rank(rows)
    has_pyspy = any(g.source == "py-spy" for g in groups)
    text = [
        "A watchdog thread in each worker samples the loop thread's stack while the loop "
        "stands still longer than `stalls.stall_ms` (frames `module:function:line`, outermost "
        "first); each stall is named by its most-sampled stack. Warm-up excluded."
    ]
    text += [sentence(g) for g in groups]
    text += [n for g in groups if (n := late_note(g, has_pyspy)) is not None]
    if has_pyspy and any(g.source != "py-spy" for g in groups):
        text.append(
            "The two samplers name the same stalls from two sides, each by its most-sampled "
            "stack: py-spy sees inside a call that holds the GIL, the watchdog only what ran "
            "after it. A stall can run several handlers back to back; the doctor's section "
            "(`--config-name doctor`) splits each between them, per route."
        )
    total = sum(g.total_ms for g in groups)
    figs = present(
        (
            icicle(groups),
            f"Top {TOP_STACKS} stacks per strategy; click a box to zoom. Each starts at the "
            "app's own code: the server, event loop and framework frames above it are cut "
            "(hover its first box for them).",
        ),
        (bars(groups), f"All strategies together: {ms(total)} stood still."),
    )
    return figs, text


TOP_STACKS = 12


def _short(frame: str) -> str:
    return frame if len(frame) <= 60 else "…" + frame[-59:]


def _hidden_note(hidden: tuple[str, ...]) -> str:
    """The frames cut above a stack, for its first box's hover (outermost first)."""
    if not hidden:
        return ""
    shown = [_short(f) for f in hidden[-6:]]
    more = f"{len(hidden) - 6} more, then " if len(hidden) > 6 else ""
    return f"<br>below {len(hidden)} frames cut: {more}" + " ▸ ".join(shown)


def icicle(groups: list[Group]) -> go.Figure | None:
    """One icicle: strategy at the top, then each call path from the app's own code (the
    server, loop and framework frames above it cut, named in the hover)."""
    nodes: dict[str, list[Any]] = {}  # id -> [label, parent, seconds, note], first-seen order

    def add(node: str, label: str, parent: str, value: float, note: str = "") -> None:
        nodes.setdefault(node, [label, parent, 0.0, note])[2] += value

    for g in groups:
        if g.total_ms <= 0:
            continue
        root = g.name
        shown = g.stacks[:TOP_STACKS]
        rest = g.total_ms - sum(x.total_ms for x in shown)
        add(root, g.name, "", max(0.0, rest) / 1000)  # stacks past the top ones
        for s in trimmed(shown):
            parent = root
            for depth, frame in enumerate(s.stack):
                node = f"{parent} ▸ {depth}:{frame}"
                last = depth == len(s.stack) - 1
                note = _hidden_note(s.hidden) if depth == 0 else ""
                label = _short(frame)
                if depth == 0 and is_framework_frame(frame):  # the loop itself, no handler
                    label = f"no app code: {label}"
                add(node, label, parent, s.total_ms / 1000 if last else 0.0, note)
                parent = node
    if not nodes:
        return None
    labels, parents, values, notes = (list(c) for c in zip(*nodes.values(), strict=True))
    fig = go.Figure(
        go.Icicle(
            ids=list(nodes),
            labels=labels,
            parents=parents,
            values=values,
            branchvalues="remainder",
            customdata=notes,
            hovertemplate="%{label}<br>%{value:.2f} s stalled%{customdata}<extra></extra>",
            tiling={"orientation": "v"},
            maxdepth=8,
        )
    )
    return base_layout(fig, "Call paths of the stalled loop (size = seconds stood still)", 560)


def bars(groups: list[Group]) -> go.Figure | None:
    """Stalled seconds per strategy, split by the top stacks' leaf functions."""
    fig = go.Figure()
    leaves: dict[str, dict[str, float]] = {}
    for g in groups:
        for s in g.stacks:
            leaf = label_of(s.stack)
            leaves.setdefault(leaf, {}).setdefault(g.name, 0.0)
            leaves[leaf][g.name] += s.total_ms / 1000
    if not leaves:
        return None
    names = [g.name for g in groups]
    ranked = sorted(leaves.items(), key=lambda kv: -sum(kv[1].values()))
    for leaf, per in ranked[:TOP_STACKS]:
        fig.add_bar(
            name=_short(leaf),
            y=names,
            x=[per.get(n, 0.0) for n in names],
            orientation="h",
            hovertemplate=f"{leaf}<br>%{{y}}: %{{x:.2f}} s<extra></extra>",
        )
    fig.update_layout(barmode="stack", xaxis_title="seconds the loop stood still")
    return base_layout(
        fig,
        "Stalled time per strategy, by the function at the top of the stack",
        320 + 24 * len(names),
    )
