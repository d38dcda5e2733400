"""The doctor's locustfile against a recording HTTP server: names, rows, mix and sequence."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from app.contract import (
    CLIENT_LOG_ENV,
    DOCTOR_MODE_ENV,
    DOCTOR_PLAN_ENV,
    REPO_ROOT,
    REQUEST_ID_HEADER,
    SEQUENTIAL_REQUESTS_ENV,
)
from runner.doctor.plan import Call, Plan, PlannedRoute, to_json

PLAN = Plan(
    "x:app",
    (
        PlannedRoute("GET /ping", "GET", "/ping", (Call("/ping"),), None, "routes"),
        PlannedRoute(
            "GET /items/{item_id}",
            "GET",
            "/items/{item_id}",
            (Call("/items/1?v=true"), Call("/items/2")),
            None,
            "openapi",
        ),
        PlannedRoute(
            "POST /items",
            "POST",
            "/items",
            (Call("/items", {"name": "pen"}, {"X-Tenant": "acme"}),),
            None,
            "openapi",
        ),
    ),
    probe_path="/ping",
)


class Recorder(BaseHTTPRequestHandler):
    """Answers 200 to anything and records (method, path, request id, tenant, body)."""

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode() if length else None
        seen = (self.command, self.path, self.headers.get(REQUEST_ID_HEADER))
        self.server.seen.append((*seen, self.headers.get("X-Tenant"), body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = _answer  # noqa: N815 (http.server's names)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[Any]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    srv.seen = []  # type: ignore[attr-defined]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def run_locust(tmp_path: Path, server: Any, mode: str, *args: str) -> list[dict[str, Any]]:
    """Run the locustfile on PLAN against `server`; the client rows it wrote."""
    (tmp_path / "plan.json").write_text(to_json(PLAN))
    env = os.environ | {
        DOCTOR_PLAN_ENV: str(tmp_path / "plan.json"),
        DOCTOR_MODE_ENV: mode,
        CLIENT_LOG_ENV: str(tmp_path / "client"),
        SEQUENTIAL_REQUESTS_ENV: "3",
    }
    host = f"http://127.0.0.1:{server.server_address[1]}"
    cmd = [sys.executable, "-m", "locust", "-f", "runner/load/locustfiles/doctor.py", "--headless"]
    cmd += ["--host", host, "--csv", str(tmp_path / "locust"), "--only-summary", *args]
    done = subprocess.run(
        cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    files = sorted((tmp_path / "client").glob("requests-*.jsonl"))
    return [json.loads(line) for f in files for line in f.read_text().splitlines()]


@pytest.mark.e2e
def test_mix_names_by_template_and_rows_keep_paths(tmp_path: Path, server: Any) -> None:
    """Under load: an even mix, stats named by template, rows with the concrete path and id."""
    # -t counts from locust's start: on a loaded machine 2 s were seen to pass before a request
    rows = run_locust(tmp_path, server, "mix", "-u", "3", "-r", "3", "-t", "5s")
    with open(tmp_path / "locust_stats.csv", newline="") as f:
        names = {r["Name"]: int(r["Request Count"]) for r in csv.DictReader(f)}
    assert set(names) == {"GET /ping", "GET /items/{item_id}", "POST /items", "Aggregated"}
    per_route = [names["GET /ping"], names["GET /items/{item_id}"], names["POST /items"]]
    assert min(per_route) > 10 and max(per_route) - min(per_route) <= 3  # in flight at the end
    assert {r["path"] for r in rows} == {"/ping", "/items/1", "/items/2", "/items"}
    seen = server.seen
    assert {r["request_id"] for r in rows} <= {rid for _, _, rid, _, _ in seen}
    posts = [(tenant, body) for method, _, _, tenant, body in seen if method == "POST"]
    assert set(posts) == {("acme", '{"name": "pen"}')}
    assert "/items/1?v=true" in {path for _, path, _, _, _ in seen}


@pytest.mark.e2e
def test_sequential_sends_each_route_alone(tmp_path: Path, server: Any) -> None:
    """Sequential: one user, warm-up on the probe path, then N of each route in plan order."""
    rows = run_locust(tmp_path, server, "sequential", "-u", "4", "-r", "4", "-t", "30s")
    items = [("GET", "/items/1?v=true"), ("GET", "/items/2"), ("GET", "/items/1?v=true")]
    expected = [("GET", "/ping")] * (1 + 3) + items + [("POST", "/items")] * 3
    sent = [(method, path) for method, path, _, _, _ in server.seen]
    assert sent == expected  # warm-up, then 3 of each route, one at a time, in plan order
    by_time = sorted(rows, key=lambda r: r["t_start"])
    assert [r["path"] for r in by_time] == [path.split("?")[0] for _, path in sent]
