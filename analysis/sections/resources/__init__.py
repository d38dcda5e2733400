"""CPU and memory of the server processes and the load generator during each cell."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.aggregate import Grid, cell_label, per_cell
from analysis.core.figstyle import base_layout
from analysis.core.section import Answer, AppliesTo, Context, Section, present
from analysis.core.store import rows
from analysis.core.wording import num, run_command
from app.contract import Row

APPLIES_TO: AppliesTo = "any"
LOAD_CPU_LIMIT = 80  # % of one core above which the load generator's timings are suspect


def read(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Row]:
    """Per cell and role (view role_ticks: summed over the role's processes at each tick,
    in the measured window): mean and max CPU % and max RSS."""
    return rows(
        con,
        """
        SELECT cell_id, role, avg(cpu_percent) AS cpu_avg_percent,
               max(cpu_percent) AS cpu_max_percent, max(rss_bytes) AS rss_max_bytes
        FROM role_ticks WHERE list_contains(?, cell_id)
        GROUP BY ALL ORDER BY cell_id, role""",
        [ids],
    )


def resource_rows(by_role: list[Row], ctx: Context) -> list[Row]:
    """'server' (master + workers summed, from cell_summary), the load generator, and each
    server role's RSS; labelled by cell, in the cells' order."""
    label = {c["cell_id"]: cell_label(c, ctx.grid.repeats) for c in ctx.cells}
    out = [
        {
            "label": label[c["cell_id"]],
            "role": "server",
            "cpu_avg_percent": c["cpu_avg_percent"],
            "cpu_max_percent": c["cpu_max_percent"],
            "rss_max_bytes": c["rss_max_bytes"],
        }
        for c in per_cell(ctx.summary)
        if c.get("cpu_avg_percent") is not None
    ]
    ok = {c["cell_id"] for c in ctx.cells if c["status"] == "ok"}
    out += [{**r, "label": label[r["cell_id"]]} for r in by_role if r["cell_id"] in ok]
    order = list(label.values())
    return sorted(out, key=lambda r: order.index(r["label"]))


def build(by_role: list[Row], ctx: Context) -> Section:
    res = resource_rows(by_role, ctx)
    return Section(
        "CPU and memory",
        "CPU and memory of the server processes and the load generator during each cell.",
        present(
            (
                figure(res),
                "100 % = one core. Server = master and workers summed at each 0.25 s sample.",
            )
        ),
        paragraphs(res, ctx.grid),
        answers=answer(res),
    )


def answer(res: Sequence[Row]) -> list[Answer]:
    """CPU and memory in one paragraph: the server's highest mean and peak CPU, its memory,
    and the load generator's highest mean."""
    server = [r for r in res if r["role"] == "server"]
    if not server:
        return []
    avg = max(server, key=lambda r: r["cpu_avg_percent"] or 0)
    rss = max(server, key=lambda r: r["rss_max_bytes"] or 0)
    lg = [r for r in res if r["role"] == "load_generator"]
    text = (
        f"The server's CPU (100 % = one core) averaged at most {num(avg['cpu_avg_percent'], 0)} "
        f"% ({avg['label']}) and its memory peaked at "
        f"{num(rss['rss_max_bytes'] / 2**20, 0)} MiB ({rss['label']})"
    )
    if lg:
        top = max(lg, key=lambda r: r["cpu_avg_percent"] or 0)
        text += (
            f"; the load generator averaged at most {num(top['cpu_avg_percent'], 0)} % of a "
            f"core ({top['label']})"
        )
    return [Answer("CPU and memory", text + ".")]


ROLES = {  # role -> (colour, legend name)
    "server": ("#34495e", "server (master + workers)"),
    "server_master": ("#95a5a6", "server master"),
    "server_worker": ("#5d7f9e", "server workers (sum)"),
    "load_generator": ("#e67e22", "load generator"),
}


