"""One user, consecutive requests: server-side versus client-side time, and the gap (the HTTP
client, the connection and the ASGI stack outside the handler timer)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

from analysis.core.aggregate import Grid, Point, points
from analysis.core.figstyle import base_layout, error_bars, values
from analysis.core.section import AppliesTo, Context, Section, present
from analysis.core.section import read_nothing as read
from analysis.core.wording import ms, pct, run_command

APPLIES_TO: AppliesTo = "study"
__all__ = ["APPLIES_TO", "build", "read"]


def build(data: None, ctx: Context) -> Section:
    seq = points(ctx.summary, "sequential")
    return Section(
        "Sequential baseline",
        "One user, consecutive requests: server-side versus client-side time, and the gap.",
        present(
            (
                figure(seq),
                "Mean per request over the consecutive requests of each endpoint.",
            )
        ),
        paragraphs(seq, ctx.grid),
    )


def figure(pts: Sequence[Point]) -> go.Figure | None:
    """Sequential baseline: server vs client mean per strategy and endpoint."""
    if not pts:
        return None
    x = [f"{p.hashing}<br>{p.endpoint}" for p in pts]
    fig = go.Figure()
    for metric, name, color in (
        ("server_avg_ms", "server handler mean", "#34495e"),
        ("avg_ms", "client mean", "#3498db"),
    ):
        fig.add_trace(
            go.Bar(
                x=x,
                y=values(pts, metric),
                name=name,
                marker={"color": color},
                error_y=error_bars(pts, metric),
                hovertemplate="%{x}<br>%{y:.2f} ms<extra></extra>",
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="mean time per request (ms, log)", type="log")
    fig.update_xaxes(title_text="strategy and endpoint")
    return base_layout(fig, "Sequential baseline: one user, consecutive requests", 420)


def paragraphs(pts: Sequence[Point], grid: Grid) -> list[str]:
    """Server vs client mean per endpoint over consecutive requests, and the gap."""
    if not pts:
        return [
            "This sweep has no sequential baseline (it ran with baseline=false). Run "
            f"`{run_command(grid)}`: baseline=true, the default, adds one sequential cell "
            "(100 consecutive requests per endpoint, one user) per strategy, and the cells "
            "already stored are skipped."
        ]
    out = []
    for p in pts:
        client, server = p.mean("avg_ms"), p.mean("server_avg_ms")
        gap = client - server
        out.append(
            f"{p.hashing}, {p.endpoint}: {p.requests} consecutive requests, client mean "
            f"{ms(client)}, server mean {ms(server)}, gap {ms(gap)} "
            f"({pct(gap / client if client else math.nan)} of the client time: "
            "HTTP client, connection and the ASGI stack outside the handler timer)."
        )
    return out
