"""The open-loop acceptance figures from a store written by benchmarks/openloop_accept.sh, with the
report's own definitions (analysis/sections/openloop/, figures in benchmarks/openloop_bench.py):
rate kept, below capacity (achieved, register mean in S, the queue model and ideal processor
sharing on the cell's own arrivals), above capacity (achieved vs the ceiling, latency slope
vs (λ − μ)/μ), and closed- next to open-loop health p99; then the report section's paragraphs.

    .venv/bin/python -m benchmarks.openloop_accept outputs/accept16.duckdb [--write BENCHMARKS.md]
    .venv/bin/python -m benchmarks.openloop_accept --alone threadpool outputs/accept16.duckdb

S is one registration's server time alone (the store's sequential cells of the strategy), as
in the report; `--alone` prints it in seconds for the shell script to derive the rates.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Sequence
from pathlib import Path

import duckdb

from analysis.sections import openloop as openloop_section
from analysis.sections.openloop import model as openloop
from benchmarks import ps_bare
from benchmarks.figures import Figure
from benchmarks.mainjob import figure_table, replace_section
from benchmarks.openloop_bench import SECTION, figures, floor, tally


def alone_s(store: str, hashing: str) -> float:
    """S in seconds: the mean server time of the strategy's registrations in sequential cells."""
    con = duckdb.connect(store, read_only=True)
    row = con.execute(
        """SELECT avg(r.duration_ms) FROM measured_requests r JOIN cells k USING (cell_id)
           WHERE k.scenario = 'sequential' AND k.status = 'ok' AND k.hashing = ?
             AND r.side = 'server' AND r.path = ? AND r.status BETWEEN 200 AND 299""",
        [hashing, openloop.REGISTER],
    ).fetchone()
    con.close()
    ms = row[0] if row else None
    if ms is None:
        raise SystemExit(f"no sequential {hashing} registrations in {store}")
    return float(ms) / 1000


def section(figs: Sequence[Figure], store: str, load: str) -> str:
    return "\n".join(
        [
            SECTION,
            "",
            "Written by `python -m benchmarks.openloop_accept STORE --write BENCHMARKS.md` from",
            "the store of `bash benchmarks/openloop_accept.sh` (see both for the cells and the",
            f"definitions), here `{store}`. {load} Below capacity each Poisson cell's register",
            "mean is held against ideal processor sharing of the cores replayed on its own",
            "intended send times (analysis/core/psim.py): what a perfect server would have",
            "answered on that very sample of arrivals, so measured / ideal is what this stack",
            f"adds (target <= 1.15; met in {tally(figs, 'ideal sharing')} cells); a constant-rate",
            f"cell's mean is held to 1.5 S (met in {tally(figs, 'register mean')}). The `floor`",
            "rows (`--bare N`, benchmarks/ps_bare.py) do the same for bcrypt alone in 40",
            "threads: the kernel's own sharing of these cores, under any server.",
            "",
            *figure_table(figs),
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.openloop_accept", description=__doc__)
    p.add_argument("store", nargs="?", default="outputs/accept16.duckdb")
    p.add_argument("--write", type=Path, default=None, help="BENCHMARKS.md to update")
    p.add_argument("--load-average", default=None, help="load average while it ran")
    p.add_argument("--alone", metavar="HASHING", default=None, help="print S (s) and stop")
    p.add_argument(
        "--bare", type=int, default=0, help="also time N bare thread-pool runs (ps_bare.py)"
    )
    args = p.parse_args(argv)
    if args.alone:
        print(f"{alone_s(args.store, args.alone):.6f}")
        return 0
    con = duckdb.connect(args.store, read_only=True)
    ids = [r[0] for r in con.execute("SELECT cell_id FROM cells WHERE status = 'ok'").fetchall()]
    d = openloop_section.read(con, ids)
    ideal = {
        b["cell_id"]: b["ideal_in_s"] * float(b["service_ms"])
        for b in openloop.below_rows(d.cells, d.stats, d.arrivals)
        if not math.isnan(b["ideal_in_s"])
    }
    con.close()
    figs = figures(d.cells, d.stats, d.slopes, ideal) + floor(ps_bare.measure(args.bare))
    for f in figs:
        print(f"[{f.item}] {f.what}: {f.shown()} (target {f.target}: {f.verdict}) {f.detail}")
    print()
    for para in openloop_section.parts(d)["paragraphs"]:
        print("-", para)
    if args.write:
        now = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        la = args.load_average or f"{now} (when written; pass --load-average for the run's)"
        old = args.write.read_text(encoding="utf-8") if args.write.exists() else ""
        text = section(figs, args.store, f"Load average: {la}.")
        args.write.write_text(replace_section(old, text, SECTION), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
