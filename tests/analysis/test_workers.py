"""The worker_share view and cell_summary's spread columns on hand-built rows, and the
"Do more workers help?" section on the fixture store and on hand-built stores."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from analysis import build_report
from analysis.core.aggregate import grid
from analysis.sections.workers import sentences
from analysis.sections.workers.points import worker_points
from runner.store import open_store
from tests.analysis.handmade import Cell, make_store
from tests.fixtures import build_fixture_store

T0 = 1_800_000_000.0


def _store_with_rows(path: Path) -> duckdb.DuckDBPyConnection:
    """One cell, window [T0+1, T0+11]; server rows: pid 1 x 14, pid 2 x 5, pid 3 x 1 inside
    it; outside it or from the probe, rows that must not count."""
    con = open_store(path)
    con.execute(
        "INSERT INTO cells (cell_id, sweep_id, cell_key, job_num, scenario, hashing, db,"
        " workers, users, status, t_load_start, t_measure_start, t_measure_end)"
        " VALUES ('c', 's', 'k', 0, 'mixed', 'blocking', 'sqlite', 3, 5, 'ok', ?, ?, ?)",
        [T0, T0 + 1, T0 + 11],
    )
    rows = []

    def add(side: str, rid: str, pid: int, t: float, warm: bool, source: str | None) -> None:
        rows.append(("c", side, rid, "/api/users/register/", 201, t, 10.0, pid, warm, source))

    n = 0
    for pid, count in ((1, 14), (2, 5), (3, 1)):
        for _ in range(count):
            add("server", f"r{n}", pid, T0 + 2, False, None)
            add("client", f"r{n}", 9, T0 + 2, False, "user")
            n += 1
    add("server", "warm", 2, T0 + 0.5, True, None)  # warm-up: left out
    add("server", "late", 2, T0 + 12, False, None)  # after the window: left out
    for k in range(6):  # the steady probe's requests, all on pid 3: left out
        add("server", f"p{k}", 3, T0 + 3, False, None)
        add("client", f"p{k}", 9, T0 + 3, False, "probe")
    con.executemany(
        "INSERT INTO requests (cell_id, side, request_id, method, path, status, t_start,"
        " duration_ms, pid, in_warmup, source) VALUES (?, ?, ?, 'POST', ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return con


def test_worker_share_view_on_hand_built_rows(tmp_path: Path) -> None:
    con = _store_with_rows(tmp_path / "s.duckdb")
    try:
        got = con.execute(
            "SELECT pid, requests, share FROM worker_share WHERE cell_id = 'c' ORDER BY pid"
        ).fetchall()
        assert got == [(1, 14, 0.7), (2, 5, 0.25), (3, 1, 0.05)]
        spread = con.execute(
            "SELECT DISTINCT busiest_worker_share, workers_used FROM cell_summary"
        ).fetchall()
        assert spread == [(0.7, 3)]  # 5 % exactly counts as used
        con.execute("DELETE FROM requests WHERE pid = 3")
        spread = con.execute(
            "SELECT DISTINCT round(busiest_worker_share, 4), workers_used FROM cell_summary"
        ).fetchall()
        assert spread == [(round(14 / 19, 4), 2)]
    finally:
        con.close()


def test_a_worker_under_five_percent_is_not_used(tmp_path: Path) -> None:
    con = _store_with_rows(tmp_path / "s.duckdb")
    try:
        con.execute(  # 20 more on pid 1: pid 3's 1 request is now 1/40 = 2.5 %
            "INSERT INTO requests (cell_id, side, request_id, method, path, status, t_start,"
            " duration_ms, pid, in_warmup) SELECT 'c', 'server', 'x' || i, 'POST', '/', 201,"
            " ?, 1.0, 1, false FROM range(20) t(i)",
            [T0 + 5],
        )
        (used,) = con.execute("SELECT DISTINCT workers_used FROM cell_summary").fetchone() or ()
        assert used == 2
    finally:
        con.close()


@pytest.fixture(scope="module")
def fixture_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("fxw")
    store = build_fixture_store(root / "results.duckdb")
    return build_report(store=store, out=root / "r.html").read_text(encoding="utf-8")


def test_section_on_the_fixture_store(fixture_page: str) -> None:
    """The fixture holds 2-worker cells at 4 users only: the split is drawn, and the text says
    what to run for the comparison at 5 and 10 users."""
    assert "<section id='workers'>" in fixture_page
    assert "Do more workers help?" in fixture_page
    assert "How the requests spread over the workers, per cell" in fixture_page
    assert "workers=1,2,4 users=5,10" in fixture_page
    assert "connections (persistent: kept alive per user" in fixture_page


def _cells() -> list[Cell]:
    def cell(workers: int, conn: str, reg: float, health: float, pids: tuple[int, ...]) -> Cell:
        return Cell(
            workers=workers,
            users=5,
            connections=conn,
            balance="shared",
            client_ms={"register": reg, "health": health},
            server_pids=pids,
        )

    return [
        cell(1, "per_request", 1200.0, 150.0, (100,)),
        cell(2, "per_request", 700.0, 40.0, (100, 101)),
        cell(4, "per_request", 600.0, 20.0, (100, 101, 102, 103)),
        cell(1, "persistent", 1200.0, 150.0, (100,)),
        cell(4, "persistent", 1150.0, 260.0, (100,)),
    ]


def test_sentences_answer_with_numbers_and_spread(tmp_path: Path) -> None:
    store = make_store(tmp_path / "s.duckdb", _cells())
    con = duckdb.connect(str(store), read_only=True)
    try:
        cur = con.execute("SELECT * FROM cell_summary")
        names = [d[0] for d in cur.description or []]
        summary = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()
    pts = worker_points(summary)
    paras = sentences(pts, grid(summary))
    pinned, spread, side = paras[0], paras[1], paras[2]
    assert pinned.startswith("At 5 users with kept-alive connections on one shared socket")
    assert (
        "4 workers: register 1.15 s, users' health p95 260 ms (busiest worker 100 %, 1 of 4 used)"
        in (pinned)
    )
    assert "more workers did not help" in pinned  # 0.96x register, 1.7x health p95
    assert spread.startswith("At 5 users with a new connection per request")
    assert (
        "2 workers: register 700 ms, users' health p95 40 ms (busiest worker 50 %, 2 of 2 used)"
        in (spread)
    )
    assert "more workers helped: 4 workers gave 0.5× the register mean" in spread
    assert side.startswith("With 4 workers at 5 users, per_request · shared (busiest worker")
    assert "against 1.15 s and 260 ms with persistent · shared, the pinned mode (busiest " in side


def test_section_in_the_page_from_a_hand_built_store(tmp_path: Path) -> None:
    store = make_store(tmp_path / "s.duckdb", _cells())
    page = build_report(store=store, out=tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<section id='workers'>" in page
    assert "with persistent · shared, the pinned mode" in page
    assert "model R, workers used" in page  # the registration figure's third model line
