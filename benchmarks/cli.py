"""`python -m benchmarks [--quick] [--out BENCHMARKS.md] [--work DIR]`: the thin shell.

Runs every measurement in one process, one after the other (never two at once), prints the
figures as a table and rewrites the markdown file. A measurement that fails is reported as such
and the others still run; the exit code is 1 then.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import re
import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import psutil
from rich.console import Console

from benchmarks import figures as fig
from benchmarks import figures_instrument as fig_instrument
from benchmarks.agreement import measure_agreement
from benchmarks.connections import measure_connection_cost
from benchmarks.document import add_remeasured, markdown, remeasured_section, rich_table
from benchmarks.ingest import measure_ingest
from benchmarks.instrument import measure_instrument_cost
from benchmarks.instrument_parts import measure_instrument_parts
from benchmarks.mainjob import SECTION as MAINJOB_SECTION
from benchmarks.mainjob import existing_section, replace_section
from benchmarks.openloop_bench import SECTION as OPENLOOP_SECTION
from benchmarks.overhead import measure_overhead
from benchmarks.plan import FULL, QUICK, Plan
from benchmarks.report_time import measure_report_time
from benchmarks.strategies import measure_strategies
from benchmarks.watchdog import measure_watchdog_cost
from runner.store.environment import cpu_model, git_sha, usable_cpus
from runner.store.session import release_store

KEPT = (MAINJOB_SECTION, OPENLOOP_SECTION)  # BENCHMARKS.md sections other commands write


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--quick", action="store_true", help="smaller, shorter: under a minute")
    p.add_argument("--out", type=Path, default=Path("BENCHMARKS.md"), help="markdown to write")
    p.add_argument(
        "--only",
        default=None,
        help="comma-separated item numbers (e.g. 9): run only their steps and add their "
        "figures to an existing --out file as a dated section below the main table",
    )
    p.add_argument(
        "--work",
        type=Path,
        default=None,
        help="keep cell dirs and stores here (default: a temp dir, removed)",
    )
    return p


def machine() -> dict[str, str]:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "machine": f"{cpu_model()}, {usable_cpus()} usable CPUs, "
        f"{psutil.virtual_memory().total / 2**30:.1f} GiB RAM",
        "python": f"{platform.python_version()} on {platform.platform()}",
        "git": git_sha() or "unknown",
        "load average at start (1, 5, 15 min)": load,
    }


def step_items(name: str) -> set[str]:
    """The item numbers a step measures, from its name: '4, 5, 7 strategies' -> 4, 5, 7."""
    head = re.match(r"^[\d, ]+", name)
    return set(re.findall(r"\d+", head.group(0))) if head else set()


def run_all(
    plan: Plan,
    work: Path,
    say: Callable[[str], None],
    took: dict[str, str],
    only: set[str] | None = None,
) -> tuple[list[fig.Figure], list[str]]:
    """Every measurement, in order; (figures, one line per failed measurement). The wall time
    of each step goes into `took`."""
    cpus = usable_cpus()
    store, sweep = work / "bench.duckdb", f"bench-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    out: list[fig.Figure] = []
    errors: list[str] = []

    def step(name: str, work_fn: Callable[[], list[fig.Figure]]) -> None:
        if only is not None and not step_items(name) & only:
            return
        say(f"[bold]{name}[/] ...")
        t0 = time.monotonic()
        try:
            got = work_fn()
        except Exception as exc:  # one failed measurement must not hide the others
            errors.append(f"{name}: {type(exc).__name__}: {str(exc).strip()[:300]}")
            say(f"  [red]failed[/]: {errors[-1]}")
            return
        out.extend(got)
        took[f"time of step {name}"] = f"{time.monotonic() - t0:.1f} s"
        say(f"  done in {took[f'time of step {name}']}")

    p = plan
    step(
        "2 ingest",
        lambda: fig.ingest_figures(
            measure_ingest(
                work, request_rows=p.ingest_requests, lag_rows=p.ingest_lag, runs=p.ingest_runs
            )
        ),
    )
    step(
        "8 report build",
        lambda: fig.report_figures(measure_report_time(work, builds=p.report_builds)),
    )
    step(
        "3 instrumentation A/B",
        lambda: fig_instrument.instrument_figures(
            measure_instrument_cost(work, pairs=p.ab_pairs, seconds=p.ab_seconds)
        ),
    )
    step(
        "3 instrumentation parts",
        lambda: fig_instrument.instrument_parts_figures(
            measure_instrument_parts(work, rounds=p.ab_pairs, seconds=p.ab_seconds)
        ),
    )
    step(
        "10 stall watchdog A/B",
        lambda: fig_instrument.watchdog_figures(
            measure_watchdog_cost(work, pairs=p.ab_pairs, seconds=p.ab_seconds)
        ),
    )
    step(
        "6 sequential client vs server",
        lambda: fig.agreement_figures(
            measure_agreement(
                work,
                store,
                sweep,
                job_num=0,
                requests=p.sequential_requests,
                rounds=p.rounds,
                warmup=p.sequential_warmup,
            )
        ),
    )

    def strategies() -> list[fig.Figure]:
        runs = measure_strategies(
            work,
            store,
            sweep,
            repeats=p.strategy_repeats,
            first_job=1,
            users=4 * cpus,
            rounds=p.rounds,
            idle_s=p.idle_s,
            warmup=p.strategy_warmup,
            duration=p.strategy_duration,
        )
        return fig.strategy_figures(runs, cpus) + fig.headroom_figures(runs)

    step("4, 5, 7 strategies", strategies)
    step(
        "9 per_request vs persistent connections",
        lambda: fig.connection_figures(
            measure_connection_cost(
                work,
                store,
                sweep,
                first_job=100,
                pairs=p.connection_pairs,
                warmup=p.connection_warmup,
                duration=p.connection_duration,
            )
        ),
    )
    release_store(store)
    step(
        "1 runner overhead sweep",
        lambda: fig.overhead_figures(
            measure_overhead(
                work,
                workers=p.overhead_workers,
                users=p.overhead_users,
                warmup=p.overhead_warmup,
                duration=p.overhead_duration,
                rounds=p.rounds,
            )
        ),
    )
    return sorted(out, key=item_order), errors


def item_order(f: fig.Figure) -> int:
    """Rows in item order, numerically ("10 ..." after "9 ...", not among the 1s)."""
    head = f.item.split(" ", 1)[0]
    return int(head) if head.isdigit() else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    plan = QUICK if args.quick else FULL
    console = Console(width=None if sys.stdout.isatty() else 150)
    command = shlex.join(["python", "-m", "benchmarks", *(sys.argv[1:] if argv is None else argv)])
    about = machine()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="syncblock-bench-") as tmp:
        work = (args.work or Path(tmp)).resolve()
        work.mkdir(parents=True, exist_ok=True)
        took: dict[str, str] = {}
        only = None if args.only is None else set(args.only.replace(" ", "").split(","))
        figures, errors = run_all(plan, work, console.print, took, only)
    about["load average at end"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    about["wall time of this run"] = f"{time.monotonic() - t0:.0f} s ({plan.name})"
    about |= took
    console.print(rich_table(figures, f"syncblock benchmarks ({plan.name})"))
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = markdown(
        figures,
        machine=about,
        command=command,
        date=date,
        plan=dataclasses.asdict(plan),
        errors=errors,
    )
    old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    # the main job's and the open loop's figures come from their own stores, kept as written
    kept = {h: k for h in KEPT if (k := existing_section(old, h)) is not None}
    for k in kept.values():
        old = old.replace(k, "").rstrip("\n") + "\n"
    if only is not None and old:  # the main table stays one run's: these go below it
        section = remeasured_section(
            figures, date=date, command=command, about=about, errors=errors
        )
        text = add_remeasured(old, section)
    for h, k in kept.items():
        text = replace_section(text, k, h)
    args.out.write_text(text, encoding="utf-8")
    console.print(
        f"written to {args.out}  ({about['wall time of this run']}, "
        f"load {about['load average at start (1, 5, 15 min)']} -> "
        f"{about['load average at end']})"
    )
    return 1 if errors else 0
