"""The db section: SQLite vs PostgreSQL at the top common user count (pure)."""

from __future__ import annotations

from typing import Any

from analysis.sections import db
from app.contract import HEALTH_PATH, REGISTER_PATH


def row(cell: str, db: str, users: int, endpoint: str, **kw: Any) -> dict[str, Any]:
    base = {"cell_id": cell, "db": db, "users": users, "endpoint": endpoint, "scenario": "mixed"}
    base |= {"hashing": "threadpool", "workers": 4, "avg_ms": 100.0, "p95_ms": 200.0}
    return base | {"rps": 10.0, "failures": 0, "db_avg_ms": None} | kw


def test_compare_picks_the_top_common_user_count() -> None:
    """Users 20 is on both databases, 40 on SQLite only: the rows are at 20, one per db."""
    summary = [
        row("s20", "sqlite", 20, REGISTER_PATH, avg_ms=50.0, db_avg_ms=1.5),
        row("s20", "sqlite", 20, HEALTH_PATH, failures=2),
        row("s40", "sqlite", 40, REGISTER_PATH),
        row("p20", "postgres", 20, REGISTER_PATH, avg_ms=60.0, db_avg_ms=4.0, failures=1),
        row("p5", "postgres", 5, REGISTER_PATH),
    ]
    rows = db.compare(summary)
    assert [(r["db"], r["users"]) for r in rows] == [("sqlite", 20), ("postgres", 20)]
    sqlite, postgres = rows
    assert sqlite["failures"] == 2 and postgres["failures"] == 1
    assert sqlite["register_avg_ms"] == 50.0 and postgres["db_ms"] == 4.0
    text = " ".join(db.paragraphs(rows))
    assert "4.00 ms in PostgreSQL" in text and "1.50 ms in SQLite" in text
    assert db.figure(rows) is not None


def test_no_section_without_both_databases() -> None:
    """A sweep of one database (or with no common user count) gives no rows, no figure."""
    assert db.compare([row("s", "sqlite", 5, REGISTER_PATH)]) == []
    both = [row("s", "sqlite", 5, REGISTER_PATH), row("p", "postgres", 10, REGISTER_PATH)]
    assert db.compare(both) == []
    assert db.figure([]) is None and db.paragraphs([]) == []
