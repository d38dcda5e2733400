"""Benchmark helpers on tiny inputs: statistics, parsing, figures, rendering, synthetic data.
The benchmark itself (`python -m benchmarks`) is not run here."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from benchmarks import figures as fig
from benchmarks import figures_instrument as fig_instrument
from benchmarks import stats
from benchmarks.agreement import Agreement
from benchmarks.document import markdown, rich_table
from benchmarks.httpload import parse_head, read_probe, request_bytes
from benchmarks.ingest import IngestRate, IngestRun, ingest_once, synthesize_cell
from benchmarks.instrument import InstrumentCost
from benchmarks.instrument_parts import InstrumentParts, rotation
from benchmarks.overhead import cell_overheads, sweep_argv
from benchmarks.report_time import grid
from benchmarks.strategies import StrategyRun, rotated


def test_median_and_ratio_skip_missing() -> None:
    """Medians ignore None/NaN; a ratio with a missing or zero denominator is None."""
    assert stats.median([3, None, 1, float("nan"), 2]) == 2
    assert stats.median([None]) is None
    assert stats.ratio(1, 4) == 0.25 and stats.ratio(1, 0) is None
    assert stats.ratio(None, 2) is None


def test_quantile_matches_duckdb_quantile_cont() -> None:
    """Our p95 is DuckDB's quantile_cont, the one cell_summary uses."""
    values = [0.5, 1.0, 7.0, 2.5, 3.0, 10.0, 4.0]
    con = duckdb.connect()
    try:
        got = con.execute("SELECT quantile_cont(x, 0.95) FROM unnest(?) t(x)", [values])
        expected = got.fetchall()[0][0]
    finally:
        con.close()
    assert stats.quantile(values, 0.95) == pytest.approx(expected)
    assert stats.quantile([], 0.5) is None


def test_ab_order_is_abba_and_pairs_ratio() -> None:
    """Interleaving alternates which arm goes first; ratios skip empty denominators."""
    assert stats.ab_order(3) == [("on", "off"), ("off", "on"), ("on", "off")]
    assert stats.paired_ratios([2, 3, 4], [1, 0, 2]) == [2, 2]


def test_windows_and_tick_sums() -> None:
    """Samples are kept inside [t0, t1]; CPU % is summed per sampler tick."""
    assert stats.in_window([(1, 10), (2, 20), (3, 30)], 2, 3) == [20, 30]
    rows = [
        {"t": 1.0, "cpu_percent": 50},
        {"t": 1.0, "cpu_percent": 30},
        {"t": 2.0, "cpu_percent": 90},
        {"t": 9.0, "cpu_percent": 1},
    ]
    assert stats.tick_sums(rows, 0, 5) == [80, 90]


def test_http_request_and_head_parsing() -> None:
    """The load client's request bytes and response-head parsing."""
    raw = request_bytes("127.0.0.1:8000", "/api/health/", "abc")
    assert raw.startswith(b"GET /api/health/ HTTP/1.1\r\n") and raw.endswith(b"\r\n\r\n")
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nContent-Length: 15\r\n\r\n"
    assert parse_head(head) == (200, 15)
    assert read_probe("1.5 2.25 200\n2.0 9.0 503\nbroken\n") == [(1.5, 2.25)]


def test_rotation_and_grid() -> None:
    """Strategy order rotates per repeat; the 60-cell grid is the design's sweep shape."""
    assert rotated(["a", "b", "c"], 1) == ["b", "c", "a"]
    assert rotated(["a", "b", "c"], 3) == ["a", "b", "c"]
    cells = grid(60)
    assert len(set(cells)) == 60 and cells[0] == ("blocking", 1, 1)


def test_overhead_from_cell_rows() -> None:
    """Overhead is wall time minus warm-up and duration; failed cells are left out."""
    row = {
        "workers": 1,
        "users": 10,
        "wall_s": 7.0,
        "warmup_s": 1.0,
        "duration_s": 3.0,
        "status": "ok",
        "before_s": 2.0,
        "after_s": 0.5,
    }
    out = cell_overheads([row, {**row, "status": "failed"}])
    assert len(out) == 1 and out[0].overhead_s == 3.0
    argv = sweep_argv(
        Path("s.duckdb"), Path("d"), workers="1,4", users="1,10", warmup=1, duration=3, rounds=10
    )
    assert argv[1:4] == ["-m", "runner", "-m"] and "resume=false" in argv


