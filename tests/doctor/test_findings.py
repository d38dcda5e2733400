"""The doctor's findings on its captured cells (tests/fixtures/doctor_*): a real run of
`--config-name doctor` on tests/doctorapps/kinds.py, ingested as the runner ingests it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from runner.doctor.output import advice, ranked, read_findings, table
from runner.store import open_store
from runner.store.doctor import findings, read_plan
from tests.fixtures import DOCTOR_DIRS, build_fixture_store, fixture_sweep

BLOCKING = {  # route -> (kind, fix, the handler's own function that held the loop)
    "GET /pbkdf2": ("gil_released", "threadpool", "pbkdf2"),
    "GET /json": ("gil_held", "processpool", "encode"),
    "GET /pyloop": ("gil_held", "processpool", "spin"),
    "GET /sleep": ("wait", "threadpool", "sleep_blocking"),
}
FINE = ("GET /pbkdf2/thread", "GET /ping")


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path = build_fixture_store(tmp_path_factory.mktemp("doc") / "s.duckdb", DOCTOR_DIRS)
    return open_store(path, read_only=True)


def test_every_route_has_a_row_in_each_cell(con: duckdb.DuckDBPyConnection) -> None:
    """doctor_routes holds one row per (cell, route) of the plan: 6 routes x 2 cells."""
    rows = con.execute(
        "SELECT cell_id, route FROM doctor_routes WHERE route IS NOT NULL"
    ).fetchall()
    assert len(rows) == 12 and len(set(rows)) == 12
    assert {r for _, r in rows} == set(BLOCKING) | set(FINE)


def test_the_load_cell_names_each_blocking_route_its_kind_line_and_fix(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Under load: the four blocking routes stalled the loop, each with its own kind, its own
    line in kinds.py and its fix; the two good routes never did (kind and fix NULL)."""
    got = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT route, stalled_s, stalled_share, line, kind, fix FROM doctor_routes "
            "JOIN cells USING (cell_id) WHERE scenario = 'mixed' AND route IS NOT NULL"
        ).fetchall()
    }
    for route, (kind, fix, function) in BLOCKING.items():
        stalled, share, line, got_kind, got_fix = got[route]
        assert stalled > 0 and 0 < share <= 1, route
        assert line.startswith(f"tests.doctorapps.kinds:{function}:"), (route, line)
        assert (got_kind, got_fix) == (kind, fix), route
    for route in FINE:
        assert got[route][0] == 0 and got[route][3:] == (None, None), route
    assert min(got[r][0] for r in BLOCKING) > max(got[r][0] for r in FINE)


def test_latency_alone_and_under_load(con: duckdb.DuckDBPyConnection) -> None:
    """Each route's users' mean, alone (sequential cell) and under load: a blocking route
    takes far longer than the cheap one alone; under load every route waits for the loop."""
    rows = read_findings(con, fixture_sweep().sweep_id)
    by_route = {r["route"]: r for r in ranked(rows)}
    assert by_route["GET /ping"]["alone_ms"] < 20 < 100 < by_route["GET /sleep"]["alone_ms"]
    assert by_route["GET /ping"]["load_ms"] > 5 * by_route["GET /ping"]["alone_ms"]


def test_terminal_table_ranks_blocking_routes_first(con: duckdb.DuckDBPyConnection) -> None:
    """The run's closing table: the four blocking routes above the two good ones, and one line
    of advice per blocking route naming its line and a paste-able fix."""
    rows = read_findings(con, fixture_sweep().sweep_id)
    order = [r["route"] for r in ranked(rows)]
    assert set(order[:4]) == set(BLOCKING) and set(order[4:]) == set(FINE)
    lines = advice(rows)
    assert len(lines) == 4
    assert any("GET /json" in x and "ProcessPoolExecutor" in x for x in lines)
    assert any("GET /sleep" in x and "asyncio.to_thread(sleep_blocking" in x for x in lines)
    assert table(rows).row_count == 6


def test_a_route_left_out_is_stored_with_its_reason(tmp_path: Path) -> None:
    """A route the plan leaves out has a findings row with its reason and no measurement."""
    cell = tmp_path / "cell"
    shutil.copytree(DOCTOR_DIRS[0], cell)
    plan = (cell / "plan.json").read_text()
    (cell / "plan.json").write_text(
        plan.replace(
            '"left_out": []', '"left_out": [{"name": "WebSocket /ws", "reason": "not HTTP"}]'
        )
    )
    con = open_store(build_fixture_store(tmp_path / "s.duckdb", (cell,)), read_only=True)
    assert con.execute(
        "SELECT route, left_out, requests FROM doctor_findings WHERE left_out IS NOT NULL"
    ).fetchall() == [("WebSocket /ws", "not HTTP", None)]


def test_a_stall_below_the_noise_floor_is_no_finding() -> None:
    """One 20 ms stall in a 15 s window (0.1 %) names no kind and no fix: machine noise."""
    plan = read_plan(DOCTOR_DIRS[0])
    assert plan is not None
    ping = next(r for r in plan.routes if r.path == "/ping")
    assert ping.handler is not None
    module, _, function = ping.handler.qualname.partition(":")
    stall = {
        "pid": 1, "t_start": 100.0, "duration_ms": 20.0, "samples": 1, "source": "watchdog",
        "stack": [f"{module}:{function}:1"], "leaf": f"{module}:{function}:1", "late": True,
        "late_ms": 15.0, "wait_ms": None, "cpu_ms": None, "core_wait_ms": None,
        "cpu_window_ms": None,
    }  # fmt: skip
    rows = {r["route"]: r for r in findings(plan, [stall], [], [], window_s=15.0)}
    assert rows["GET /ping"]["stalled_s"] == pytest.approx(0.02)
    assert rows["GET /ping"]["kind"] is None and rows["GET /ping"]["fix"] is None
    assert "noise" in rows["GET /ping"]["evidence"]
    louder = {**stall, "duration_ms": 400.0, "late_ms": 390.0}
    rows = {r["route"]: r for r in findings(plan, [louder], [], [], window_s=15.0)}
    assert rows["GET /ping"]["kind"] == "gil_held"  # 2.7 % of the window: a finding
