"""The stalls section's figures: an icicle of the stalled call paths and the stalled time per
strategy by leaf function."""

from __future__ import annotations

import plotly.graph_objects as go

from analysis.core.figstyle import base_layout
from analysis.sections.stalls.stacks import NO_CAPTURE, Group, function_of, trimmed

TOP_STACKS = 12


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
