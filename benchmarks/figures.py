"""The measurements as figures against their targets (pure): one `Figure` per row of the table
printed and written to BENCHMARKS.md."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.contract import HASHINGS, HEALTH_PATH, REGISTER_PATH
from benchmarks.agreement import Agreement
from benchmarks.connections import ConnectionCost
from benchmarks.ingest import IngestRate
from benchmarks.overhead import SweepOverhead
from benchmarks.report_time import ReportTime
from benchmarks.stats import median, quantile, ratio
from benchmarks.strategies import STRATEGIES, StrategyRun

NON_BLOCKING = tuple(h for h in HASHINGS if h != "blocking")
HEALTH, REGISTER = HEALTH_PATH, REGISTER_PATH
OVERHEAD_LIMIT_S = 1.5  # item 1: the runner's median overhead per cell
REPORT_LIMIT_S = 5  # item 8: `python -m analysis` on 60 cells, median


@dataclass(frozen=True)
class Figure:
    item: str  # "1", "4 threadpool", ...
    what: str
    value: float | None
    unit: str
    target: str
    met: bool | None  # None: reported, no target
    detail: str = ""

    def shown(self) -> str:
        if self.value is None:
            return "n/a"
        digits = 0 if abs(self.value) >= 1000 else 2 if abs(self.value) < 100 else 1
        return f"{self.value:,.{digits}f} {self.unit}".strip()

    @property
    def verdict(self) -> str:
        return {True: "yes", False: "NO", None: "-"}[self.met]


def at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def at_least(value: float | None, limit: float) -> bool | None:
    return None if value is None else value >= limit


def overhead_figures(o: SweepOverhead) -> list[Figure]:
    per = ", ".join(
        f"w{c.workers}u{c.users} {c.overhead_s:.1f}s "
        f"(before {c.before_s:.1f}, after {c.after_s:.1f})"
        for c in o.cells
    )
    return [
        Figure(
            "1",
            "runner overhead per cell (median)",
            o.median_s,
            "s",
            f"<= {OVERHEAD_LIMIT_S} s",
            at_most(o.median_s, OVERHEAD_LIMIT_S),
            f"{len(o.cells)} cells: {per}",
        )
    ]


def ingest_figures(i: IngestRate) -> list[Figure]:
    rows = i.runs[0].rows if i.runs else 0
    secs = ", ".join(f"{r.seconds:.2f}" for r in i.runs)
    base = max((r.rss_before_bytes / 1e6 for r in i.runs), default=0)
    return [
        Figure(
            "2",
            "ingest rate (median)",
            i.rows_per_s,
            "rows/s",
            ">= 1,000,000 rows/s",
            at_least(i.rows_per_s, 1e6),
            f"{rows:,} rows; runs {secs} s",
        ),
        Figure(
            "2",
            "runner peak RSS during ingest",
            i.peak_rss_mb,
            "MB",
            "<= 500 MB",
            at_most(i.peak_rss_mb, 500),
            f"RSS before ingest {base:.0f} MB",
        ),
    ]


def run_s(runs: Sequence[StrategyRun]) -> float | None:
    """S of the run: median of the hash_ms every strategy cell measured."""
    return median(r.hash_ms for r in runs)


def strategy_figures(runs: Sequence[StrategyRun], cpus: int) -> list[Figure]:
    """Items 4 and 5, per strategy: medians over the strategy's repeats."""
    s_ms = run_s(runs)
    ceiling = ratio(cpus * 1000.0, s_ms)
    out = []
    for h in STRATEGIES:
        mine = [r for r in runs if r.hashing == h]
        if not mine:
            continue
        rps = median(r.register_rps for r in mine)
        fails = sum(r.register_failures for r in mine)
        if h == "blocking":
            x = ratio(rps, ratio(1000.0, s_ms))
            out.append(
                Figure(
                    "4 blocking",
                    "register rps x S (1/S expected)",
                    x,
                    "",
                    "~ 1 (report; 0.85-1.15)",
                    None if x is None else abs(x - 1) <= 0.15,
                    f"{rps:.1f} rps, 1/S = {1000 / s_ms:.1f}/s" if s_ms else "",
                )
            )
        else:
            x = ratio(rps, ceiling)
            cpu = median(r.server_cpu_avg_percent for r in mine)
            out.append(
                Figure(
                    f"4 {h}",
                    "register rps / (cpus / S)",
                    x,
                    "",
                    ">= 0.85",
                    at_least(x, 0.85),
                    f"{rps:.1f} of {ceiling or 0:.1f} rps; server CPU {cpu or 0:.0f} %"
                    f"; {fails} failures",
                )
            )
    for h in STRATEGIES:
        mine = [r for r in runs if r.hashing == h]
        if not mine:
            continue
        per = [
            ratio(quantile(r.health_saturated_ms, 0.95), quantile(r.health_idle_ms, 0.95))
            for r in mine
        ]
        x = median(per)
        sat = median(quantile(r.health_saturated_ms, 0.95) for r in mine)
        idle = median(quantile(r.health_idle_ms, 0.95) for r in mine)
        n = sum(len(r.health_saturated_ms) for r in mine)
        out.append(
            Figure(
                f"5 {h}",
                "health p95 saturated / idle",
                x,
                "",
                "<= 5" if h in NON_BLOCKING else "(report)",
                at_most(x, 5) if h in NON_BLOCKING else None,
                f"p95 {sat or 0:.1f} vs {idle or 0:.1f} ms; {n} saturated samples",
            )
        )
    return out


