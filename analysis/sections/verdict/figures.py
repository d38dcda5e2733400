"""The verdict section's figures: health p95 and throughput per strategy, and the fix matrix as
a heatmap (kinds x strategies) and a table."""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.figstyle import base_layout, hashing_color
from analysis.core.fixes import FixRow
from analysis.core.wording import ms, num, pct
from analysis.sections.verdict.matrix import RESPONSIVE_MS, MatrixCell
from app.contract import HASHINGS, WORKS


def fixes(rows: Sequence[FixRow]) -> go.Figure | None:
    """Per strategy: /api/health/ p95 at the comparison load, and best throughput as a fraction
    of the machine's ceiling."""
    if not rows:
        return None
    names = [r.hashing for r in rows]
    colors = [hashing_color(h) for h in names]
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.18,
        subplot_titles=[
            f"/api/health/ p95 at {rows[0].users} users (ms, log; lower is better)",
            "best registrations/s as % of ceiling (higher is better)",
        ],
    )
    fig.add_trace(
        go.Bar(
            y=names,
            x=[None if math.isnan(r.health_p95_ms) else r.health_p95_ms for r in rows],
            orientation="h",
            marker={"color": colors},
            showlegend=False,
            hovertemplate="%{y}: %{x:.1f} ms<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            y=names,
            x=[None if math.isnan(r.fraction) else 100 * r.fraction for r in rows],
            orientation="h",
            marker={"color": colors},
            showlegend=False,
            hovertemplate="%{y}: %{x:.0f} %<extra></extra>",
        ),
        row=1,
        col=2,
    )
    fig.update_xaxes(type="log", title_text="ms", row=1, col=1)
    fig.update_xaxes(title_text="% of cores / S", range=[0, 105], row=1, col=2)
    fig.update_yaxes(autorange="reversed")
    return base_layout(fig, "Which fix works", 160 + 50 * len(rows))


def _axes(cells: Sequence[MatrixCell]) -> tuple[list[str], list[str]]:
    kinds: list[str] = [k for k in WORKS if any(m.work == k for m in cells)]
    kinds += sorted({m.work for m in cells} - set(kinds))
    strategies: list[str] = [s for s in HASHINGS if any(m.hashing == s for m in cells)]
    return kinds, strategies


def heatmap(cells: Sequence[MatrixCell]) -> go.Figure | None:
    """Colour: /api/health/ p95 on a log scale (green at <= 50 ms, red at >= S); text: health
    p95, loop-lag p99 and throughput as a fraction of the pair's ceiling."""
    if not cells:
        return None
    kinds, strategies = _axes(cells)
    at = {(m.work, m.hashing): m for m in cells}
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    for k in kinds:
        zrow: list[float | None] = []
        trow: list[str] = []
        for s in strategies:
            m = at.get((k, s))
            if m is None or math.isnan(m.health_p95_ms):
                zrow.append(None)
                trow.append("not run" if m is None else f"{pct(m.fraction)} of ceiling")
                continue
            zrow.append(math.log10(max(m.health_p95_ms, 1.0)))
            trow.append(
                f"health p95 {ms(m.health_p95_ms)}<br>lag p99 {ms(m.lag_p99_ms)}"
                f"<br>{pct(m.fraction)} of ceiling"
            )
        z.append(zrow)
        text.append(trow)
    s_ms = max((m.service_ms for m in cells if not math.isnan(m.service_ms)), default=250.0)
    lo, hi = math.log10(RESPONSIVE_MS / 5), math.log10(max(s_ms, RESPONSIVE_MS * 2))
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=strategies,
            y=kinds,
            text=text,
            texttemplate="%{text}",
            zmin=lo,
            zmax=hi,
            colorscale=[[0, "#1a9850"], [0.5, "#fee08b"], [1, "#d73027"]],
            colorbar={
                "title": "health p95",
                "tickvals": [1, 2, 3],
                "ticktext": ["10", "100", "1000 ms"],
            },
            hovertemplate="%{y} · %{x}<br>%{text}<extra></extra>",
            xgap=2,
            ygap=2,
        )
    )
    base_layout(fig, "Which fix works, by kind of call", 120 + 90 * len(kinds))
    fig.update_yaxes(autorange="reversed")
    return fig


def table(cells: Sequence[MatrixCell]) -> go.Figure | None:
    """Every matrix cell's numbers, one row per (kind, strategy)."""
    if not cells:
        return None
    head = [
        "kind",
        "strategy",
        "S (error vs bcrypt)",
        "c",
        "ceiling /s",
        "register /s",
        "× 1/S",
        "of ceiling",
        "health p95",
        "lag p99",
        "loop",
    ]
    cols = [
        [m.work for m in cells],
        [m.hashing for m in cells],
        [f"{ms(m.service_ms)} ({pct(m.calibration_error, signed=True)})" for m in cells],
        [f"{m.executors} = {m.rule}" for m in cells],
        [num(m.ceiling_rps) for m in cells],
        [num(m.rps) for m in cells],
        [num(m.parallel, 2) for m in cells],
        [pct(m.fraction) for m in cells],
        [ms(m.health_p95_ms) for m in cells],
        [ms(m.lag_p99_ms) for m in cells],
        [m.loop for m in cells],
    ]
    fig = go.Figure(
        go.Table(
            header={"values": head, "align": "left", "fill_color": "#eeeeee"},
            cells={"values": cols, "align": "left"},
            columnwidth=[1.1, 1.0, 1.3, 1.3, 0.8, 0.8, 0.6, 0.7, 0.8, 0.8, 0.7],
        )
    )
    base_layout(fig, "The fix matrix in numbers", 140 + 24 * len(cells))
    return fig
