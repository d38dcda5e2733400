"""The runner for real: a Hydra multirun of real uvicorn + real locust cells into DuckDB."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from analysis.core import store as queries
from app.contract import HEALTH_PATH
from tests.runner.helpers import PLAIN, counts, leftovers, query, run_runner

pytestmark = pytest.mark.e2e

# cost 10: one hash (~60 ms alone) blocks the loop past stalls.stall_ms, so the blocking cells'
# stalls are attributed too
GRID = ["workers=1,2", "users=1,4", "duration=4", "warmup=1", "bcrypt_rounds=10", *PLAIN]
THROUGH = "list_contains(list_transform(stack, lambda f: f LIKE ? OR f LIKE ?), true)"
HASHING = ["app.passwords:hash_password:%", "app.work:hash_as:%"]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One 2x2 sweep shared by the tests below: (store, tmp root)."""
    root = tmp_path_factory.mktemp("sweep")
    store = root / "r.duckdb"
    done = run_runner("-m", *GRID, f"store={store}", f"hydra.sweep.dir={root / 'sweep'}")
    assert done.returncode == 0, done.stderr[-3000:]
    return store, root


def test_sweep_stores_four_ok_cells_with_every_table(sweep: tuple[Path, Path]) -> None:
    """4 cells ok, each with rows in every per-cell table (failures only when there are any)."""
    store, _ = sweep
    cells = query(store, "SELECT cell_id, status, error, workers, users FROM cells")
    assert sorted((w, u) for _, _, _, w, u in cells) == [(1, 1), (1, 4), (2, 1), (2, 4)]
    assert {s for _, s, _, _, _ in cells} == {"ok"}, cells
    assert len(query(store, "SELECT DISTINCT sweep_id FROM cells")) == 1
    for table in ("locust_stats", "locust_history", "loop_lag", "resources"):
        per_cell = query(store, f"SELECT count(DISTINCT cell_id) FROM {table}")[0][0]
        assert per_cell == 4, table
    sides = query(store, "SELECT cell_id, side, count(*) FROM requests GROUP BY ALL")
    assert len(sides) == 8 and min(n for _, _, n in sides) > 0
    roles = {r for (r,) in query(store, "SELECT DISTINCT role FROM resources")}
    # server.balance=reuseport (the default) runs N server processes and no master
    assert {"server_worker", "load_generator"} <= roles


def test_client_and_server_rows_join(sweep: tuple[Path, Path]) -> None:
    """Every server row of a cell joins a client row on request_id, but the runner's readiness
    check (one GET of health before the load) and those in flight when locust stopped (answered
    by the server, never logged by the client): all answered after the last client row began,
    at most one per user, and the probe's, which are sent on a schedule whether or not earlier
    ones came back: at most load.probe_hz times its longest wait, plus one."""
    store, _ = sweep
    rows = query(
        store,
        """
        WITH client AS (
            SELECT cell_id, min(t_start) AS first_start, max(t_start) AS last_start,
                   max(duration_ms) FILTER (source = 'probe') / 1e3 AS probe_wait_s
            FROM requests WHERE side = 'client' GROUP BY cell_id),
        lost AS (
            SELECT s.cell_id, s.method, s.path, s.t_start < first_start AS before,
                   s.t_start + s.duration_ms / 1e3 - last_start AS after_last
            FROM requests s JOIN client USING (cell_id)
            LEFT JOIN requests c ON c.cell_id = s.cell_id AND c.side = 'client'
                                AND c.request_id = s.request_id
            WHERE s.side = 'server' AND c.request_id IS NULL),
        served AS (SELECT cell_id, count(*) AS n FROM requests WHERE side = 'server' GROUP BY ALL)
        SELECT k.cell_id, k.users, k.probe_hz, c.probe_wait_s, s.n,
               list(l.method || ' ' || l.path) FILTER (l.before),
               count(l.cell_id) FILTER (NOT l.before), min(l.after_last) FILTER (NOT l.before)
        FROM cells k JOIN client c USING (cell_id) JOIN served s USING (cell_id)
        LEFT JOIN lost l USING (cell_id) GROUP BY ALL""",
    )
    assert len(rows) == 4, rows
    for cell_id, users, hz, wait_s, served, ready, lost, first_end in rows:
        assert ready in (None, [], [f"GET {HEALTH_PATH}"]), (cell_id, ready)
        probes = math.ceil(hz * wait_s) + 1
        assert 0 <= lost <= users + probes < served, (cell_id, users, probes, lost, served)
        assert lost == 0 or first_end >= -1.0, (cell_id, first_end)  # 1 s: two processes' clocks


def test_timings_and_summary(sweep: tuple[Path, Path]) -> None:
    """Each cell records S and a wall time covering its load; cell_summary has both endpoints."""
    store, _ = sweep
    cells = query(store, "SELECT hash_ms, wall_s, warmup_s + duration_s FROM cells")
    assert len(cells) == 4
    for hash_ms, wall, load in cells:
        assert hash_ms > 0 and wall >= load
    endpoints = query(store, "SELECT count(*) FROM cell_summary GROUP BY cell_id")
    assert [n for (n,) in endpoints] == [2, 2, 2, 2]


