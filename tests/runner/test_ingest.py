"""Ingest of real captured cells: idempotent, complete, split at the warm-up, atomic."""

from __future__ import annotations

import csv
import json
import math
import shutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from runner.store import CELL_TABLES, ingest_cell, open_store
from tests.fixtures import CELL_DIRS, DOCTOR_DIRS, FIXTURES, build_fixture_store, fixture_cell

MIXED = FIXTURES / "cell_mixed"
KILLED = FIXTURES / "cell_worker_killed"


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = open_store(tmp_path / "s.duckdb")
    yield connection
    connection.close()


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in CELL_TABLES}


def _jsonl(paths: list[Path]) -> list[dict[str, Any]]:
    return [json.loads(line) for p in paths for line in p.read_text().splitlines()]


def test_reingest_never_duplicates(con: duckdb.DuckDBPyConnection) -> None:
    """Ingesting the same cells twice leaves the same rows, and reports the same counts."""
    first = [ingest_cell(con, fixture_cell(d, "s"), d) for d in CELL_DIRS]
    after_first = _counts(con)
    second = [ingest_cell(con, fixture_cell(d, "s"), d) for d in CELL_DIRS]
    assert first == second
    assert _counts(con) == after_first
    assert after_first["cells"] == 2


def test_counts_match_the_files(con: duckdb.DuckDBPyConnection) -> None:
    """Every line of every captured file becomes exactly one row of its table."""
    counts = ingest_cell(con, fixture_cell(MIXED, "s"), MIXED)
    lines = {
        "requests": len(_jsonl([*MIXED.glob("client/*.jsonl"), *MIXED.glob("server/requests-*")])),
        "loop_lag": len(_jsonl(list(MIXED.glob("server/lag-*.jsonl")))),
        "resources": len(_jsonl([MIXED / "resources.jsonl"])),
        "locust_stats": len((MIXED / "locust_stats.csv").read_text().splitlines()) - 1,
        "locust_history": len((MIXED / "locust_stats_history.csv").read_text().splitlines()) - 1,
    }
    assert {t: counts[t] for t in lines} == lines
    assert all(n > 0 for n in lines.values())


def test_every_table_populated(tmp_path: Path) -> None:
    """The fixture store has rows in every table, failures included (the killed worker)."""
    cells = CELL_DIRS + DOCTOR_DIRS  # the doctor's findings come from its own cells
    con = open_store(build_fixture_store(tmp_path / "s.duckdb", cells), read_only=True)
    counts = _counts(con) | {"sweeps": con.execute("SELECT count(*) FROM sweeps").fetchall()[0][0]}
    assert all(n > 0 for n in counts.values()), counts  # stalls: the watchdog's, blocking
    failure = con.execute("SELECT method, name FROM failures").fetchall()
    assert failure == [("POST", "/api/users/register/")]  # the killed worker's in-flight ones
    con.close()


def test_no_joined_request_waits_less_than_nothing(tmp_path: Path) -> None:
    """Client time minus server time of every request both sides logged is > -3 ms: the
    server's timer ends when the response is sent, inside the client's. A middleware that timed
    past the send would take in what the loop ran next, in these blocking cells another
    registration's hash (`hash_ms`, about 24 ms at cost 8). What it can show is the server's
    process preempted between its write and its clock read (the two workers, locust and the
    runner share 2 cores): one scheduler slice, 3 ms at most here (the capture through the
    runner showed -0.7 ms once in 440)."""
    con = open_store(build_fixture_store(tmp_path / "s.duckdb"), read_only=True)
    joined, worst = con.execute(
        "SELECT count(*), min(c.duration_ms - s.duration_ms) FROM requests c JOIN requests s"
        " ON s.cell_id = c.cell_id AND s.request_id = c.request_id AND s.side = 'server'"
        " WHERE c.side = 'client'"
    ).fetchall()[0]
    con.close()
    assert joined > 20 and worst > -3.0, (joined, worst)


