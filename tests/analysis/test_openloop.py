"""The "Open vs closed load" section's pure parts: ceiling, the queue model, pairing closed and
open cells at the same throughput, and the sentences, on handmade rows."""

from __future__ import annotations

from typing import Any

import pytest

from analysis.sections.openloop import OpenLoopData, build, gap_bars, paragraphs, parts, timeline
from analysis.sections.openloop import model as openloop

S_MS = 250.0  # 4 registrations/s per core


def cell(cid: str, **kw: Any) -> dict[str, Any]:
    base = {
        "cell_id": cid,
        "scenario": "register",
        "hashing": "threadpool",
        "work": "bcrypt",
        "workers": 1,
        "users": 1,
        "db": "sqlite",
        "connections": "per_request",
        "bcrypt_rounds": 12,
        "arrival": "open",
        "rate": None,
        "arrival_process": "poisson",
        "service_ms": S_MS,
        "cpu_count": 2,
        "achieved_rps": None,
        "dropped": 0,
        "send_lag_p99_ms": 1.0,
        "t_load_start": 100.0,
        "t_measure_start": 101.0,
    }
    return base | kw


def test_ceiling_and_model_slope_follow_the_strategy() -> None:
    """threadpool on 2 cores: μ = 2/S = 8/s; λ = 12 gives ρ = 1.5 and slope 0.5 s per s;
    blocking 1 worker: μ = 1/S; mixed offers 5/6 of its rate as registrations."""
    over = cell("a", rate=12.0)
    assert openloop.mu_rps(over) == pytest.approx(8.0)
    assert openloop.utilisation(over) == pytest.approx(1.5)
    assert openloop.model_slope(over) == pytest.approx(0.5)
    assert openloop.model_slope(cell("b", rate=4.0)) == 0.0
    mixed = cell("c", hashing="blocking", scenario="mixed", rate=3.6)
    assert openloop.utilisation(mixed) == pytest.approx(3.6 * 5 / 6 / 4.0)
    health = cell("d", scenario="health", rate=100.0)
    assert openloop.model_slope(health) != openloop.model_slope(health)  # NaN: no ceiling


def test_gap_pairs_open_with_the_closed_cell_of_same_throughput() -> None:
    """The closed cell of the same pair with the fewest users among those that achieved >= 85 %
    of the open cell's throughput is paired; a slower one or another pair is not."""
    cells = [
        cell("open", scenario="mixed", hashing="blocking", rate=3.6, achieved_rps=3.5),
        cell(
            "c5", scenario="mixed", hashing="blocking", arrival="closed", users=5, achieved_rps=3.3
        ),
        cell(
            "c1", scenario="mixed", hashing="blocking", arrival="closed", users=1, achieved_rps=5.0
        ),
        cell("tp", scenario="mixed", arrival="closed", users=5, achieved_rps=3.5),
        cell("slow", scenario="mixed", hashing="blocking", arrival="closed", achieved_rps=2.9),
    ]
    stats = [
        {"cell_id": "c1", "endpoint": openloop.HEALTH, "p99_ms": 900.0, "latency_p99_ms": 900.0},
        {"cell_id": "open", "endpoint": openloop.HEALTH, "p99_ms": 800.0, "latency_p99_ms": 2400.0},
    ]
    gaps = openloop.gaps(cells, stats)
    assert [(g.closed["cell_id"], g.endpoint) for g in gaps] == [("c1", openloop.HEALTH)]
    assert gaps[0].ratio == pytest.approx(2400 / 900)
    text = " ".join(paragraphs(cells, [], gaps))
    assert "900 ms" in text and "2.40 s" in text and "2.7×" in text
    assert gap_bars(gaps) is not None


def test_growth_compares_the_fitted_slope_with_the_model() -> None:
    """Above capacity the paragraph gives the fitted slope, the model's and their gap."""
    cells = [cell("over", rate=12.0, achieved_rps=7.6), cell("under", rate=4.0, achieved_rps=4.0)]
    slopes = [
        {"cell_id": "over", "slope": 0.45, "r2": 0.9},
        {"cell_id": "under", "slope": 0.0, "r2": 0.0},
    ]
    rows = openloop.growth_rows(cells, slopes)
    assert [r["cell_id"] for r in rows] == ["over"]
    assert rows[0]["achieved_vs_ceiling"] == pytest.approx(7.6 / 8 - 1)
    text = " ".join(paragraphs(cells, rows, []))
    assert "0.45 s per s" in text and "0.50" in text and "-10 %" in text
    assert "No closed-loop cell" in text


