"""How does /api/health/ behave while registrations run? Its client time split into the
server's handler time and the waiting."""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

from analysis.core.aggregate import Grid, Point, at, by_endpoint, lines, strategies
from analysis.core.figstyle import (
    USERS_AXIS,
    LegendOnce,
    base_layout,
    facets,
    series_colors,
    values,
)
from analysis.core.section import Answer, AppliesTo, Context, Section, present, read_nothing
from analysis.core.wording import count, ms, pct, run_command, spread_note, times

APPLIES_TO: AppliesTo = "study"
read = read_nothing


def build(data: None, ctx: Context) -> Section:
    return Section(
        "Health while registrations run",
        "How does /api/health/ behave "
        "while registrations run, and how does it change with concurrency?",
        present(
            (
                by_source_figure(ctx.load),
                "p95 of /api/health/ by who asked: the closed-loop users (solid), who send it "
                "between their own registrations, and the steady probe (dashed), sent every "
                "200 ms whatever the server is doing.",
            ),
            (
                figure(ctx.load),
                "Bar height is the mean client time of every /api/health/ request both sides "
                "logged (the users' and the probe's together); the dark part is the server's "
                "handler timer, the light part waiting.",
            ),
        ),
        paragraphs(ctx.load, ctx.grid) + by_source_text(ctx.load),
        answers=answers(ctx.load),
    )


def _probe_n(p: Point) -> int:
    ci = p.stats.get("probe_requests")
    return 0 if ci is None else round(ci.mean * ci.n)


def by_source_figure(pts: Sequence[Point]) -> go.Figure | None:
    """Health p95 vs users, the users' requests (solid) and the probe's (dashed), one panel
    per strategy, a colour per line."""
    hp = [p for p in by_endpoint(pts, "health") if p.stats.get("probe_p95_ms")]
    if not hp:
        return None
    fig, cols = facets(hp, ["health"], lambda _e, h: h)
    colors = series_colors([p.series for p in hp])
    legend = LegendOnce()
    for j, h in enumerate(cols, start=1):
        for s, line in lines(hp, h):
            for stat, who, dash in (
                ("p95_ms", "users", "solid"),
                ("probe_p95_ms", "probe", "dash"),
            ):
                name = f"{s} · {who}"
                fig.add_trace(
                    go.Scatter(
                        x=[p.users for p in line],
                        y=values(line, stat),
                        name=name,
                        legendgroup=name,
                        showlegend=legend(name),
                        mode="lines+markers",
                        line={"color": colors[s], "dash": dash},
                        hovertemplate=f"{h} {s} {who}<br>%{{x}} users<br>p95 %{{y:.1f}} ms"
                        "<extra></extra>",
                    ),
                    row=1,
                    col=j,
                )
        fig.update_xaxes(title_text=USERS_AXIS, row=1, col=j)
        fig.update_yaxes(
            type="log", title_text="/api/health/ p95 (ms, log)" if j == 1 else None, row=1, col=j
        )
    return base_layout(
        fig, "/api/health/ p95 by who asked: users (solid) and the probe (dashed)", 420
    )


def by_source_text(pts: Sequence[Point]) -> list[str]:
    """Per strategy at the lowest and highest user count: the users' and the probe's p95."""
    hp = [p for p in by_endpoint(pts, "health") if p.stats.get("probe_p95_ms")]
    if not hp:
        return []
    users, low = max(p.users for p in hp), min(p.users for p in hp)
    out = []
    for h in strategies(hp):
        bits = []
        for u in dict.fromkeys((low, users)):
            for p in at(hp, h, u):
                bits.append(
                    f"{p.series}, {count(u, 'user')}: users' p95 {ms(p.mean('p95_ms'))} "
                    f"(n = {p.requests}), probe's {ms(p.mean('probe_p95_ms'))} "
                    f"(n = {_probe_n(p)})" + (f" {spread_note(p)}" if spread_note(p) else "")
                )
        out.append(f"By who asked, {h}: " + "; ".join(bits) + ".")
    return out


def answers(pts: Sequence[Point]) -> list[Answer]:
    """Health during registrations, and health vs concurrency, each in one paragraph."""
    hp = by_endpoint(pts, "health")
    if not hp:
        return []
    users, low = max(p.users for p in hp), min(p.users for p in hp)
    during, growth = [], []
    for h in strategies(hp):
        p = max(at(hp, h, users), key=lambda p: p.mean("avg_ms"))
        wait = p.mean("joined_wait_ms")
        client = p.mean("joined_client_ms")
        probe = (
            f", the probe's p95 {ms(p.mean('probe_p95_ms'))}" if p.stats.get("probe_p95_ms") else ""
        )
        during.append(
            f"{h} ({p.series}): users' p95 {ms(p.mean('p95_ms'))}{probe}; of its "
            f"{ms(client)} mean, {pct(wait / client if client else math.nan)} was waiting for "
            "the loop, not the handler"
        )
        q = [x for x in at(hp, h, low) if x.series == p.series]
        if q and low != users:
            growth.append(
                f"{h} ({p.series}) from {ms(q[0].mean('avg_ms'))} at {count(low, 'user')} to "
                f"{ms(p.mean('avg_ms'))} at {users} "
                f"({times(p.mean('avg_ms') / q[0].mean('avg_ms'))})"
            )
    out = [
        Answer(
            "Health during registrations",
            f"At {users} users: " + "; ".join(during) + ".",
        )
    ]
    if growth:
        out.append(
            Answer(
                "Health vs concurrency",
                "The users' mean /api/health/ time went " + "; ".join(growth) + ".",
            )
        )
    return out


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
            f"{h}, {users} users, {p.series}: /api/health/ (users' and probe's) took "
            f"{ms(client)} on average at "
            f"the client (over the {_joined(p)} requests both sides logged, of "
            f"n = {p.requests} measured); the server's handler took "
            f"{ms(server)} of it and {ms(wait)} ({pct(wait / client if client else math.nan)}"
            ") was waiting: in the socket, for the event loop to be free, and on the wire. "
            f"The users' own requests: mean {ms(p.mean('avg_ms'))}, p95 {ms(p.mean('p95_ms'))} "
            f"(n = {p.requests})."
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
