"""The comparison as one offline HTML page in the report's look: a plain dict laid out by
`templates/compare.html` (autoescaped), one Plotly figure per metric with BASE and NEW per
pair and their 95 % intervals. Returns a string; the command writes it."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

import jinja2
import plotly.graph_objects as go
import plotly.offline
from markupsafe import Markup

from analysis.compare.pairing import Pairing, describe
from analysis.compare.text import change, figure, p_text
from analysis.compare.verdict import Judged
from analysis.core.figstyle import SERIES_COLORS, base_layout
from analysis.render import PLOTLY_CONFIG


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("analysis", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


@cache
def report_style() -> Markup:
    """The report page's stylesheet, read from its template: one look, defined once."""
    source, _, _ = _env().loader.get_source(_env(), "report.html")  # type: ignore[union-attr]
    found = re.search(r"<style>(.*?)</style>", source, re.S)
    return Markup(found.group(1) if found else "")


def _gap(x: float) -> float | None:
    return None if math.isnan(x) else x


def metric_figure(metric: str, rows: Sequence[Judged]) -> go.Figure:
    """BASE and NEW per pair, each with its 95 % interval."""
    fig = go.Figure()
    labels = [j.pair for j in rows]
    for k, (name, side) in enumerate((("BASE", "base"), ("NEW", "new"))):
        est = [getattr(j, side) for j in rows]
        fig.add_trace(
            go.Scatter(
                x=[_gap(e.value) for e in est],
                y=labels,
                mode="markers",
                name=name,
                offsetgroup=name,
                orientation="h",
                marker={"color": SERIES_COLORS[k], "size": 10},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [0.0 if math.isnan(e.high) else e.high - e.value for e in est],
                    "arrayminus": [0.0 if math.isnan(e.low) else e.value - e.low for e in est],
                    "thickness": 1.5,
                },
                hovertemplate="%{y}<br>" + name + " %{x:.3g}<extra></extra>",
            )
        )
    unit = rows[0].unit
    better = "lower" if rows[0].lower_is_better else "higher"
    fig.update_xaxes(title_text=f"{unit} ({better} is better)")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(scattermode="group", scattergap=0.5)  # BASE above NEW on each pair's row
    return base_layout(fig, f"{metric}: before and after, 95 % intervals", 140 + 50 * len(rows))


def _fragment(fig: go.Figure, k: int) -> Markup:
    return Markup(
        fig.to_html(
            full_html=False, include_plotlyjs=False, config=PLOTLY_CONFIG, div_id=f"fig-{k}"
        )
    )


def render(
    base: str,
    new: str,
    paired: Pairing,
    judged: Sequence[Judged],
    min_effect: float,
    speed: str = "",
) -> str:
    metrics = list(dict.fromkeys(j.metric for j in judged))
    data: dict[str, Any] = {
        "base": base,
        "new": new,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "style": report_style(),
        "plotly_js": Markup(plotly.offline.get_plotlyjs()),
        "min_effect": f"{100 * min_effect:g} %",
        "drift": speed,
        "rows": [
            {
                "pair": j.pair,
                "metric": j.metric,
                "unit": j.unit,
                "base": figure(j, "base"),
                "new": figure(j, "new"),
                "change": change(j),
                "p": p_text(j.p_holm),
                "verdict": j.verdict,
            }
            for j in judged
        ],
        "unpaired": [("BASE", describe(c)) for c in paired.base_only]
        + [("NEW", describe(c)) for c in paired.new_only]
        + [
            (f"left out, beside foreign load: {c.get('sweep_id')}", describe(c))
            for c in paired.disturbed
        ],
        "figures": [
            _fragment(metric_figure(m, [j for j in judged if j.metric == m]), k)
            for k, m in enumerate(metrics)
        ],
    }
    return _env().get_template("compare.html").render(data)
