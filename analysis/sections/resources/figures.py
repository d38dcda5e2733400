"""The resources section's figure: CPU (mean and max) and RSS per cell and process role."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.figstyle import base_layout
from analysis.sections.resources.text import LOAD_CPU_LIMIT
from app.contract import Row

ROLE_COLORS = {
    "server": "#34495e",
    "server_master": "#95a5a6",
    "server_worker": "#5d7f9e",
    "load_generator": "#e67e22",
}


ROLE_NAMES = {
    "server": "server (master + workers)",
    "server_master": "server master",
    "server_worker": "server workers (sum)",
    "load_generator": "load generator",
}


def resources(res: Sequence[Row]) -> go.Figure | None:
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
        color = ROLE_COLORS.get(role, "#7f8c8d")
        name = ROLE_NAMES.get(role, role.replace("_", " "))
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