def figure(res: Sequence[Row]) -> go.Figure | None:
    """Per cell: mean CPU % (bars) with the max (◆), and max RSS (MiB) per role."""
    if not res:
        return None
    labels = list(dict.fromkeys(r["label"] for r in res))
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=[
            "CPU: mean (bar) and max (◆), % of one core",
            "Memory: max RSS per role (MiB)",
        ],
    )
    roles = list(dict.fromkeys(r["role"] for r in res))
    for k, role in enumerate(roles):
        mine = {r["label"]: r for r in res if r["role"] == role}
        x = [lab for lab in labels if lab in mine]
        color, name = ROLES.get(role, ("#7f8c8d", role.replace("_", " ")))
        if role in ("server", "load_generator"):
            fig.add_trace(
                go.Bar(
                    x=x,
                    y=[mine[lab]["cpu_avg_percent"] for lab in x],
                    name=f"{name}: CPU mean",
                    offsetgroup=str(k),
                    marker={"color": color},
                    legendgroup=f"{role}cpu",
                    hovertemplate="%{x}<br>mean %{y:.0f} %<extra></extra>",
                ),
                row=1,
                col=1,
            )
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=[mine[lab]["cpu_max_percent"] for lab in x],
                    name=f"{name}: CPU max",
                    mode="markers",
                    marker={"symbol": "diamond", "color": color, "size": 8},
                    legendgroup=f"{role}cpu",
                    hovertemplate="%{x}<br>max %{y:.0f} %<extra></extra>",
                ),
                row=1,
                col=1,
            )
        if role != "server":
            fig.add_trace(
                go.Bar(
                    x=x,
                    y=[(mine[lab]["rss_max_bytes"] or 0) / 2**20 for lab in x],
                    name=f"{name}: max RSS",
                    offsetgroup=str(k),
                    legendgroup=f"{role}rss",
                    marker={"color": color, "opacity": 0.75},
                    hovertemplate="%{x}<br>%{y:.0f} MiB<extra></extra>",
                ),
                row=2,
                col=1,
            )
    fig.add_hline(
        y=LOAD_CPU_LIMIT,
        line={"color": "#e67e22", "dash": "dot", "width": 1},
        row=1,
        col=1,
        annotation_text=f"{LOAD_CPU_LIMIT} % of a core (load generator limit)",
        annotation_position="top left",
        annotation_font_size=10,
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="CPU %", row=1, col=1)
    fig.update_yaxes(title_text="RSS (MiB)", row=2, col=1)
    fig.update_xaxes(tickangle=-40, title_text="cell (strategy · workers · users)", row=2, col=1)
    return base_layout(fig, "CPU and memory per cell (after warm-up)", 720)


def paragraphs(res: Sequence[Row], grid: Grid) -> list[str]:
    """Server CPU (sum over workers) and RSS, load generator CPU, with a warning
    when the load generator averaged above 80 % of a core. res rows: label, role, cpu_avg_percent,
    cpu_max_percent, rss_max_bytes."""
    if not res:
        return [
            "No CPU or memory samples are stored for this sweep. Run "
            f"`{run_command(grid)}` (the runner samples with psutil every 0.25 s)."
        ]
    out = []
    server = [r for r in res if r["role"] == "server"]
    if server:
        top = max(server, key=lambda r: r["cpu_max_percent"] or 0)
        avg = max(server, key=lambda r: r["cpu_avg_percent"] or 0)
        rss = max(server, key=lambda r: r["rss_max_bytes"] or 0)
        out.append(
            f"The server processes (master and workers summed) peaked at "
            f"{num(top['cpu_max_percent'], 0)} % CPU in {top['label']} "
            f"({num(top['cpu_max_percent'] / 100)} cores' worth); the highest mean was "
            f"{num(avg['cpu_avg_percent'], 0)} % in {avg['label']}. Their memory peaked "
            f"at {num(rss['rss_max_bytes'] / 2**20, 0)} MiB in {rss['label']}."
        )
    lg = [r for r in res if r["role"] == "load_generator"]
    if lg:
        top = max(lg, key=lambda r: r["cpu_avg_percent"] or 0)
        out.append(
            f"The load generator averaged at most {num(top['cpu_avg_percent'], 0)} % of "
            f"a core ({top['label']}, max {num(top['cpu_max_percent'], 0)} %)."
        )
        hot = [r for r in lg if (r["cpu_avg_percent"] or 0) > LOAD_CPU_LIMIT]
        if hot:
            out.append(
                f"Warning: the load generator ran above {LOAD_CPU_LIMIT:.0f} % of a core "
                f"in {', '.join(r['label'] for r in hot)}; client timings there are "
                "suspect (the client itself queues). Re-run them with more load "
                f"processes: `{run_command(grid, **{'load.processes': 2})}`."
            )
        else:
            out.append(
                f"It stayed below {LOAD_CPU_LIMIT:.0f} % of a core in every cell, so "
                "the client timings are not limited by the client."
            )
    return out
