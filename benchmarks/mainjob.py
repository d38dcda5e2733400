"""The runner's overhead measured on the main job's own cells, read from its store.

`python -m benchmarks.mainjob [STORE] [--wall SECONDS] [--write BENCHMARKS.md]` reads the latest
sweep of a store (by default outputs/results.duckdb, where the README's main job writes) and
prints, and with --write puts into BENCHMARKS.md's "Main job" section:

- overhead per cell = the job's span (its start to the next job's start; the last one: to the
  sweep's end) - its load time (warm-up + duration; a sequential cell: first request to
  locust's end). So ingest, Hydra's switch to the next job and everything else are included;
- its parts: before (cell start -> locust's first request: S, server start and readiness,
  locust start), after (end of the measured window -> cell end: locust exit, server stop;
  a closed loop no longer drains its in-flight requests, see README "The measured window"),
  between (cell end -> next job's start: ingest, progress line,
  Hydra's next job);
- the sweep's wall time against 1.15 x the sum of load times + 60 s (pass --wall with the
  command's own wall time, else the sweep's recorded start to end is used: no Python start-up
  and no report build).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from benchmarks.figures import Figure, at_most
from benchmarks.stats import median

SECTION = "## Main job"

_SQL = """
WITH latest AS (
    SELECT sweep_id FROM sweeps ORDER BY started_at DESC LIMIT 1
)
SELECT c.job_num, c.scenario, c.status, c.warmup_s, c.duration_s,
       epoch(c.started_at) AS t_start, epoch(c.finished_at) AS t_end,
       c.t_load_start, c.t_measure_end,
       epoch(s.started_at) AS sweep_start, epoch(s.finished_at) AS sweep_end, s.argv
FROM cells c JOIN sweeps s USING (sweep_id)
WHERE c.sweep_id = (SELECT sweep_id FROM latest)
ORDER BY c.job_num
"""


@dataclass(frozen=True)
class JobTime:
    job_num: int
    scenario: str
    load_s: float
    span_s: float
    before_s: float
    after_s: float
    between_s: float

    @property
    def overhead_s(self) -> float:
        return self.span_s - self.load_s


@dataclass(frozen=True)
class MainJob:
    argv: str
    jobs: list[JobTime]
    wall_s: float
    wall_measured: bool  # the command's own wall time (True) or the sweep's recorded span

    @property
    def load_s(self) -> float:
        return sum(j.load_s for j in self.jobs)

    @property
    def wall_limit_s(self) -> float:
        return 1.15 * self.load_s + 60


def job_times(rows: Sequence[dict[str, object]]) -> list[JobTime]:
    """Each ok cell's span, load and parts, from cells ordered by job_num (pure)."""
    out = []
    for i, r in enumerate(rows):
        if r["status"] != "ok":
            continue
        t0, t1 = float(r["t_start"]), float(r["t_end"])  # type: ignore[arg-type]
        nxt = float(rows[i + 1]["t_start"]) if i + 1 < len(rows) else float(r["sweep_end"])  # type: ignore[arg-type]
        first, end = float(r["t_load_start"]), float(r["t_measure_end"])  # type: ignore[arg-type]
        if r["scenario"] == "sequential":
            load = end - first
        else:
            load = float(r["warmup_s"]) + float(r["duration_s"])  # type: ignore[arg-type]
        out.append(
            JobTime(
                job_num=int(r["job_num"]),  # type: ignore[call-overload]
                scenario=str(r["scenario"]),
                load_s=load,
                span_s=nxt - t0,
                before_s=first - t0,
                after_s=t1 - end,
                between_s=nxt - t1,
            )
        )
    return out


def read(store: Path, wall_s: float | None = None) -> MainJob:
    con = duckdb.connect(str(store), read_only=True)
    try:
        cur = con.execute(_SQL)
        names = [d[0] for d in cur.description or []]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()
    if not rows:
        raise SystemExit(f"no sweep in {store}")
    jobs = job_times(rows)
    recorded = float(rows[0]["sweep_end"]) - float(rows[0]["sweep_start"])
    return MainJob(str(rows[0]["argv"]), jobs, wall_s or recorded, wall_s is not None)