def test_locust_headers_mapped(con: duckdb.DuckDBPyConnection) -> None:
    """locust's CSV columns land in our names with their values ('N/A' -> NULL)."""
    ingest_cell(con, fixture_cell(MIXED, "s"), MIXED)
    row = con.execute(
        "SELECT type, request_count, failure_count, median_ms, p50_ms, p95_ms, p100_ms, rps "
        "FROM locust_stats WHERE name = '/api/users/register/'"
    ).fetchall()
    with (MIXED / "locust_stats.csv").open() as f:
        csv_row = next(r for r in csv.DictReader(f) if r["Name"] == "/api/users/register/")
    assert row == [
        (
            csv_row["Type"],
            int(csv_row["Request Count"]),
            int(csv_row["Failure Count"]),
            float(csv_row["Median Response Time"]),
            float(csv_row["50%"]),
            float(csv_row["95%"]),
            float(csv_row["100%"]),
            float(csv_row["Requests/s"]),
        )
    ]
    first = con.execute(
        "SELECT user_count, type, name, p50_ms, total_request_count FROM locust_history "
        "ORDER BY ts, name LIMIT 1"
    ).fetchall()
    assert first == [(0, "", "Aggregated", None, 0)]  # locust's first row: 'N/A' -> NULL


def test_client_and_server_rows_join(con: duckdb.DuckDBPyConnection) -> None:
    """At least 95 % of the server's rows have the client row of the same request_id."""
    ingest_cell(con, fixture_cell(MIXED, "s"), MIXED)
    server, joined = con.execute(
        "SELECT count(*), count(c.request_id) FROM requests s LEFT JOIN requests c "
        "ON c.side = 'client' AND c.request_id = s.request_id WHERE s.side = 'server'"
    ).fetchall()[0]
    assert server > 20 and joined / server >= 0.95


def test_warmup_split(con: duckdb.DuckDBPyConnection) -> None:
    """in_warmup is exactly t < t_measure_start, for requests and loop lag."""
    rec = fixture_cell(MIXED, "s")
    ingest_cell(con, rec, MIXED)
    t0 = rec.t_measure_start
    assert t0 is not None
    client = _jsonl(list(MIXED.glob("client/*.jsonl")))
    lag = _jsonl(list(MIXED.glob("server/lag-*.jsonl")))
    expected = {
        ("client", True): sum(r["t_start"] < t0 for r in client),
        ("client", False): sum(r["t_start"] >= t0 for r in client),
        ("lag", True): sum(r["t"] < t0 for r in lag),
        ("lag", False): sum(r["t"] >= t0 for r in lag),
    }
    got = dict.fromkeys(expected, 0)
    for w, n in con.execute(
        "SELECT in_warmup, count(*) FROM requests WHERE side = 'client' GROUP BY ALL"
    ).fetchall():
        got[("client", w)] = n
    for w, n in con.execute("SELECT in_warmup, count(*) FROM loop_lag GROUP BY ALL").fetchall():
        got[("lag", w)] = n
    assert got == expected
    assert all(n > 0 for n in expected.values())


def _quantile_cont(values: list[float], q: float) -> float:
    """Linear interpolation between order statistics (DuckDB's quantile_cont)."""
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _by_hand(cell: Path) -> dict[str, dict[str, float]]:
    """cell_summary's numbers computed in plain Python straight from the cell's files."""
    rec = json.loads((cell / "record.json").read_text())
    t0, t1 = rec["t_measure_start"], rec["t_measure_end"]

    def answered(r: dict[str, Any]) -> bool:  # a closed-loop load: answered inside the window
        return bool(t0 <= r["t_start"] + r["duration_ms"] / 1000 <= t1)

    assert rec["scenario"] != "sequential" and rec.get("arrival", "closed") == "closed"
    client = [r for r in _jsonl(list(cell.glob("client/*.jsonl"))) if answered(r)]
    server_all = _jsonl(list(cell.glob("server/requests-*.jsonl")))
    server_ms = {r["request_id"]: r["duration_ms"] for r in server_all}
    ticks: dict[float, list[dict[str, Any]]] = defaultdict(list)
    for r in _jsonl([cell / "resources.jsonl"]):
        if t0 <= r["t"] <= t1:
            ticks[r["t"]].append(r)
    cpu = [
        sum(r["cpu_percent"] for r in rs if r["role"] != "load_generator") for rs in ticks.values()
    ]
    rss = [
        sum(r["rss_bytes"] for r in rs if r["role"] != "load_generator") for rs in ticks.values()
    ]
    lag_rows = [r for r in _jsonl(list(cell.glob("server/lag-*.jsonl"))) if t0 <= r["t"] <= t1]
    lag = [r["lag_ms"] for r in lag_rows]
    per_worker = defaultdict(list)
    for r in lag_rows:
        per_worker[r["pid"]].append(r["lag_ms"])
    worst_p99 = max(_quantile_cont(v, 0.99) for v in per_worker.values())
    out = {}
    for path in {r["path"] for r in client}:
        ms = [r["duration_ms"] for r in client if r["path"] == path]
        waits = [
            r["duration_ms"] - server_ms[r["request_id"]]
            for r in client
            if r["path"] == path and r["request_id"] in server_ms
        ]
        srv = [r["duration_ms"] for r in server_all if r["path"] == path and answered(r)]
        out[path] = {
            "requests": len(ms),
            "avg_ms": sum(ms) / len(ms),
            "p50_ms": _quantile_cont(ms, 0.5),
            "p95_ms": _quantile_cont(ms, 0.95),
            "p99_ms": _quantile_cont(ms, 0.99),
            "server_avg_ms": sum(srv) / len(srv),
            "wait_avg_ms": sum(waits) / len(waits),
            "rps": len(ms) / rec["duration_s"],
            "failures": sum(
                1
                for r in client
                if r["path"] == path and (not r["ok"] or r["status"] == 0 or r["status"] >= 400)
            ),
            "cpu_avg_percent": sum(cpu) / len(cpu),
            "cpu_max_percent": max(cpu),
            "rss_max_bytes": max(rss),
            "loop_lag_p99_ms": worst_p99,
            "loop_lag_max_ms": max(lag),
        }
    return out


