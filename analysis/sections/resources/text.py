"""The resources section's paragraphs: server CPU and RSS, and whether the load generator's
own CPU makes the client timings suspect."""

from __future__ import annotations

from collections.abc import Sequence

from analysis.core.aggregate import Grid
from analysis.core.wording import num, run_command
from app.contract import Row

LOAD_CPU_LIMIT = 80  # % of one core above which the load generator's timings are suspect


def resources(res: Sequence[Row], grid: Grid) -> list[str]:
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
