"""How is responsiveness affected under load? Client latency per endpoint against users."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from analysis.core.aggregate import Grid, Point, at, by_endpoint, lines, strategies
from analysis.core.cores import SEED, core_bound, cores_note
from analysis.core.figstyle import (
    STAT_DASH,
    STAT_NAME,
    USERS_AXIS,
    LegendOnce,
    base_layout,
    error_bars,
    facets,
    series_colors,
    values,
)
from analysis.core.section import Answer, AppliesTo, Context, Section, present, read_nothing
from analysis.core.wording import count, ms, run_command, spread_note, times
from app.contract import HEALTH_PATH, LOGIN_PATH, REGISTER_PATH

APPLIES_TO: AppliesTo = "any"
read = read_nothing


def build(data: None, ctx: Context) -> Section:
    return Section(
        "Responsiveness under load",
        "How is responsiveness affected under load?",
        present(
            (
                figure(ctx.load),
                "Client-side latency per endpoint, the users' own requests (the steady "
                "probe's health requests are apart, in the next section); one colour per "
                "worker count; ✕ marks cells with failed requests.",
            )
        ),
        paragraphs(ctx.load, ctx.grid) + who_asked(ctx.load),
        answers=answer(ctx.load),
    )


def answer(pts: Sequence[Point]) -> list[Answer]:
    """Responsiveness under load in one paragraph: health and register p95 per strategy at
    the highest user count, and health's growth from the lowest."""
    if not pts:
        return []
    users, low = max(p.users for p in pts), min(p.users for p in pts)
    parts = []
    for h in strategies(pts):
        here = {p.endpoint: p for p in sorted(at(pts, h, users), key=lambda p: p.workers)}
        base = {p.endpoint: p for p in sorted(at(pts, h, low), key=lambda p: p.workers)}
        bits = [
            f"{e} p95 {ms(here[e].mean('p95_ms'))}"
            + (
                f" (from {ms(base[e].mean('p95_ms'))} at {low})"
                if e in base and low != users
                else ""
            )
            for e in ("health", "register")
            if e in here
        ]
        if bits:
            w = next(iter(here.values())).series
            parts.append(f"{h} ({w}): " + ", ".join(bits))
    if not parts:
        return []
    return [
        Answer(
            "Responsiveness under load",
            f"At {users} users (the users' own requests; health is a GET the users send "
            "between registrations): " + "; ".join(parts) + ".",
        )
    ]


def who_asked(pts: Sequence[Point]) -> list[str]:
    """Health by who asked at one cell: the closed-loop users against the steady probe, with
    numbers; then the seed's 4 w x 5 u figure beside ours, and what the core count explains."""
    hp = [p for p in by_endpoint(pts, "health") if p.stats.get("probe_avg_ms")]
    if not hp:
        return []
    blocking = [p for p in hp if p.hashing == "blocking"] or hp
    p = min(blocking, key=lambda p: (p.workers, p.users))
    n_probe = round(p.mean("probe_requests") * p.stats["probe_requests"].n)
    out = [
        f"Who asked matters for /api/health/. At {p.hashing}, {p.series}, "
        f"{count(p.users, 'user')}, "
        f"the users' health requests took {ms(p.mean('avg_ms'))} on average (p95 "
        f"{ms(p.mean('p95_ms'))}, n = {p.requests}) and the steady probe's "
        f"{ms(p.mean('probe_avg_ms'))} (p95 {ms(p.mean('probe_p95_ms'))}, n = {n_probe}): a "
        "closed-loop user sends its next request only once its registration is answered, so it "
        "never waits behind its own hash, while the probe, sent every 200 ms whatever the "
        "server is doing, lands inside a hash "
        f"(S = {ms(p.hash_ms)}) whenever one is running. The figures above and the verdict "
        'show the users\' requests; section "Health while registrations run" shows both.'
    ]
    seed = [
        q
        for q in hp
        if q.hashing == "blocking" and (q.workers, q.users) == (SEED["workers"], SEED["users"])
    ]
    if seed:
        q = seed[0]
        reg = [
            r
            for r in at(pts, "blocking", q.users)
            if r.endpoint == "register" and r.series == q.series
        ]
        reg_ms = reg[0].mean("avg_ms") if reg else float("nan")
        out.append(
            f"The seed reports {SEED['workers']} w × {SEED['users']} u blocking health at "
            f"{ms(SEED['health_ms'])}; here the users' mean is {ms(q.mean('avg_ms'))} "
            f"(n = {q.requests}) and the probe's {ms(q.mean('probe_avg_ms'))}. Most of the gap "
            f"is the machine: the seed's register mean of {ms(SEED['register_ms'])} is about its "
            f"S ({ms(SEED['s_ms'])}), so its four workers hashed at once on at least four "
            f"cores; here the register mean is {ms(reg_ms)}: {cores_note(q)}."
        )
    for q in by_endpoint(pts, "register"):
        if core_bound(q) and q.users == max(p.users for p in pts) and not seed:
            out.append(f"blocking, {q.series}, {q.users} users: {cores_note(q)}.")
    return out


