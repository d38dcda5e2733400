"""`python -m analysis`: user errors are one line and exit 2; `sql` prints a table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from analysis.cli import main
from tests.analysis.handmade import Cell, make_store

ROOT = Path(__file__).resolve().parents[2]


def test_missing_store_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A store that does not exist: exit 2, one line naming it, no traceback, no report."""
    code = main(["--store", str(tmp_path / "nope.duckdb"), "--out", str(tmp_path / "r.html")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "nope.duckdb" in err and "Traceback" not in err
    assert not (tmp_path / "r.html").exists()


def test_empty_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A store with the schema but no cells: exit 2 and a line saying so."""
    store = make_store(tmp_path / "s.duckdb", [])
    assert main(["--store", str(store), "--out", str(tmp_path / "r.html")]) == 2
    assert "no cells" in capsys.readouterr().err


def test_not_a_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A DuckDB file with someone else's tables is refused in one line (the store's own open)."""
    path = tmp_path / "other.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE orders (id INTEGER)")
    assert main(["--store", str(path)]) == 2
    assert "not a syncblock store" in capsys.readouterr().err


def test_unknown_sweep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown sweep id: exit 2 and the known ids listed."""
    store = make_store(tmp_path / "s.duckdb", [Cell()])
    assert main(["--store", str(store), "--sweep", "zzz", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "unknown sweep id 'zzz'" in err and "s1" in err


def test_sql_prints_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`sql` prints the query's rows as a table; bad SQL is one line and exit 2."""
    store = make_store(tmp_path / "s.duckdb", [Cell(hashing="threadpool")])
    assert main(["--store", str(store), "sql", "select hashing, users from cells"]) == 0
    out = capsys.readouterr().out
    assert "threadpool" in out and "1 rows" in out
    assert main(["sql", "--store", str(store), "select nope from cells"]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_module_entry_writes_report(tmp_path: Path) -> None:
    """`python -m analysis --store S --out O` runs as a module and writes the page."""
    store = make_store(tmp_path / "s.duckdb", [Cell()])
    out = tmp_path / "report.html"
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "--store", str(store), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().startswith("<!DOCTYPE html>")
