"""How does /api/health/ behave while registrations run? Its client time split into the
server's handler time and the waiting."""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

from analysis.core.aggregate import Grid, Point, at, by_endpoint, strategies
from analysis.core.figstyle import (
    USERS_AXIS,
    LegendOnce,
    base_layout,
    facets,
    series_colors,
    values,
)
from analysis.core.section import AppliesTo, Context, Section, present, read_nothing
from analysis.core.wording import count, ms, pct, run_command, times

APPLIES_TO: AppliesTo = "study"
read = read_nothing


def build(data: None, ctx: Context) -> Section:
    return Section(
        "Health while registrations run",
        "How does /api/health/ behave "
        "while registrations run, and how does it change with concurrency?",
        present(
            (
                figure(ctx.load),
                "Bar height is the mean client time; "
                "the dark part is the server's handler timer, the light part waiting.",
            )
        ),
        paragraphs(ctx.load, ctx.grid),
    )


def figure(pts: Sequence[Point]) -> go.Figure | None:
    """/api/health/ mean client time as stacked bars: server handler + waiting, per users and
    worker count, one panel per strategy."""
    hp = by_endpoint(pts, "health")
    if not hp:
        return None
    fig, cols = facets(hp, ["health"], lambda _e, h: h)
    series = sorted({p.series for p in hp})
    legend = LegendOnce()
    for j, h in enumerate(cols, start=1):
        for k, s in enumerate(series):
            line = sorted(
                (p for p in hp if p.hashing == h and p.series == s), key=lambda p: p.users
            )
            if not line:
                continue
            x = [f"{p.users} u" for p in line]
            server = values(line, "joined_server_ms")
            for part, y, base, shade in (
                ("server handler", server, None, 1.0),
                ("waiting (client − server)", values(line, "joined_wait_ms"), server, 0.45),
            ):
                name = f"{s}: {part}"
                fig.add_trace(
                    go.Bar(
                        x=x,
                        y=y,
                        base=base,
                        name=name,
                        legendgroup=name,
                        showlegend=legend(name),
                        offsetgroup=str(k),
                        marker={"color": series_colors(series)[s], "opacity": shade},
                        hovertemplate=f"{h} {s}<br>%{{x}}<br>{part} %{{y:.2f}} ms<extra></extra>",
                    ),
                    row=1,
                    col=j,
                )
        fig.update_xaxes(title_text=USERS_AXIS, row=1, col=j)
        fig.update_yaxes(title_text="mean /api/health/ time (ms)" if j == 1 else None, row=1, col=j)
    fig.update_layout(barmode="group")
    return base_layout(
        fig, "/api/health/ while registrations run: client time = server handler + waiting", 460
    )


def _joined(p: Point) -> str:
    """How many requests both sides logged (summed over repeats), or '?' when unknown."""
    n = p.stats.get("joined_requests")
    return "?" if n is None else f"{round(n.mean * n.n)}"


def paragraphs(pts: Sequence[Point], grid: Grid) -> list[str]:
    """/api/health/ client time = server handler time + waiting, with numbers."""
    hp = by_endpoint(pts, "health")
    if not hp:
        return [
            "No /api/health/ requests ran beside registrations in this sweep. Run "
            f"`{run_command(grid, scenario='mixed')}` (register:health = 5:1)."
        ]
    users = max(p.users for p in hp)
    low = min(p.users for p in hp)
    out = []
    for h in strategies(hp):
        here = at(hp, h, users)
        p = max(here, key=lambda p: p.mean("avg_ms"))
        client, server = p.mean("joined_client_ms"), p.mean("joined_server_ms")
        wait = p.mean("joined_wait_ms")
        text = (
            f"{h}, {users} users, {p.series}: /api/health/ took {ms(client)} on average at "
            f"the client (over the {_joined(p)} requests both sides logged, of "
            f"n = {p.requests} measured); the server's handler took "
            f"{ms(server)} of it and {ms(wait)} ({pct(wait / client if client else math.nan)}"
            ") was waiting: in the socket, for the event loop to be free, and on the wire."
        )
        base = [q for q in at(hp, h, low) if q.series == p.series]
        if base and users != low:
            q = base[0]
            text += (
                f" At {count(low, 'user')} the same line took "
                f"{ms(q.mean('avg_ms'))} on average (n = {q.requests}), against "
                f"{ms(p.mean('avg_ms'))} here "
                f"({times(p.mean('avg_ms') / q.mean('avg_ms'))})."
            )
        out.append(text)
    if len(hp) == len(strategies(hp)):
        out.append(
            "Each strategy ran at one load only; run "
            f"`{run_command(grid, users=[1, 5, 10], workers=[1, 2])}` to see the trend."
        )
    return out