def test_shown_cells_pick_the_loads_nearest_half_090_and_120() -> None:
    """Per pair: the cells nearest ρ = 0.5, 0.9, 1.2; health only (no ceiling) shows all."""
    cells = [cell(str(r), rate=r) for r in (2.0, 4.0, 6.9, 7.3, 10.0, 16.0)]
    shown = [c["cell_id"] for c in openloop.shown_cells(cells)]
    assert shown == ["4.0", "7.3", "10.0"]
    health = [cell(f"h{r}", scenario="health", rate=r) for r in (50.0, 100.0)]
    assert len(openloop.shown_cells(health)) == 2


def test_no_section_without_open_cells() -> None:
    """No open cell: no section (an optional axis), and nothing for the benchmark to print."""
    closed = OpenLoopData(cells=[cell("c", arrival="closed", achieved_rps=3.0)])
    assert build(closed) is None
    assert parts(closed) == {"figures": [], "paragraphs": []}


def test_timeline_draws_the_model_above_capacity() -> None:
    """One measured line per rate, plus a dashed model line for the cell above capacity."""
    cells = [cell("over", rate=12.0), cell("under", rate=4.0)]
    series = [
        {"cell_id": cid, "endpoint": openloop.REGISTER, "t_s": float(t), "latency_avg_ms": 300.0}
        for cid in ("over", "under")
        for t in range(5)
    ]
    fig = timeline(cells, series)
    assert fig is not None
    names = [t.name for t in fig.data]
    assert sum(n.startswith("model") for n in names) == 1 and len(names) == 3


def test_below_capacity_gives_the_mean_in_s_next_to_mmc() -> None:
    """threadpool on 2 cores at ρ = 0.5 (4/s of μ = 8/s): a register mean of 350 ms is 1.40 S;
    M/M/2 gives 1.33 S for Poisson arrivals, nothing for constant ones; S is named (the
    sequential baseline's registration alone, or the call alone)."""
    cells = [
        cell("p", rate=4.0, request_ms=S_MS, call_ms=240.0),
        cell("k", rate=4.0, arrival_process="constant", call_ms=S_MS),
        cell("over", rate=12.0),
    ]
    stats = [
        {"cell_id": cid, "endpoint": openloop.REGISTER, "latency_avg_ms": 350.0}
        for cid in ("p", "k", "over")
    ]
    rows = openloop.below_rows(cells, stats)
    assert [r["cell_id"] for r in rows] == ["p", "k"]
    assert rows[0]["mean_in_s"] == pytest.approx(1.4)
    assert rows[0]["model_in_s"] == pytest.approx(4 / 3)
    assert rows[1]["model_in_s"] != rows[1]["model_in_s"]  # NaN: no model for constant gaps
    text = paragraphs(cells, [], [], rows)
    poisson, constant = (p for p in text if p.startswith("Below capacity"))
    assert "1.40 S" in poisson and "M/M/2 gives 1.33 S" in poisson
    assert "sequential baseline of threadpool" in poisson and "240 ms" in poisson
    assert "M/M" not in constant and "the call alone" in constant
    # the blocking loop is first-come with a fixed S: M/D/1, 2.5 S at ρ = 0.75
    assert openloop.below_model("blocking", 1, 0.75) == ("M/D/1", pytest.approx(2.5))
    name, pool = openloop.below_model("processpool", 2, 0.5)
    assert name.startswith("M/D/2") and pool == pytest.approx(1 + 1 / 6)


def test_below_capacity_replays_ideal_sharing_on_the_cells_own_arrivals() -> None:
    """threadpool, Poisson, ρ = 0.5: arrivals 1 s apart never overlap, so ideal sharing gives
    exactly S and a 350 ms mean is the server's +40 %; the sample's luck is ideal vs M/M/2
    (1.0 / 1.33 - 1 = -25 %). Requests outside the window are replayed, not averaged; a
    blocking cell (first-come, not shared) gets no replay."""
    cells = [cell("p", rate=4.0), cell("b", rate=1.0, hashing="blocking")]
    stats = [
        {"cell_id": cid, "endpoint": openloop.REGISTER, "latency_avg_ms": 350.0}
        for cid in ("p", "b")
    ]
    arrivals = [{"cell_id": "p", "t_intended": 1.8e9 + k, "counted": k > 0} for k in range(5)] + [
        {"cell_id": "b", "t_intended": 1.8e9, "counted": True}
    ]
    assert openloop.replayable(cells[0]) and not openloop.replayable(cells[1])
    rows = {r["cell_id"]: r for r in openloop.below_rows(cells, stats, arrivals)}
    assert rows["p"]["ideal_in_s"] == pytest.approx(1.0)
    assert rows["b"]["ideal_in_s"] != rows["b"]["ideal_in_s"]  # NaN
    text = " ".join(paragraphs(cells, [], [], list(rows.values())))
    assert "own arrivals 1.00 S" in text and "-25 %" in text and "+40 %" in text
