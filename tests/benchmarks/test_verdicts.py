"""The verdicts of benchmark items 1, 8 and 10 on hand-made numbers either side of each target,
and the open-loop acceptance section (benchmarks/openloop_accept.py) rendered from figures."""

from __future__ import annotations

import pytest

from benchmarks import openloop_accept
from benchmarks.figures import (
    OVERHEAD_LIMIT_S,
    REPORT_LIMIT_S,
    Figure,
    overhead_figures,
    report_figures,
)
from benchmarks.figures_instrument import WATCHDOG_MIN_RPS_RATIO, watchdog_figures
from benchmarks.instrument import InstrumentCost
from benchmarks.mainjob import replace_section
from benchmarks.openloop_bench import SECTION
from benchmarks.overhead import CellOverhead, SweepOverhead
from benchmarks.report_time import ReportTime

EPS = 0.01


def _sweep(*overheads: float) -> SweepOverhead:
    """A sweep whose cells cost these seconds beyond their 4 s of load."""
    cells = [CellOverhead(1, 1, 4.0 + o, 4.0, o / 2, o / 2) for o in overheads]
    return SweepOverhead(["python", "-m", "runner"], cells, 60.0)


@pytest.mark.parametrize(
    ("overheads", "met"),
    [
        ((OVERHEAD_LIMIT_S - EPS,) * 3, True),
        ((OVERHEAD_LIMIT_S,) * 3, True),
        ((OVERHEAD_LIMIT_S + EPS,) * 3, False),
        # the median decides: one slow cell of three does not fail item 1, two do
        ((0.5, 0.6, 10 * OVERHEAD_LIMIT_S), True),
        ((0.5, 10 * OVERHEAD_LIMIT_S, 10 * OVERHEAD_LIMIT_S), False),
    ],
)
def test_overhead_verdict_is_the_median_against_the_limit(
    overheads: tuple[float, ...], met: bool
) -> None:
    """Item 1 is met when the median overhead per cell is at most the limit, else NO."""
    (f,) = overhead_figures(_sweep(*overheads))
    assert f.item == "1" and f.met is met
    assert f.verdict == ("yes" if met else "NO")
    assert f.value == pytest.approx(sorted(overheads)[1])
    assert f.target == f"<= {OVERHEAD_LIMIT_S} s"
    assert f.detail.startswith(f"{len(overheads)} cells: ")


def test_overhead_without_cells_has_no_verdict() -> None:
    """A sweep with no ok cell gives n/a and no verdict, not a pass."""
    (f,) = overhead_figures(_sweep())
    assert f.value is None and f.met is None and f.shown() == "n/a"


@pytest.mark.parametrize(
    ("cli_s", "met"),
    [
        ([REPORT_LIMIT_S - EPS] * 3, True),
        ([REPORT_LIMIT_S] * 3, True),
        ([REPORT_LIMIT_S + EPS] * 3, False),
        ([1.0, REPORT_LIMIT_S + 1, REPORT_LIMIT_S + 2], False),
        ([1.0, 2.0, 10 * REPORT_LIMIT_S], True),
    ],
)
def test_report_verdict_is_the_cli_median_against_the_limit(cli_s: list[float], met: bool) -> None:
    """Item 8 judges the CLI's median time; the in-process build is reported, never judged."""
    cli, in_process = report_figures(ReportTime(60, cli_s, [10 * REPORT_LIMIT_S] * 3))
    assert cli.met is met and cli.value == pytest.approx(sorted(cli_s)[1])
    assert cli.target == f"<= {REPORT_LIMIT_S} s" and "60 cells" in cli.what
    assert in_process.met is None and in_process.value == pytest.approx(10 * REPORT_LIMIT_S)


def _ab(ratio: float) -> InstrumentCost:
    """Three ABBA pairs, each with rps(on) = ratio * rps(off); on costs 10 % more CPU."""
    off = [1000.0, 1200.0, 800.0]
    return InstrumentCost(3, [ratio * r for r in off], off, [0.22] * 3, [0.2] * 3, 100, 100)


@pytest.mark.parametrize(
    ("ratio", "met"),
    [
        (WATCHDOG_MIN_RPS_RATIO + EPS, True),
        (WATCHDOG_MIN_RPS_RATIO, True),
        (WATCHDOG_MIN_RPS_RATIO - EPS, False),
    ],
)
def test_watchdog_verdict_is_the_paired_rps_ratio(ratio: float, met: bool) -> None:
    """Item 10 is met when the watchdog keeps at least the target share of health rps."""
    rps, cpu = watchdog_figures(_ab(ratio))
    assert rps.item == cpu.item == "10"
    assert rps.value == pytest.approx(ratio) and rps.met is met
    assert rps.target == f">= {WATCHDOG_MIN_RPS_RATIO}"
    assert cpu.value == pytest.approx(1.1) and cpu.met is None


def test_watchdog_without_pairs_has_no_verdict() -> None:
    """No usable pair (every off arm served nothing) gives no verdict, not a pass."""
    rps, _ = watchdog_figures(InstrumentCost(1, [900.0], [0.0], [0.2], [0.2], 1, 1))
    assert rps.value is None and rps.met is None


def _mean(met: bool | None, n: int = 0) -> Figure:
    return Figure("O2", f"cell {n}: register mean", 1.2, "S", "<= 1.5 S", met)


def test_accept_section_tallies_and_tabulates_the_figures() -> None:
    """The section names its store and load, counts the constant-rate means and the Poisson
    cells held against ideal sharing that met their targets, and has one row each."""
    figs = [
        _mean(True, 1),
        _mean(False, 2),
        _mean(True, 3),
        Figure("O3", "cell 4: register mean / ideal sharing", 1.2, "x", "<= 1.15", False),
        Figure("O1", "rate", 1.0, "", "", None),
    ]
    text = openloop_accept.section(figs, "outputs/a.duckdb", "Load average: 1.00.")
    lines = text.splitlines()
    assert lines[0] == SECTION
    assert "here `outputs/a.duckdb`. Load average: 1.00." in " ".join(lines)
    assert "held to 1.5 S (met in 2 of 3)" in " ".join(lines)
    assert "target <= 1.15; met in 0 of 1 cells" in " ".join(lines)
    rows = [line for line in lines if line.startswith("| O")]
    assert rows == [
        "| O2 | cell 1: register mean | 1.20 S | <= 1.5 S | yes |  |",
        "| O2 | cell 2: register mean | 1.20 S | <= 1.5 S | NO |  |",
        "| O2 | cell 3: register mean | 1.20 S | <= 1.5 S | yes |  |",
        "| O3 | cell 4: register mean / ideal sharing | 1.20 x | <= 1.15 | NO |  |",
        "| O1 | rate | 1.00 |  | - |  |",
    ]


def test_accept_section_replaces_only_its_own_in_benchmarks_md() -> None:
    """Written into a BENCHMARKS.md, the section replaces the old one and keeps the others."""
    old = f"# Benchmarks\n\n## Main job\n\nkept\n\n{SECTION}\n\nstale\n\n## Later\n\nalso kept\n"
    new = openloop_accept.section([_mean(True)], "s.duckdb", "Load: 0.")
    doc = replace_section(old, new, SECTION)
    assert "stale" not in doc and "here `s.duckdb`" in doc
    assert doc.index("## Main job") < doc.index(SECTION) < doc.index("## Later")
    assert "\n\nkept\n" in doc and "also kept" in doc
