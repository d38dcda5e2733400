"""Cells that ran at the same time on one machine (`cells.overlapped_on_host`), as report text.

A parallel launcher (hydra/launcher=submitit_local, or several SLURM jobs on one node) can run
cells side by side; they share the host's CPUs, so their latencies and throughputs measure
the neighbours too. The report names them instead of silently comparing them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analysis.core.aggregate import cell_label

SENTENCE = "these cells ran at the same time on one machine; their numbers are not comparable"


def overlapped(cells: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """host -> labels of its cells flagged overlapped_on_host, in job order (pure)."""
    repeats = len({c.get("repeat") for c in cells}) > 1
    out: dict[str, list[str]] = {}
    for c in cells:
        if c.get("overlapped_on_host"):
            label = f"job {c.get('job_num')}: {cell_label(c, repeats)}"
            out.setdefault(str(c.get("host") or "?"), []).append(label)
    return out


def overlap_text(cells: Sequence[dict[str, Any]]) -> str | None:
    """One sentence per host naming its overlapped cells; None when no cell overlapped."""
    hosts = overlapped(cells)
    if not hosts:
        return None
    parts = [f"On {host}, {', '.join(labels)}: {SENTENCE}." for host, labels in hosts.items()]
    return " ".join(parts)
