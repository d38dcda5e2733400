"""runner.store.redact: URL passwords masked wherever a URL can land (pure)."""

from __future__ import annotations

import logging
from pathlib import Path

from runner.serve.databases import database_name
from runner.store.redact import RedactFilter, redact, redact_data, scrub_files


def test_redact_masks_the_password_of_every_url() -> None:
    """user:password@ and ?password= are masked; URLs without one, and other text, are kept."""
    assert redact("db.url=postgresql+psycopg://bob:s3cr%40t@h:5432/x") == (
        "db.url=postgresql+psycopg://bob:***@h:5432/x"
    )
    assert redact("a postgresql://u:p@h/d and mysql://v:q@k/e") == (
        "a postgresql://u:***@h/d and mysql://v:***@k/e"
    )
    assert redact("postgresql://u@h/d?sslmode=x&password=pw&x=1") == (
        "postgresql://u@h/d?sslmode=x&password=***&x=1"
    )
    for kept in ("postgresql+psycopg://postgres@127.0.0.1:5/db", "sqlite:////tmp/a.db", "a:b@c"):
        assert redact(kept) == kept


def test_redact_data_and_json_text() -> None:
    """Nested config values are masked; keys and non-strings are kept."""
    cfg = {"db": {"url": "postgresql://u:pw@h/d", "pool_size": 3}, "x": ["postgresql://a:b@c"]}
    assert redact_data(cfg) == {
        "db": {"url": "postgresql://u:***@h/d", "pool_size": 3},
        "x": ["postgresql://a:***@c"],
    }


def test_scrub_files_and_log_filter(tmp_path: Path) -> None:
    """Files are rewritten masked (missing ones ignored); log records are masked."""
    f = tmp_path / "overrides.yaml"
    f.write_text("- db.url=postgresql://u:pw@h/d\n")
    scrub_files([f, tmp_path / "missing.yaml"])
    assert f.read_text() == "- db.url=postgresql://u:***@h/d\n"
    record = logging.LogRecord(
        "x", logging.INFO, "f", 1, "#%d : %s", (0, "postgresql://u:pw@h"), None
    )
    assert RedactFilter().filter(record)
    assert record.getMessage() == "#0 : postgresql://u:***@h"


def test_database_name_is_a_plain_identifier() -> None:
    """Cell database names: lower case, [a-z0-9_], at most 63 characters, one per job."""
    name = database_name("sweep-2026-11-27_02-00-00-ABCDEF" * 3, 12)
    assert name.endswith("_j12") and len(name) <= 63
    assert name == name.lower() and all(ch.isalnum() or ch == "_" for ch in name)
    assert database_name("s", 1) != database_name("s", 2)
