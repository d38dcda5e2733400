"""'What stalled the loop': the figures (icicle of call paths + bar chart) and the
text of the section, and the note that the study-specific sections do not apply to a user's app.
`report.py` reads the rows (queries.stall_stacks) and calls `figures_and_text` and
`mark_not_applicable`."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from analysis.core.figstyle import base_layout
from analysis.core.wording import ms
from analysis.stall_stacks import (
    NO_CAPTURE,
    Group,
    function_of,
    late_note,
    rank,
    sentence,
    trimmed,
)
from app.contract import DEFAULT_APP

Row = dict[str, Any]
TOP_STACKS = 12
# Sections about our own app's endpoints (register / health / hashing): for a user's app they
# say that they do not apply.
STUDY_SECTIONS = (
    "health",
    "register",
    "throughput",
    "sequential",
    "verdict",
    "openloop",
    "db",
    "workers",
)


def _short(frame: str) -> str:
    return frame if len(frame) <= 60 else "…" + frame[-59:]


def icicle(groups: list[Group]) -> go.Figure | None:
    """One icicle: strategy at the top, then each call path (outer frames they share cut)."""
    ids: list[str] = []
    labels: list[str] = []
    parents: list[str] = []
    values: list[float] = []
    index: dict[str, int] = {}

    def add(node: str, label: str, parent: str, value: float) -> None:
        if node in index:
            values[index[node]] += value
            return
        index[node] = len(ids)
        ids.append(node)
        labels.append(label)
        parents.append(parent)
        values.append(value)

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
                add(node, _short(frame), parent, s.total_ms / 1000 if last else 0.0)
                parent = node
    if not ids:
        return None
    fig = go.Figure(
        go.Icicle(
            ids=ids,
            labels=labels,
            parents=parents,
            values=values,
            branchvalues="remainder",
            hovertemplate="%{label}<br>%{value:.2f} s stalled<extra></extra>",
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
            leaf = function_of(s.stack[-1]) if s.stack != (NO_CAPTURE,) else NO_CAPTURE
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
    figs: list[tuple[go.Figure, str]] = []
    ice = icicle(groups)
    if ice is not None:
        figs.append(
            (
                ice,
                f"Top {TOP_STACKS} stacks per strategy; click a box to zoom. Outer frames that "
                "all stacks share (server, event loop) are cut.",
            )
        )
    bar = bars(groups)
    if bar is not None:
        total = sum(g.total_ms for g in groups)
        figs.append((bar, f"All strategies together: {ms(total)} stood still."))
    return figs, text


def mark_not_applicable(sections: list[Any], apps: list[str]) -> list[Any]:
    """When no cell served our app, the register/health sections say they do not apply."""
    if not apps or DEFAULT_APP in apps:
        return sections
    served = ", ".join(f"`{a}`" for a in apps)
    for s in sections:
        if s.anchor in STUDY_SECTIONS:
            s.figures = []
            s.table = None
            s.paragraphs = [
                "Does not apply: this section is about the study's own app (its "
                "`/api/users/register/` and `/api/health/` endpoints); "
                f"these cells served {served}."
            ]
    return sections
