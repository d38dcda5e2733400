"""The workers section's points: blocking, mixed scenario, per connection mode, worker count
and user count, averaged over repeats."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.core.aggregate import endpoint_kind
from analysis.core.model import mean_of
from analysis.core.wording import spread
from app.contract import Row

USERS = (5, 10)
PINNED = ("persistent", "shared")
MODE_WORDS = {
    ("persistent", "shared"): "kept-alive connections on one shared socket",
    ("per_request", "shared"): "a new connection per request on one shared socket",
    ("persistent", "reuseport"): "kept-alive connections on a socket per worker",
    ("per_request", "reuseport"): "a new connection per request on a socket per worker",
}


def mode_of(row: Row) -> tuple[str, str]:
    """(load.connections, server.balance) of a row; stores before v4 ran persistent+shared."""
    return (row.get("connections") or "persistent", row.get("balance") or "shared")


def mode_label(mode: tuple[str, str]) -> str:
    return f"{mode[0]} · {mode[1]}"


def mode_words(mode: tuple[str, str]) -> str:
    return MODE_WORDS.get(mode, mode_label(mode))


@dataclass(frozen=True)
class WorkerPoint:
    """Blocking, mixed scenario, one (mode, workers, users): means over repeats."""

    mode: tuple[str, str]
    workers: int
    users: int
    register_ms: float
    health_p95_ms: float
    busiest: float  # the busiest worker's share of requests (nan: unknown)
    used: float  # workers that served >= 5 % (nan: unknown)
    cells: int

    def spread(self) -> str:
        return spread(self.workers, self.busiest, self.used)


def worker_points(summary: Sequence[Row], users: Sequence[int] = USERS) -> list[WorkerPoint]:
    """cell_summary rows -> one point per (mode, workers, users) of blocking mixed cells."""
    groups: dict[tuple[tuple[str, str], int, int], list[Row]] = defaultdict(list)
    for r in summary:
        if r["hashing"] == "blocking" and r["scenario"] == "mixed" and r["users"] in users:
            groups[(mode_of(r), r["workers"], r["users"])].append(r)
    out = []
    for (mode, w, u), rows in groups.items():
        reg = [r["avg_ms"] for r in rows if endpoint_kind(r["endpoint"]) == "register"]
        hp95 = [r["p95_ms"] for r in rows if endpoint_kind(r["endpoint"]) == "health"]
        out.append(
            WorkerPoint(
                mode=mode,
                workers=w,
                users=u,
                register_ms=mean_of(reg),
                health_p95_ms=mean_of(hp95),
                busiest=mean_of([r.get("busiest_worker_share") for r in rows]),
                used=mean_of([r.get("workers_used") for r in rows]),
                cells=len({r["cell_id"] for r in rows}),
            )
        )
    return sorted(out, key=lambda p: (p.users, p.mode != PINNED, p.mode, p.workers))
