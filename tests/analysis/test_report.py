"""The whole report on the committed fixture store (real captured cells), and on small
hand-built stores for the cases the fixture lacks."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb
import pytest
from plotly.offline import get_plotlyjs

from analysis import build_report, report
from analysis.core.section import context
from analysis.core.store import connect, read_scope
from analysis.core.wording import ms
from tests.analysis.handmade import Cell, make_store
from tests.fixtures import build_fixture_store

SECTIONS = (
    "loop",
    "load",
    "health",
    "register",
    "throughput",
    "resources",
    "sequential",
    "verdict",
)


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture_store(tmp_path_factory.mktemp("fx") / "results.duckdb")


@pytest.fixture(scope="module")
def fixture_page(fixture_store: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = build_report(store=fixture_store, out=tmp_path_factory.mktemp("out") / "r.html")
    return out.read_text(encoding="utf-8")


def test_store_is_only_read(fixture_store: Path, tmp_path: Path) -> None:
    """Building the report leaves the store's bytes unchanged and writes exactly one file."""
    before = hashlib.sha256(fixture_store.read_bytes()).hexdigest()
    out = build_report(store=fixture_store, out=tmp_path / "sub" / "report.html")
    assert hashlib.sha256(fixture_store.read_bytes()).hexdigest() == before
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["report.html"]
    assert out == tmp_path / "sub" / "report.html"


def test_plotly_embedded_once_and_offline(fixture_page: str) -> None:
    """plotly.js is inlined exactly once and nothing is fetched from the network."""
    assert fixture_page.count(get_plotlyjs()[:300]) == 1
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=['\"]?http", fixture_page)


def test_every_section_present(fixture_page: str) -> None:
    """All eight sections appear, and each load section has at least one figure."""
    for anchor in SECTIONS:
        assert f"<section id='{anchor}'>" in fixture_page
    for anchor in ("loop", "load", "health", "register", "throughput", "resources", "verdict"):
        assert f'id="fig-{anchor}-1"' in fixture_page


def test_numbers_come_from_the_store(fixture_store: Path, fixture_page: str) -> None:
    """The header shows the machine; the loop lag quoted is the worst worker's (highest p99) max
    and p99 of the representative cell (tied on load: the first job), no other worker's."""
    con = duckdb.connect(str(fixture_store), read_only=True)
    try:
        cpu_model, git_sha = con.execute("SELECT cpu_model, git_sha FROM sweeps").fetchone()
        per_worker = con.execute("""
            SELECT c.job_num, max(l.lag_ms), quantile_cont(l.lag_ms, 0.99) AS p99
            FROM loop_lag l JOIN cells c USING (cell_id)
            WHERE NOT l.in_warmup AND l.t <= c.t_measure_end
            GROUP BY c.job_num, l.pid ORDER BY c.job_num, p99 DESC
            """).fetchall()
    finally:
        con.close()
    assert cpu_model in fixture_page and git_sha in fixture_page
    quotes = [(ms(mx), ms(p99)) for _, mx, p99 in per_worker]
    # two cells of equal load: two workers in job 0; in job 1 the killed one, its survivor and
    # the one uvicorn started in its place; every quote apart
    jobs = [j for j, _, _ in per_worker]
    assert jobs.count(0) == 2 and jobs.count(1) >= 2 and len(set(quotes)) == len(quotes)
    found = re.findall(r"woke up to (\S+ m?s) late \(p99 (\S+ m?s)\)", fixture_page)
    assert found == [quotes[0]]


def test_failed_cells_listed_with_reason(tmp_path: Path) -> None:
    """A failed cell appears in the page with its reason; it is never silently dropped."""
    store = make_store(
        tmp_path / "s.duckdb",
        [Cell(), Cell(users=8, status="failed", error="server did not start")],
    )
    page = build_report(store=store, out=tmp_path / "r.html").read_text()
    assert "server did not start" in page and "1 ok, 1 not ok" in page


def test_repeats_give_error_bars(tmp_path: Path) -> None:
    """With repeat > 1 the figures carry 95 % CI error bars around the mean."""
    cells = [
        Cell(repeat=r, client_ms={"register": v, "health": 5.0})
        for r, v in ((1, 90.0), (2, 100.0), (3, 110.0))
    ]
    page = build_report(
        store=make_store(tmp_path / "s.duckdb", cells), out=tmp_path / "r.html"
    ).read_text()
    assert '"error_y":{"array":[' in page and '"arrayminus"' in page


def test_sweep_selection(tmp_path: Path) -> None:
    """'latest' reads only the newest sweep; 'all' reads every sweep."""
    store = make_store(
        tmp_path / "s.duckdb",
        [Cell(sweep_id="old", hashing="threadpool"), Cell(sweep_id="new")],
        sweeps=("old", "new"),
    )
    latest = build_report(store=store, out=tmp_path / "a.html").read_text()
    every = build_report(store=store, out=tmp_path / "b.html", sweep="all").read_text()
    assert "threadpool (" not in latest and "threadpool (" in every


def test_no_open_loop_section_without_open_loop_cells(fixture_page: str) -> None:
    """An optional axis the sweep did not run adds no section (no "Run ... to see this")."""
    assert "Open vs closed load" not in fixture_page
    assert "No open-loop cells" not in fixture_page


def test_each_strategys_icicle_starts_at_the_app(fixture_store: Path) -> None:
    """In the stalls icicle of real captured cells, the first box under each strategy is the
    app's own code, not a uvicorn, asyncio, starlette or fastapi frame."""
    con = connect(fixture_store)
    try:
        scope = read_scope(con, fixture_store, "latest")
        data = [m.read(con, scope.ids) for m in report.SECTIONS]
    finally:
        con.close()
    built = {s.anchor: s for s in report.sections(context(scope), data)}
    fig = built["stalls"].figures[0][0]
    ice = fig.data[0]
    roots = {i for i, p in zip(ice.ids, ice.parents, strict=True) if p == ""}
    firsts = [lab for lab, p in zip(ice.labels, ice.parents, strict=True) if p in roots]
    assert firsts, "no stack under any strategy"
    banned = ("uvicorn", "asyncio", "starlette", "fastapi")
    assert not [f for f in firsts if f.split(":")[0].split(".")[0] in banned], firsts