def test_synthetic_cell_ingests_every_row(tmp_path: Path) -> None:
    """A tiny synthetic cell in the runner's formats is ingested whole by ingest_cell."""
    expected = synthesize_cell(tmp_path / "cell", request_rows=600, lag_rows=51)
    run = ingest_once(tmp_path / "cell", tmp_path / "store.duckdb")
    assert run.rows == expected == 600 + 51 + 300
    assert run.seconds > 0 and run.peak_rss_bytes >= run.rss_before_bytes > 0


def _strategy(h: str, rps: float, idle: float, sat: float) -> StrategyRun:
    return StrategyRun(h, f"c-{h}", 100.0, rps, 0, [idle] * 20, [sat] * 20, 30.0, 190.0)


def test_figures_against_targets() -> None:
    """Ceilings use cpus / S of the same run; blocking is compared with 1/S; health ratios."""
    runs = [
        _strategy("blocking", 9.5, 2, 400),
        _strategy("threadpool", 18.0, 2, 6),
        _strategy("processpool", 15.0, 2, 12),
    ]
    got = {f.item: f for f in fig.strategy_figures(runs, cpus=2) + fig.headroom_figures(runs)}
    assert got["4 threadpool"].value == pytest.approx(0.9) and got["4 threadpool"].met
    assert got["4 processpool"].met is False
    assert got["4 blocking"].value == pytest.approx(0.95) and got["4 blocking"].met
    assert got["5 threadpool"].value == pytest.approx(3) and got["5 threadpool"].met
    assert got["5 processpool"].met is False and got["5 blocking"].met is None
    assert got["7"].value == 30.0 and got["7"].met
    ab = InstrumentCost(2, [96, 90], [100, 100], [0.2, 0.2], [0.2, 0.1], 10, 10)
    assert fig_instrument.instrument_figures(ab)[0].value == pytest.approx(0.93)
    parts = InstrumentParts(
        2,
        {"off": [100, 200], "middleware": [95, 180], "on": [90, 171]},
        {"off": [100, 100], "middleware": [104, 108], "on": [110, 112]},
    )
    layer, recording = fig_instrument.instrument_parts_figures(parts)
    assert layer.value == pytest.approx(0.925) and "costs 6.0 us" in layer.detail
    assert recording.value == pytest.approx(0.9487, abs=1e-4) and "cost 5.0 us" in recording.detail
    assert rotation(3) == [("off", "middleware", "on"), ("on", "middleware", "off")] * 1 + [
        ("off", "middleware", "on")
    ]
    ing = IngestRate([IngestRun(2_000_000, 0.5, 400_000_000, 1), IngestRun(10**6, 2.0, 1, 1)])
    assert [f.met for f in fig.ingest_figures(ing)] == [True, True]  # median 2.25M rows/s, 400 MB
    gap = fig.agreement_figures({"/api/health/": Agreement("/api/health/", 1.5, 0.5, 1.0, 9)})
    assert gap[0].item == "6 health" and gap[0].met


def test_markdown_and_table_render() -> None:
    """The document names the command, the machine and every figure; misses are listed."""
    figs = [
        fig.Figure("1", "overhead", 2.0, "s", "<= 1.5 s", False, "a|b"),
        fig.Figure("8", "report", 1.0, "s", "<= 5 s", True),
    ]
    text = markdown(
        figs,
        machine={"machine": "2 CPUs"},
        command="python -m benchmarks",
        date="today",
        plan={"rounds": 10},
        errors=["3: boom"],
    )
    assert "`python -m benchmarks`" in text and "2 CPUs" in text and "a\\|b" in text
    assert "missed: 1." in text and "3: boom" in text
    assert rich_table(figs, "t").row_count == 2


def test_benchmark_rows_sort_by_item_number() -> None:
    """Item 10 comes after item 9, not among the 1s."""
    from benchmarks.cli import item_order

    rows = [fig.Figure(i, "x", 1.0, "", "", None) for i in ("10", "9", "1", "4 threadpool")]
    assert [r.item for r in sorted(rows, key=item_order)] == ["1", "4 threadpool", "9", "10"]
