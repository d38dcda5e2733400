"""Shared look of the report's figures: colours, the base layout, CI error bars, legends."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.aggregate import Point, strategies
from app.contract import HASHINGS

HASHING_COLORS: dict[str, str] = dict(
    zip(HASHINGS, ("#c0392b", "#e67e22", "#27ae60", "#2c7fb8"), strict=True)
)
SERIES_COLORS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#7f7f7f",
)
STAT_DASH = {"avg_ms": "solid", "p50_ms": "dot", "p95_ms": "dash", "p99_ms": "longdash"}
STAT_NAME = {"avg_ms": "avg", "p50_ms": "p50", "p95_ms": "p95", "p99_ms": "p99"}
USERS_AXIS = "concurrent users"


def hashing_color(name: str) -> str:
    return HASHING_COLORS.get(name, "#555555")


def series_colors(series: Sequence[str]) -> dict[str, str]:
    """A stable colour per line label, in sorted order."""
    return {s: SERIES_COLORS[i % len(SERIES_COLORS)] for i, s in enumerate(sorted(set(series)))}


def base_layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    """Title, white template, legend to the right of the plot area (never over the data)."""
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        template="plotly_white",
        height=height,
        margin={"l": 70, "r": 20, "t": 80, "b": 60},
        font={"family": "Helvetica, Arial, sans-serif", "size": 12},
        legend={
            "orientation": "v",
            "x": 1.02,
            "xanchor": "left",
            "y": 1,
            "yanchor": "top",
            "font": {"size": 11},
            "tracegroupgap": 4,
        },
        hovermode="closest",
    )
    return fig


def error_bars(pts: Sequence[Point], metric: str) -> dict[str, object] | None:
    """95 % CI error bars when any point is a mean over repeats, else None."""
    cis = [p.stats.get(metric) for p in pts]
    if not any(ci is not None and ci.n > 1 for ci in cis):
        return None
    up = [ci.high - ci.mean if ci and ci.n > 1 else 0.0 for ci in cis]
    down = [ci.mean - ci.low if ci and ci.n > 1 else 0.0 for ci in cis]
    return {"type": "data", "array": up, "arrayminus": down, "visible": True, "thickness": 1.2}


def values(pts: Sequence[Point], metric: str) -> list[float | None]:
    """Metric means with NaN turned into gaps (None) for Plotly."""
    return [None if math.isnan(v) else v for v in (p.mean(metric) for p in pts)]


class LegendOnce:
    """Show a legend entry the first time a name is drawn, then only group with it."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, name: str) -> bool:
        if name in self.seen:
            return False
        self.seen.add(name)
        return True


def facets(pts: Sequence[Point], rows: list[str], title_of: Any) -> tuple[go.Figure, list[str]]:
    """One panel per (row, strategy): the strategies the points hold as columns."""
    cols = strategies(pts)
    titles = [title_of(r, h) for r in rows for h in cols]
    fig = make_subplots(
        rows=len(rows),
        cols=len(cols),
        subplot_titles=titles,
        horizontal_spacing=0.06,
        vertical_spacing=0.12,
    )
    return fig, cols
