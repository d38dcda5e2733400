"""Foreign load: the CPU other processes on the host took during a cell's window, from the
sampler's host ticks; flagged past 10 % of the machine (hand-made ticks, and a real hog)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from runner.store import open_store
from runner.store.foreign import FOREIGN_SHARE
from tests.fixtures import CELL_DIRS, build_fixture_store, fixture_cell
from tests.runner.helpers import PLAIN, query, run_runner


def _with_ticks(tmp_path: Path, foreign: list[float]) -> Path:
    """The captured mixed cell with host ticks: `foreign` % of a core beside 150 % own."""
    cell = tmp_path / "cell"
    shutil.copytree(CELL_DIRS[0], cell)
    rec = fixture_cell(cell, "s")
    t0, t1 = float(rec.t_measure_start or 0), float(rec.t_measure_end or 0)
    step = (t1 - t0) / (len(foreign) + 1)
    rows = [{"t": t0 - 1, "host_cpu_percent": 190.0, "own_cpu_percent": 0.0}]  # warm-up
    rows += [
        {"t": t0 + (i + 1) * step, "host_cpu_percent": 150.0 + f, "own_cpu_percent": 150.0}
        for i, f in enumerate(foreign)
    ]
    (cell / "host.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return build_fixture_store(tmp_path / "s.duckdb", (cell,))


def test_quiet_host_is_not_flagged(tmp_path: Path) -> None:
    """Ticks where the host ran only the cell: foreign 0, not flagged; warm-up ticks ignored."""
    con = open_store(_with_ticks(tmp_path, [0.0, 0.0, 0.0]), read_only=True)
    assert con.execute("SELECT foreign_cpu_pct, foreign_load FROM cells").fetchall() == [
        (0.0, False)
    ]


def test_busy_host_is_flagged_with_its_mean_and_peak(tmp_path: Path) -> None:
    """Other processes at 20/60/100 % of a core on 2 cores: mean 60 %, peak 100 %, past the
    10 %-of-the-machine line (20 % of a core); cell_summary carries the flag."""
    con = open_store(_with_ticks(tmp_path, [20.0, 60.0, 100.0]), read_only=True)
    mean, peak, flagged = con.execute(
        "SELECT foreign_cpu_pct, foreign_cpu_max_pct, foreign_load FROM cells"
    ).fetchone()
    assert (mean, peak, flagged) == (pytest.approx(60.0), pytest.approx(100.0), True)
    assert FOREIGN_SHARE * 2 * 100 < mean
    assert {r[0] for r in con.execute("SELECT foreign_load FROM cell_summary").fetchall()} == {True}


@pytest.mark.e2e
def test_a_cpu_hog_beside_a_real_cell_is_measured_and_flagged(tmp_path: Path) -> None:
    """A busy loop running beside a real cell: its CPU shows as foreign (at least a third of a
    core: it gets that much on 2 cores beside the cell's few processes) and the cell is
    flagged, in the store and on the progress line."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        done = run_runner(
            "scenario=health", "users=1", "duration=3", "warmup=1", "load.probe_hz=0", *PLAIN,
            f"store={tmp_path / 'r.duckdb'}", f"hydra.run.dir={tmp_path / 'run'}",
        )  # fmt: skip
    finally:
        hog.kill()
        hog.wait(timeout=10)
    assert done.returncode == 0, done.stderr[-3000:]
    ((mean, peak, flagged),) = query(
        tmp_path / "r.duckdb",
        "SELECT foreign_cpu_pct, foreign_cpu_max_pct, foreign_load FROM cells",
    )
    assert mean >= 33 and peak >= mean and flagged, (mean, peak)
    assert "foreign load" in done.stdout
    own = query(tmp_path / "r.duckdb", "SELECT max(own_cpu_percent) FROM host_ticks")[0][0]
    assert own > 0  # the cell's own processes are counted apart
