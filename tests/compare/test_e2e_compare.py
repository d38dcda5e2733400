"""The compare command on two real sweeps (one tiny cell each: blocking, then threadpool)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.runner.helpers import PLAIN, REPO, run_runner

pytestmark = pytest.mark.e2e

CELL = ["duration=2", "warmup=1", "users=2", "bcrypt_rounds=4", *PLAIN]


def test_compare_two_real_sweeps_by_hashing(tmp_path: Path) -> None:
    """Structure only, not timings: exit 0, the table with every metric, the pair found with
    n on each side, nothing unpaired, and the page next to the store."""
    store = tmp_path / "r.duckdb"
    for h in ("blocking", "threadpool"):
        done = run_runner(
            "-m", *CELL, f"hashing={h}", f"store={store}", f"hydra.sweep.dir={tmp_path / h}"
        )
        assert done.returncode == 0, done.stderr[-3000:]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "compare",
            "latest~1",
            "latest",
            "--by",
            "hashing",
            "--keep-foreign-load",  # structure, not timings: a busy CI box flags cells
            "--store",
            str(store),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    print(out)
    assert "pair hashing blocking→threadpool: BASE 1 cell(s), repeat 1; NEW 1 cell(s)" in out
    for metric in (
        "register mean",
        "register p95",
        "health p95, probe",
        "loop lag p99",
        "register throughput",
        "server CPU per request",
    ):
        assert metric in out, metric
    assert "n=" in out and "without a partner" not in out
    assert "1 pairs, " in out
    [page] = tmp_path.glob("compare-*.html")
    assert "blocking→threadpool" in page.read_text()