ENDPOINT_TITLE = {
    "health": f"GET {HEALTH_PATH} (users')",
    "register": f"POST {REGISTER_PATH}",
    "login": f"POST {LOGIN_PATH}",
}


def figure(pts: Sequence[Point]) -> go.Figure | None:
    """Client avg/p50/p95/p99 vs users: rows = endpoint, columns = strategy, a colour per line
    (worker count), a dash per statistic, log y, failures marked."""
    if not pts:
        return None
    endpoints = [e for e in ENDPOINT_TITLE if by_endpoint(pts, e)]
    endpoints += sorted({p.endpoint for p in pts} - set(endpoints))
    fig, cols = facets(pts, endpoints, lambda e, h: f"{ENDPOINT_TITLE.get(e, e)} · {h}")
    colors = series_colors([p.series for p in pts])
    legend = LegendOnce()
    for i, e in enumerate(endpoints, start=1):
        for j, h in enumerate(cols, start=1):
            for s, line in lines(by_endpoint(pts, e), h):
                for stat, dash in STAT_DASH.items():
                    name = f"{s} · {STAT_NAME[stat]}"
                    fig.add_trace(
                        go.Scatter(
                            x=[p.users for p in line],
                            y=values(line, stat),
                            name=name,
                            legendgroup=name,
                            showlegend=legend(name),
                            mode="lines+markers",
                            line={
                                "color": colors[s],
                                "dash": dash,
                                "width": 2 if stat == "p95_ms" else 1.2,
                            },
                            marker={"size": 5},
                            error_y=error_bars(line, stat),
                            hovertemplate=f"{h} {s}<br>%{{x}} users<br>{STAT_NAME[stat]} "
                            "%{y:.1f} ms<extra></extra>",
                        ),
                        row=i,
                        col=j,
                    )
                bad = [p for p in line if p.failures]
                if bad:
                    fig.add_trace(
                        go.Scatter(
                            x=[p.users for p in bad],
                            y=values(bad, "p99_ms"),
                            mode="markers",
                            name="had failures",
                            legendgroup="fail",
                            showlegend=legend("had failures"),
                            marker={"symbol": "x", "size": 12, "color": "black"},
                            text=[f"{p.failures} failed of {p.requests}" for p in bad],
                            hovertemplate="%{text}<extra></extra>",
                        ),
                        row=i,
                        col=j,
                    )
            fig.update_yaxes(
                type="log", row=i, col=j, title_text="client latency (ms, log)" if j == 1 else None
            )
            fig.update_xaxes(row=i, col=j, title_text=USERS_AXIS if i == len(endpoints) else None)
    fig.update_xaxes(tickvals=sorted({p.users for p in pts}))
    return base_layout(
        fig,
        "Client latency vs concurrent users (avg solid, p50 dotted, p95 dashed, p99 long-dashed)",
        140 + 300 * len(endpoints),
    )


def paragraphs(pts: Sequence[Point], grid: Grid) -> list[str]:
    """Client percentiles per endpoint at the highest load, and their growth."""
    if not pts:
        return [f"No client requests are stored for a load scenario. Run `{run_command(grid)}`."]
    users = max(p.users for p in pts)
    low = min(p.users for p in pts)
    out = []
    for h in strategies(pts):
        parts = [
            f"{p.endpoint} p95 {ms(p.mean('p95_ms'))} (p99 {ms(p.mean('p99_ms'))}, "
            f"n = {p.requests}) with {p.series}" + (f" {spread_note(p)}" if spread_note(p) else "")
            for p in at(pts, h, users)
        ]
        text = f"At {users} users, {h}: " + "; ".join(parts) + "."
        grow = [
            (p, q)
            for p in at(pts, h, users)
            for q in at(pts, h, low)
            if users != low and p.series == q.series and p.endpoint == q.endpoint
        ]
        if grow:
            p, q = max(grow, key=lambda pq: pq[0].mean("p95_ms") / max(pq[1].mean("p95_ms"), 1e-9))
            text += (
                f" From {low} to {users} users its {p.endpoint} p95 ({p.series}) went from "
                f"{ms(q.mean('p95_ms'))} to {ms(p.mean('p95_ms'))} "
                f"({times(p.mean('p95_ms') / q.mean('p95_ms'))})."
            )
        out.append(text)
    failed = [p for p in pts if p.failures]
    if failed:
        total = sum(p.failures for p in failed)
        where = ", ".join(
            f"{p.hashing} {p.series} {p.users} u {p.endpoint} ({p.failures})" for p in failed[:6]
        )
        out.append(f"{count(total, 'request')} failed (marked ✕ in the figure): {where}.")
    else:
        out.append("No request failed in any cell.")
    if len(grid.values("users")) < 2:
        out.append(
            "Only one user count was run; to see how latency grows with load, run "
            f"`{run_command(grid, users=[1, 5, 10])}`."
        )
    return out
