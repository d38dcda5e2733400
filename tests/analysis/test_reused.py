"""A resumed sweep's report covers the cells it reused from an earlier sweep."""

from __future__ import annotations

from pathlib import Path

from analysis.core import store as queries
from runner.store import open_store, record_reuse
from tests.analysis.handmade import Cell, make_store


def _store(tmp_path: Path) -> Path:
    cells = [
        Cell(users=1, sweep_id="s1"),
        Cell(users=5, sweep_id="s1"),
        Cell(users=10, sweep_id="s2"),
    ]
    return make_store(tmp_path / "r.duckdb", cells, sweeps=("s1", "s2"))


def test_latest_sweep_includes_reused_cells(tmp_path: Path) -> None:
    """'latest' = s2: its own cell plus the s1 cell it recorded as reused, not the other one."""
    store = _store(tmp_path)
    con = open_store(store)
    s1_cells = [
        r[0]
        for r in con.execute(
            "SELECT cell_id FROM cells WHERE sweep_id = 's1' ORDER BY users"
        ).fetchall()
    ]
    record_reuse(con, "s2", s1_cells[0])
    record_reuse(con, "s2", s1_cells[0])  # idempotent
    con.close()
    ro = queries.connect(store)
    try:
        latest = queries.resolve_sweeps(ro, "latest")
        assert latest == ["s2"]
        covered = queries.cell_ids(ro, latest)
        users = sorted(c["users"] for c in queries.cells(ro, covered))
    finally:
        ro.close()
    assert users == [1, 10]
