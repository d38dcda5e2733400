"""Cells that ran at the same time on one machine (`cells.overlapped_on_host`), or beside
other processes' load (`cells.foreign_load`), as report text.

A parallel launcher (hydra/launcher=submitit_local, or several SLURM jobs on one node) can run
cells side by side; they share the host's CPUs, so their latencies and throughputs measure
the neighbours too. The report names them instead of silently comparing them.
"""

from __future__ import annotations

from collections.abc import Sequence

from analysis.core.aggregate import cell_label
from app.contract import Row

SENTENCE = "these cells ran at the same time on one machine; their numbers are not comparable"


def overlap_text(cells: Sequence[Row]) -> str | None:
    """One sentence per host naming its cells flagged overlapped_on_host, in job order; None
    when no cell overlapped."""
    repeats = len({c.get("repeat") for c in cells}) > 1
    hosts: dict[str, list[str]] = {}
    for c in cells:
        if c.get("overlapped_on_host"):
            label = f"job {c.get('job_num')}: {cell_label(c, repeats)}"
            hosts.setdefault(str(c.get("host") or "?"), []).append(label)
    parts = [f"On {host}, {', '.join(labels)}: {SENTENCE}." for host, labels in hosts.items()]
    busy = [
        f"job {c.get('job_num')}: {cell_label(c, repeats)} ({c['foreign_cpu_pct']:.0f} % of a "
        f"core on average, peak {c.get('foreign_cpu_max_pct') or 0:.0f} %)"
        for c in cells
        if c.get("foreign_load") and c.get("foreign_cpu_pct") is not None
    ]
    if busy:
        parts.append(
            f"Foreign load: other processes on the machine took CPU during {', '.join(busy)}; "
            'these cells measured a busier machine than the others (README, "Foreign load", '
            "says how to rerun just them)."
        )
    return " ".join(parts) or None
