"""The stall attribution's acceptance numbers, for real (slow: about 3 minutes of cells; the
default run's short form is tests/runner/test_e2e_sweep.py's blocking cells).

- blocking, 1 worker, 5 users, 20 s: >= 90 % of the stalled time is in stacks through the
  password hashing call (`app.passwords:hash_password`, or `app.work:hash_as`, where the app
  calls bcrypt since the work kinds: it no longer goes through hash_password); threadpool: no
  stall >= 50 ms has it in its stack;
- work=gil_c hashing=threadpool: the watchdog's captures are late, and with
  stalls.sampler=pyspy >= 80 % of the stalled time is attributed to the gil_c function
  (`app.work:backtrack`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.runner.helpers import query, run_runner

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

THROUGH = "list_contains(list_transform(stack, lambda f: f LIKE ? OR f LIKE ?), true)"
HASHING = ["app.passwords:hash_password:%", "app.work:hash_as:%"]
COMMON = ["workers=1", "users=5", "duration=20", "warmup=3", "baseline=false"]


def _sweep(root: Path, *args: str) -> Path:
    store = root / "r.duckdb"
    done = run_runner(
        "-m",
        *args,
        *COMMON,
        "compare.hashing=[]",
        f"store={store}",
        f"hydra.sweep.dir={root / 'sweep'}",
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return store


def test_blocking_stalls_are_hash_password_and_threadpool_ones_are_not(tmp_path: Path) -> None:
    store = _sweep(tmp_path, "hashing=blocking,threadpool")
    share = query(
        store,
        f"SELECT sum(duration_ms) FILTER (WHERE {THROUGH}) / sum(duration_ms) "
        "FROM measured_stalls JOIN cells USING (cell_id) WHERE hashing = 'blocking'",
        HASHING,
    )[0][0]
    assert share >= 0.9
    long_hash = query(
        store,
        f"SELECT count(*) FROM measured_stalls JOIN cells USING (cell_id) "
        f"WHERE hashing = 'threadpool' AND duration_ms >= 50 AND {THROUGH}",
        HASHING,
    )[0][0]
    assert long_hash == 0


def test_a_gil_holding_call_is_late_for_the_watchdog_and_named_by_pyspy(tmp_path: Path) -> None:
    store = _sweep(tmp_path, "work=gil_c", "hashing=threadpool", "stalls.sampler=pyspy")
    by_source = dict(
        (source, (late, named))
        for source, late, named in query(
            store,
            "SELECT source, sum(duration_ms) FILTER (WHERE late) / sum(duration_ms), "
            f"sum(duration_ms) FILTER (WHERE {THROUGH}) / sum(duration_ms) "
            "FROM measured_stalls GROUP BY source",
            ["app.work:backtrack:%", "app.work:backtrack:%"],
        )
    )
    assert by_source["watchdog"][0] >= 0.8  # late: the watchdog could not run
    assert by_source["py-spy"][1] >= 0.8