def test_warmup_ends_warmup_s_after_the_first_request(sweep: tuple[Path, Path]) -> None:
    """The load starts at the first client request stored, the warm-up ends warmup_s later, and
    exactly the requests (client and server) before that end are flagged in_warmup."""
    store, _ = sweep
    rows = query(
        store,
        """
        SELECT c.cell_id, c.t_load_start, c.t_measure_start, c.warmup_s,
               min(r.t_start) FILTER (WHERE r.side = 'client'),
               count(*) FILTER (WHERE r.in_warmup),
               count(*) FILTER (WHERE NOT r.in_warmup),
               count(*) FILTER (WHERE r.in_warmup IS DISTINCT FROM r.t_start < c.t_measure_start)
        FROM cells c JOIN requests r USING (cell_id) GROUP BY ALL""",
    )
    assert len(rows) == 4
    for cid, t0, t1, warmup, first, warm, measured, misflagged in rows:
        # the float locust logged, up to rounding
        assert t0 == pytest.approx(first, abs=1e-6), cid
        assert t1 == pytest.approx(first + warmup, abs=1e-6), cid
        assert warm > 0 and measured > 0 and misflagged == 0, (cid, warm, measured, misflagged)


def test_load_starts_after_the_go_file_and_the_sampler(sweep: tuple[Path, Path]) -> None:
    """Locust holds its users until the runner's go file (server ready, samplers running):
    the first request follows the file and the first resource sample."""
    store, _ = sweep
    rows = query(
        store,
        """
        SELECT c.dir, c.t_load_start, min(r.t)
        FROM cells c JOIN resources r USING (cell_id) GROUP BY ALL""",
    )
    assert len(rows) == 4
    for cell_dir, first_request, first_sample in rows:
        go = Path(cell_dir) / ".go"
        assert go.stat().st_mtime <= first_request + 0.05, cell_dir
        assert first_sample <= first_request + 0.3, cell_dir  # sampled every 0.25 s from go


def test_stalls_are_attributed_to_the_password_hash(sweep: tuple[Path, Path]) -> None:
    """Blocking cells: each cell's loop stalled, and >= 90 % of the stalled time is in stacks
    through the hashing call (the watchdog names it)."""
    store, _ = sweep
    rows = query(
        store,
        f"SELECT cell_id, count(*), sum(duration_ms) FILTER (WHERE {THROUGH}) / sum(duration_ms) "
        "FROM measured_stalls GROUP BY ALL",
        HASHING,
    )
    assert len(rows) == 4 and all(n > 0 and share >= 0.9 for _, n, share in rows), rows


def test_no_process_left_behind(sweep: tuple[Path, Path]) -> None:
    """After the sweep, no uvicorn or locust process of it is alive."""
    _, root = sweep
    assert leftovers(root) == []


def test_rerun_resumes_without_new_rows_or_servers(sweep: tuple[Path, Path]) -> None:
    """The same sweep again skips every cell: no new row anywhere, no server started."""
    store, root = sweep
    before = counts(store)
    again = run_runner("-m", *GRID, f"store={store}", f"hydra.sweep.dir={root / 'again'}")
    assert again.returncode == 0, again.stderr[-3000:]
    assert counts(store) == before
    assert not list((root / "again").rglob("server.log"))
    assert again.stdout.count("skipped") == 4


@pytest.mark.slow  # a long real-process check kept out of the default run
def test_extending_a_sweep_reuses_stored_cells_in_its_report(sweep: tuple[Path, Path]) -> None:
    """A new sweep overlapping a stored one runs only its new cell; its report covers both."""
    store, root = sweep
    grid = ["workers=1", "users=1,2", *GRID[2:]]
    done = run_runner("-m", *grid, f"store={store}", f"hydra.sweep.dir={root / 'extend'}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("skipped") == 1
    con = queries.connect(store)
    try:
        latest = queries.resolve_sweeps(con, "latest")
        covered = queries.cells(con, queries.cell_ids(con, latest))
    finally:
        con.close()
    assert sorted((c["workers"], c["users"]) for c in covered) == [(1, 1), (1, 2)]
    assert len({c["sweep_id"] for c in covered}) == 2  # one reused from the first sweep
    assert (store.parent / "report.html").is_file()  # rebuilt at the end of the multirun


@pytest.mark.slow  # a long real-process check kept out of the default run
def test_a_cell_whose_app_cannot_start_fails_alone(tmp_path: Path) -> None:
    """A db URL that cannot work fails that cell with a reason; the other cell is ok."""
    store = tmp_path / "r.duckdb"
    urls = f"db.url=sqlite:///{tmp_path}/good.db,sqlite:////proc/nope/app.db"
    done = run_runner(
        "-m",
        urls,
        "duration=2",
        "warmup=1",
        "users=2",
        "bcrypt_rounds=6",
        *PLAIN,
        f"store={store}",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    )
    assert done.returncode == 1, done.stderr[-3000:]  # a cell failed: said in one line
    assert "syncblock: 1 of 2 cells failed" in done.stdout
    rows = dict(query(store, "SELECT status, error FROM cells"))
    assert set(rows) == {"ok", "failed"} and rows["ok"] is None
    assert "ServerStartError" in rows["failed"] and "\n" not in rows["failed"]
    assert leftovers(tmp_path) == []
