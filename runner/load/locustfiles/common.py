"""Client-side request rows for every scenario: one JSON line per request, written in bulk.

A listener on `events.request` buffers one row per request (after locust's own
`contrib/csv_request_logger.py`) and appends the buffer to
`$SYNCBLOCK_CLIENT_LOG_DIR/requests-<pid>.jsonl` at `test_stop` and `quitting`, never per
request. Each locust process (also `--processes N` workers) writes its own file.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from locust import FastHttpUser, events
from locust.env import Environment

from app.contract import (
    CLIENT_LOG_ENV,
    CONNECTIONS_ENV,
    GO_FILE_ENV,
    HEALTH_PATH,
    PASSWORD_ENV,
    REGISTER_PATH,
    REQUEST_ID_HEADER,
    WAIT_FOR_TARGET_ENV,
    requests_file,
)
from runner.load.locustfiles import probe
from runner.load.locustfiles.rows import client_row
from runner.processes.proc import wait_until


class RequestLog:
    """Buffers client rows in memory; `flush` appends them to this process's file."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def on_request(self, **kw: Any) -> None:
        self.rows.append(
            client_row(
                request_type=kw["request_type"],
                url=kw.get("url"),
                name=kw["name"],
                response=kw.get("response"),
                exception=kw.get("exception"),
                start_time=kw.get("start_time"),
                response_time=kw.get("response_time"),
                context=kw.get("context"),
                pid=os.getpid(),
            )
        )

    def flush(self, environment: Any = None, **_: Any) -> None:
        log_dir = client_dir_option(environment) or os.environ.get(CLIENT_LOG_ENV)
        if not log_dir or not self.rows:
            return
        rows, self.rows = self.rows, []
        Path(log_dir).mkdir(parents=True, exist_ok=True)
        text = "".join(json.dumps(r) + "\n" for r in rows)
        with open(requests_file(Path(log_dir), os.getpid()), "a", encoding="utf-8") as f:
            f.write(text)


REQUEST_LOG = RequestLog()
CLIENT_DIR_OPTION = "syncblock_client_dir"


def client_dir_option(environment: Any) -> str | None:
    """The client-row dir the master passed (locust sends custom options to its workers)."""
    options = getattr(environment, "parsed_options", None)
    return getattr(options, CLIENT_DIR_OPTION, None) or None


@events.init_command_line_parser.add_listener
def _options(parser: Any, **_: Any) -> None:
    # Distributed load: the master's client-row dir reaches every worker with the spawn
    # message, so each worker writes its own rows file where the runner collects them.
    parser.add_argument(
        "--syncblock-client-dir",
        default=os.environ.get(CLIENT_LOG_ENV, ""),
        help="where each locust process writes its client rows (syncblock)",
    )


def wait_for_target(host: str, timeout: float) -> bool:
    """Poll host's health until it answers 200 or `timeout` s pass (gevent-friendly).
    Any other HTTP answer also means the server is up (a user's app has no health path)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(host.rstrip("/") + HEALTH_PATH, timeout=2) as r:
                if r.status == 200:
                    return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


@events.init.add_listener
def _register(environment: Environment, **_: Any) -> None:
    # Locust starts alongside the server: hold the users until the runner says go (the server
    # is ready and sampled), else until the target answers. The init event fires before the
    # load starts, so the run-time clock waits too. A worker waits for nothing: its master
    # starts the load.
    from locust.runners import WorkerRunner

    wait = os.environ.get(WAIT_FOR_TARGET_ENV)
    go = os.environ.get(GO_FILE_ENV)
    if wait and not isinstance(environment.runner, WorkerRunner):
        if go:
            with contextlib.suppress(TimeoutError):
                wait_until(Path(go).exists, timeout=float(wait), what="go", interval=0.01)
        elif environment.host:
            wait_for_target(environment.host, float(wait))
    environment.events.request.add_listener(REQUEST_LOG.on_request)
    probe.install(environment)  # the health probe (load.probe_hz); stops before the flush
    environment.events.test_stop.add_listener(REQUEST_LOG.flush)
    environment.events.quitting.add_listener(REQUEST_LOG.flush)


DEFAULT_PASSWORD = "correct-horse-9"


def new_request_id() -> str:
    return uuid.uuid4().hex


def password() -> str:
    return os.environ.get(PASSWORD_ENV) or DEFAULT_PASSWORD


def connection_headers(mode: str | None) -> dict[str, str]:
    """Extra headers for `load.connections` (pure). `persistent`: one kept-alive connection per
    user. `per_request`: a new TCP connection for every request; the request says
    "Connection: close", so the server closes it after the answer and locust's client opens
    a fresh one for the next request."""
    if mode in (None, "", "persistent"):
        return {}
    if mode == "per_request":
        return {"Connection": "close"}
    raise ValueError(f"{CONNECTIONS_ENV}={mode!r}: must be persistent or per_request")


CONNECTION_HEADERS = connection_headers(os.environ.get(CONNECTIONS_ENV))


class SyncblockUser(FastHttpUser):
    """Base user: every request carries a fresh X-Request-ID; usernames never repeat."""

    abstract = True

    def send(self, method: str, path: str, t_intended: float | None = None, **kwargs: Any) -> None:
        """t_intended: when an open-loop schedule meant the request to leave (epoch s)."""
        rid = new_request_id()
        headers = {REQUEST_ID_HEADER: rid, **CONNECTION_HEADERS}
        context = {"request_id": rid, "t_intended": t_intended}
        self.client.request(method, path, headers=headers, context=context, **kwargs)

    def register(self, t_intended: float | None = None) -> None:
        name = f"u{uuid.uuid4().hex}"
        body = {"username": name, "password": password()}
        self.send("POST", REGISTER_PATH, t_intended, json=body)

    def health(self, t_intended: float | None = None) -> None:
        self.send("GET", HEALTH_PATH, t_intended)
