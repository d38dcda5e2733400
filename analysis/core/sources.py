"""Pure: /api/health/ by who asked, and the cells another process's load disturbed.

Who asked. A closed-loop user sends its next request only when its last one is answered, so
it never collides with its own registration; the steady probe (`load.probe_hz`) sends when it
is due, whatever the server is doing. At the same cell the two see different health times
(at 1 worker and 1 user: about a millisecond for the user, up to S for the probe), so the
report never pools them: cell_summary's health row keeps every request (`all_*`), and the
report's rows carry the users' requests in the usual columns and the probe's as `probe_*`.

Foreign load. A cell whose `cells.foreign_load` is set ran while other processes took more
than a threshold of the machine: the verdict, the model and the workers section leave it out
and say so; every other sentence that uses it names it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from analysis.core.aggregate import endpoint_kind
from app.contract import Row

STATS = ("requests", "avg_ms", "p50_ms", "p95_ms", "p99_ms")


def by_who_asked(summary: Sequence[Row], by_source: Sequence[Row]) -> list[Row]:
    """cell_summary rows with each health row split: the users' requests in `requests`,
    `avg_ms` ... `p99_ms` (and `rps`), the probe's as `probe_*`, the pooled ones as `all_*`.
    Other endpoints, and health rows without a users' split, are kept as they are."""
    split: dict[tuple[str, str, str], Row] = {
        (r["cell_id"], r["endpoint"], r["source"]): r for r in by_source
    }
    out = []
    for r in summary:
        if endpoint_kind(r.get("endpoint")) != "health":
            out.append(r)
            continue
        user = split.get((r["cell_id"], r["endpoint"], "user"))
        probe = split.get((r["cell_id"], r["endpoint"], "probe"))
        row = {**r, **{f"all_{k}": r.get(k) for k in STATS}}
        if user is not None:
            row.update({k: user[k] for k in STATS})
            if r.get("rps") is not None and r.get("requests"):
                row["rps"] = r["rps"] * user["requests"] / r["requests"]
        row.update({f"probe_{k}": probe[k] if probe else None for k in STATS})
        out.append(row)
    return out


def foreign(row: Row) -> bool:
    """Did another process's load disturb this cell (`cells.foreign_load`)?"""
    return bool(row.get("foreign_load"))


def quiet(rows: Sequence[Row]) -> list[Row]:
    """The rows of cells no foreign load disturbed."""
    return [r for r in rows if not foreign(r)]


def foreign_note(cells: Sequence[Row]) -> str:
    """'' when no cell was disturbed; else a clause naming the cells left out, with their
    foreign CPU (100 % = one core)."""
    bad = [c for c in cells if foreign(c)]
    if not bad:
        return ""
    seen: dict[str, Row] = {c["cell_id"]: c for c in bad}
    named = ", ".join(
        f"{c['hashing']} {c['workers']} w × {c['users']} u"
        + (f" r{c['repeat']}" if (c.get("repeat") or 1) != 1 else "")
        + f" ({_pct(c.get('foreign_cpu_pct'))} foreign CPU)"
        for c in seen.values()
    )
    n = len(seen)
    return (
        f"Left out: {n} cell{'' if n == 1 else 's'} that ran beside another process's load "
        f"(flagged foreign_load): {named}; rerun {'it' if n == 1 else 'them'} on a quiet "
        'machine (README, "Foreign load").'
    )


def _pct(x: float | None) -> str:
    return "?" if x is None or math.isnan(x) else f"{x:.0f} %"
