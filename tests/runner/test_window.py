"""Which requests a cell's measured window counts (views.sql, cell_window.by_answer), and the
runner's side of the rule: a closed, timed load stops without draining; others drain."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from runner.cell import load_plan
from runner.load.loadgen import STOP_TIMEOUT_S, locust_argv
from runner.store import open_store

# (request id, sent at, duration ms, in_warmup) for a window [10, 20]
ROWS = [
    ("warm-into", 9.5, 1000.0, True),  # sent in the warm-up, answered inside
    ("inside", 12.0, 100.0, False),
    ("past-end", 19.5, 1000.0, False),  # sent inside, answered after the end
    ("warm-only", 8.0, 100.0, True),
]


def _measured(tmp_path: Path, scenario: str, arrival: str) -> set[str]:
    con = open_store(tmp_path / "s.duckdb")
    try:
        con.execute(
            "INSERT INTO cells (cell_id, sweep_id, cell_key, scenario, hashing, status,"
            " t_measure_start, t_measure_end, arrival) VALUES ('c', 's', 'k', ?, 'blocking',"
            " 'ok', 10, 20, ?)",
            [scenario, arrival],
        )
        for side in ("client", "server"):
            con.executemany(
                "INSERT INTO requests (cell_id, side, request_id, path, status, t_start,"
                " duration_ms, in_warmup) VALUES ('c', ?, ?, '/', 200, ?, ?, ?)",
                [(side, *row) for row in ROWS],
            )
        got = con.execute("SELECT side, request_id FROM measured_requests").fetchall()
    finally:
        con.close()
    sides = {side for side, _ in got}
    assert sides == {"client", "server"}
    return {rid for side, rid in got if side == "client"}


def test_closed_load_counts_what_was_answered_inside(tmp_path: Path) -> None:
    assert _measured(tmp_path, "mixed", "closed") == {"warm-into", "inside"}


def test_open_and_sequential_count_what_was_sent_inside(tmp_path: Path) -> None:
    assert _measured(tmp_path / "o", "mixed", "open") == {"inside", "past-end"}
    assert _measured(tmp_path / "q", "sequential", "closed") == {"inside", "past-end"}


def test_only_a_closed_timed_load_stops_without_draining(
    tmp_path: Path, cell_spec: Callable[..., Any]
) -> None:
    def stop_timeout(*overrides: str) -> str:
        argv = locust_argv(load_plan(cell_spec(*overrides), "http://127.0.0.1:1"), tmp_path)
        return argv[argv.index("--stop-timeout") + 1]

    assert stop_timeout("users=3") == "0"
    assert cell_spec("users=3").load_env()["SYNCBLOCK_LOAD_DRAIN"] == "0"
    assert stop_timeout("load.arrival=open", "load.rate=5") == str(STOP_TIMEOUT_S)
    assert stop_timeout("scenario=sequential") == str(STOP_TIMEOUT_S)
    assert cell_spec("scenario=sequential").load_env()["SYNCBLOCK_LOAD_DRAIN"] == "1"
