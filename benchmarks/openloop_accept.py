"""Issue 16's acceptance numbers from a store written by benchmarks/openloop_accept.sh, with the
report's own definitions (analysis/openloop.py): per open cell the offered and achieved rate,
the send lag p99, ρ and μ from the S stored with the cell, the register mean in S, and above
capacity the fitted latency slope against (λ − μ)/μ; then the report section's paragraphs.

    .venv/bin/python -m benchmarks.openloop_accept outputs/accept16.duckdb
    .venv/bin/python -m benchmarks.openloop_accept --alone outputs/accept16.duckdb threadpool

S is one registration's server time alone (the store's sequential cells of the strategy), as
in the report; `--alone` prints it in seconds for the shell script to derive the rates.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import duckdb

from analysis import openloop, openloop_section

Row = dict[str, Any]


def line(c: Row, reg: dict[str, Row], slopes: dict[str, Row]) -> str:
    """One open cell's acceptance figures as one line (pure)."""
    out = (
        f"open {c['scenario']} {c['hashing']} {c['arrival_process']} rate={c['rate']} "
        f"S={c['service_ms']:.1f} ms (call {c['call_ms']:.1f} ms) "
        f"achieved={c['achieved_rps']:.2f}/s "
        f"({c['achieved_rps'] / c['rate'] - 1:+.1%} of offered) dropped={c['dropped']} "
        f"send_lag_p99={c['send_lag_p99_ms']:.1f} ms"
    )
    rho, mu = openloop.utilisation(c), openloop.ceiling_rps(c)
    if math.isnan(rho):
        return out
    out += f" rho={rho:.2f} mu={mu:.2f}/s"
    r = reg.get(c["cell_id"])
    if r:
        mean = r["latency_avg_ms"]
        out += f" register mean={mean:.0f} ms = {mean / c['service_ms']:.2f} S"
        n = openloop.executors(c)
        if rho < 1 and n and c["arrival_process"] == "poisson":
            name, model = openloop.below_model(c["hashing"], n, rho)
            out += f" ({name}: {model:.2f} S)"
    fit = slopes.get(c["cell_id"])
    if rho > 1 and fit and fit["slope"] is not None:
        share = openloop.register_share(c["scenario"])
        done, lam, model = c["achieved_rps"] * share, c["rate"] * share, openloop.model_slope(c)
        out += (
            f" achieved vs ceiling {done / mu - 1:+.1%}; slope {fit['slope']:.3f} s/s vs "
            f"(λ-μ)/μ {model:.3f} ({fit['slope'] / model - 1:+.0%}); with μ = achieved "
            f"{(lam - done) / done:.3f} ({fit['slope'] / ((lam - done) / done) - 1:+.0%})"
        )
    return out


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


def main(store: str) -> None:
    con = duckdb.connect(store, read_only=True)
    ids = [r[0] for r in con.execute("SELECT cell_id FROM cells WHERE status = 'ok'").fetchall()]
    d = openloop_section.read(con, ids)
    con.close()
    reg = {s["cell_id"]: s for s in d.stats if s["endpoint"] == openloop.REGISTER}
    slopes = {s["cell_id"]: s for s in d.slopes}
    for c in d.cells:
        if c["arrival"] == "open":
            print(line(c, reg, slopes))
        else:
            print(
                f"closed {c['scenario']} {c['hashing']} users={c['users']} "
                f"S={c['service_ms']:.1f} ms (call {c['call_ms']:.1f} ms) "
                f"achieved={c['achieved_rps']:.2f}/s"
            )
    print()
    for p in openloop_section.parts(d)["paragraphs"]:
        print("-", p)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--alone"]:
        print(f"{alone_s(sys.argv[2], sys.argv[3]):.6f}")
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "outputs/accept16.duckdb")