@pytest.mark.parametrize("cell", CELL_DIRS, ids=lambda p: p.name)
def test_cell_summary_matches_hand_computation(con: duckdb.DuckDBPyConnection, cell: Path) -> None:
    """The view has one row per endpoint and its numbers equal a plain-Python recomputation."""
    ingest_cell(con, fixture_cell(cell, "s"), cell)
    expected = _by_hand(cell)
    names = list(next(iter(expected.values())))
    rows = con.execute(f"SELECT endpoint, {', '.join(names)} FROM cell_summary").fetchall()
    got = {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}
    assert sorted(got) == sorted(expected) == ["/api/health/", "/api/users/register/"]
    for endpoint, numbers in expected.items():
        assert got[endpoint] == pytest.approx(numbers, rel=1e-9), endpoint


def test_killed_worker_failures_counted(con: duckdb.DuckDBPyConnection) -> None:
    """The requests cut by the kill are failures in the view, as locust counted them."""
    ingest_cell(con, fixture_cell(KILLED, "s"), KILLED)
    failures = con.execute("SELECT sum(failures) FROM cell_summary").fetchall()[0][0]
    locust = con.execute("SELECT sum(occurrences) FROM failures").fetchall()[0][0]
    assert failures == locust >= 1


def test_missing_files_are_fine(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """No dir: only the cells row; a client-only dir (target_url) has no server rows."""
    assert ingest_cell(con, fixture_cell(MIXED, "s"), None) == dict.fromkeys(CELL_TABLES, 0) | {
        "cells": 1
    }
    only_client = tmp_path / "cell"
    shutil.copytree(MIXED / "client", only_client / "client")
    counts = ingest_cell(con, fixture_cell(MIXED, "s"), only_client)
    assert counts["requests"] > 0 and counts["loop_lag"] == counts["locust_stats"] == 0
    sides = con.execute("SELECT DISTINCT side FROM requests").fetchall()
    assert sides == [("client",)]


def test_line_cut_by_a_crash_is_skipped(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """A half-written last line (a killed process) is dropped; the whole lines are kept."""
    cell = tmp_path / "cell"
    shutil.copytree(MIXED, cell)
    lag = sorted(cell.glob("server/lag-*.jsonl"))[0]
    whole = len(lag.read_text().splitlines())
    with lag.open("a") as f:
        f.write('{"pid": 1, "t": 17957')
    ingest_cell(con, fixture_cell(cell, "s"), cell)
    pid = int(lag.stem.split("-")[1])
    rows = con.execute("SELECT count(*) FROM loop_lag WHERE pid = ?", [pid]).fetchall()
    assert rows == [(whole,)]
    assert con.execute("SELECT count(*) FROM loop_lag WHERE t IS NULL").fetchall() == [(0,)]


def test_failed_ingest_rolls_back(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """A broken file raises and leaves the previously stored cell exactly as it was."""
    rec = fixture_cell(MIXED, "s")
    ingest_cell(con, rec, MIXED)
    before = _counts(con)
    cell = tmp_path / "cell"
    shutil.copytree(MIXED, cell)
    stats = cell / "locust_stats.csv"
    with stats.open() as f:
        rows = list(csv.reader(f))
    rows[1][rows[0].index("Request Count")] = "many"  # not a BIGINT
    with stats.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    with pytest.raises(duckdb.Error):
        ingest_cell(con, rec, cell)
    assert _counts(con) == before
    con.execute("SELECT 1").fetchall()  # the connection is usable after the rollback