def figures(m: MainJob) -> list[Figure]:
    med = median(j.overhead_s for j in m.jobs)
    parts = {
        "before": median(j.before_s for j in m.jobs),
        "after": median(j.after_s for j in m.jobs),
        "between": median(j.between_s for j in m.jobs),
    }
    shown = ", ".join(f"{k} {v:.2f} s" for k, v in parts.items() if v is not None)
    worst = max(m.jobs, key=lambda j: j.overhead_s) if m.jobs else None
    return [
        Figure(
            "main job",
            "overhead per cell (median, ingest included)",
            med,
            "s",
            "<= 2.5 s",
            at_most(med, 2.5),
            f"{len(m.jobs)} cells of `{m.argv}`; median parts: {shown}"
            + (f"; worst job {worst.job_num}: {worst.overhead_s:.1f} s" if worst else ""),
        ),
        Figure(
            "main job",
            "wall time",
            m.wall_s,
            "s",
            "<= 1.15 x load + 60 s",
            at_most(m.wall_s, m.wall_limit_s),
            f"load (warm-up included) {m.load_s:.0f} s, limit {m.wall_limit_s:.0f} s; "
            + ("the command's wall time" if m.wall_measured else "the sweep's recorded span"),
        ),
    ]


def figure_table(figs: Sequence[Figure]) -> list[str]:
    """The markdown table of a section's figures, one row each (pure)."""
    return [
        "| of | figure | value | target | met? | detail |",
        "|---|---|---|---|---|---|",
        *(
            f"| {f.item} | {f.what} | {f.shown()} | {f.target} | {f.verdict} | {f.detail} |"
            for f in figs
        ),
    ]


def section(figs: Sequence[Figure], load: str) -> str:
    lines = [
        SECTION,
        "",
        "Written by `python -m benchmarks.mainjob --write BENCHMARKS.md` from the store of the",
        f"README's main job (see benchmarks/mainjob.py for the definitions). {load}",
        "",
        *figure_table(figs),
        "",
    ]
    return "\n".join(lines)


def replace_section(doc: str, text: str, heading: str = SECTION) -> str:
    """doc with its section `heading` (the main job's) replaced by text (appended if it has
    none) (pure)."""
    pattern = re.compile(re.escape(heading) + r".*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(doc):  # a blank line before the next heading
        return pattern.sub(lambda _: text.rstrip("\n") + "\n\n", doc).rstrip("\n") + "\n"
    return doc.rstrip("\n") + "\n\n" + text


def existing_section(doc: str, heading: str = SECTION) -> str | None:
    """The section `heading` (the main job's) of a BENCHMARKS.md, if it has one (kept when the
    rest is rewritten)."""
    m = re.compile(re.escape(heading) + r".*?(?=^## |\Z)", re.S | re.M).search(doc)
    return m.group(0) if m else None


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.mainjob", description=__doc__)
    p.add_argument("store", type=Path, nargs="?", default=Path("outputs/results.duckdb"))
    p.add_argument("--wall", type=float, default=None, help="the command's wall time, s")
    p.add_argument("--load-average", default=None, help="load average while it ran")
    p.add_argument("--write", type=Path, default=None, help="BENCHMARKS.md to update")
    args = p.parse_args(argv)
    m = read(args.store, args.wall)
    figs = figures(m)
    for f in figs:
        print(f"{f.what}: {f.shown()} (target {f.target}: {f.verdict}) - {f.detail}")
    for j in m.jobs:
        print(
            f"  job {j.job_num:>2} {j.scenario:<10} load {j.load_s:6.1f} s  overhead "
            f"{j.overhead_s:5.2f} s  (before {j.before_s:.2f}, after {j.after_s:.2f}, "
            f"between {j.between_s:.2f})"
        )
    if args.write:
        now = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        la = args.load_average or f"{now} (when written; pass --load-average for the run's)"
        text = section(figs, f"Load average: {la}.")
        old = args.write.read_text(encoding="utf-8") if args.write.exists() else ""
        args.write.write_text(replace_section(old, text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