def headroom_figures(runs: Sequence[StrategyRun]) -> list[Figure]:
    """Item 7: locust CPU in the heaviest (highest register rps) cell of item 4."""
    if not runs:
        return []
    heavy = max(runs, key=lambda r: r.register_rps)
    top = max((r.load_cpu_avg_percent or 0) for r in runs)
    return [
        Figure(
            "7",
            "locust CPU in the heaviest cell",
            heavy.load_cpu_avg_percent,
            "%",
            "<= 50 % of one core",
            at_most(heavy.load_cpu_avg_percent, 50),
            f"{heavy.hashing} cell at {heavy.register_rps:.1f} rps; max over item-4 "
            f"cells {top:.0f} %",
        )
    ]


def agreement_figures(a: dict[str, Agreement]) -> list[Figure]:
    out = []
    for endpoint in (HEALTH, REGISTER):
        g = a.get(endpoint)
        if g is None:
            continue
        name = "health" if endpoint == HEALTH else "register"
        out.append(
            Figure(
                f"6 {name}",
                "client mean - server mean",
                g.wait_avg_ms,
                "ms",
                "<= 2 ms" if endpoint == HEALTH else "(report)",
                at_most(g.wait_avg_ms, 2) if endpoint == HEALTH else None,
                f"client {g.client_avg_ms:.2f} / server {g.server_avg_ms:.2f} ms; "
                f"{g.joined} joined",
            )
        )
    return out


def report_figures(r: ReportTime) -> list[Figure]:
    return [
        Figure(
            "8",
            f"`python -m analysis`, {r.cells} cells (median)",
            r.cli_median_s,
            "s",
            f"<= {REPORT_LIMIT_S} s",
            at_most(r.cli_median_s, REPORT_LIMIT_S),
            "runs " + ", ".join(f"{s:.2f}" for s in r.cli_s) + " s",
        ),
        Figure(
            "8",
            "build_report in process (median)",
            r.in_process_median_s,
            "s",
            "(reported)",
            None,
            "runs " + ", ".join(f"{s:.2f}" for s in r.in_process_s) + " s",
        ),
    ]


def connection_figures(c: ConnectionCost) -> list[Figure]:
    return [
        Figure(
            "9",
            "health client mean, per_request - persistent (1 user)",
            c.cost_ms,
            "ms",
            "<= 0.5 ms (report)",
            at_most(c.cost_ms, 0.5),
            f"{c.pairs} ABBA pairs of 1-worker health cells; median mean per_request "
            f"{median(c.per_request_ms) or 0:.2f} ms, persistent "
            f"{median(c.persistent_ms) or 0:.2f} ms; {c.requests:,} requests",
        )
    ]
