"""db_ms: the server-side time of a request's database call, in the request record."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


@pytest.mark.parametrize("hashing", ["blocking", "sync_def", "threadpool"])
def test_register_records_db_ms_and_health_none(
    make_settings: Callable[..., Settings], tmp_path: Path, hashing: str
) -> None:
    """A registration's record carries its database time (> 0, < its whole duration);
    health, which touches no database, has no db_ms field."""
    app = create_app(make_settings(hashing=hashing))
    with TestClient(app) as client:
        body = {"username": "ada_db", "password": "correct horse"}
        assert client.post("/api/users/register/", json=body).status_code == 201
        assert client.post("/api/users/register/", json=body).status_code == 409
        assert client.post("/api/users/login/", json=body).status_code == 200
        assert client.get("/api/health/").status_code == 200
    lines = (tmp_path / "server").glob("requests-*.jsonl")
    records = [json.loads(line) for f in lines for line in f.read_text().splitlines()]
    assert [r["status"] for r in records] == [201, 409, 200, 200]
    for r in records[:3]:
        assert 0 < r["db_ms"] < r["duration_ms"]
    assert "db_ms" not in records[3]  # read as NULL by ingest
