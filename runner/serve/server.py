"""The uvicorn launcher shared by the runner and the tests.

`UvicornServer` starts `python -m uvicorn <app> --workers N` in its own process group
(via `runner.processes.proc.ManagedProcess`), waits until `/api/health/` answers and every worker
has logged "Application startup complete", and on exit stops it gracefully (SIGINT to
the master, so workers run their lifespan shutdown and flush their logs), then kills
whatever of the group is left.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Self

import httpx
import psutil

from app.contract import DEFAULT_APP, GRACEFUL_SHUTDOWN_S, HEALTH_PATH, REPO_ROOT
from runner.processes.lifecycle import Lifecycle
from runner.processes.proc import ManagedProcess, free_port

STARTUP_COMPLETE = "Application startup complete"
# Seen before readiness, these mean a worker failed (uvicorn's master would restart it forever).
_FAILURE_SIGNS = ("Application startup failed", "Traceback (most recent call last)")
_STARTED_PID = re.compile(r"Started server process \[(\d+)\]")
_ERROR_LINE = re.compile(r"^(?:[\w.]+\.)?\w*(?:Error|Exception|Exit)\b.*$")


class ServerStartError(RuntimeError):
    """The server did not come up; the message is one line, the log file has the rest."""


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def failure_reason(log_text: str) -> str:
    """One line saying why a server that exited early failed, from its log."""
    if "address already in use" in log_text.lower():
        return "address already in use"
    lines = [line.strip() for line in log_text.splitlines() if line.strip()]
    errors = [line for line in lines if _ERROR_LINE.match(line)]
    if errors:
        return errors[-1][:300]
    return lines[-1][:300] if lines else "no output"


class ServerBase(Lifecycle):
    """What both launchers (`UvicornServer`, `reuseport.ReuseportServer`) share: where they
    listen, how long they wait, their log, their readiness check, and `with`."""

    def __init__(
        self,
        *,
        workers: int,
        env: Mapping[str, str],
        log_path: Path,
        host: str = "127.0.0.1",
        port: int | None = None,
        app: str = DEFAULT_APP,
        ready_path: str | None = HEALTH_PATH,
        start_timeout: float = 60.0,
        stop_timeout: float = 15.0,
        python: str = sys.executable,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.workers = workers
        self.host = host
        self.port = free_port(host) if port is None else port
        self.url = f"http://{host}:{self.port}"
        self.log_path = Path(log_path)
        self.start_timeout = start_timeout
        self.ready_path = ready_path  # None: any HTTP answer on / means up (a user's app)
        self.stop_timeout = stop_timeout
        self.python = python  # the server's interpreter (server.python): ours by default
        self._prepare(app, {**os.environ, **env})

    def _prepare(self, app: str, env: dict[str, str]) -> None:
        """Build (not start) the process(es) serving `app` with the full environment `env`."""
        raise NotImplementedError

    def _log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _failure_text(self, settle_s: float = 0.5, limit_s: float = 5.0) -> str:
        """The log once a failure has been seen in it: a traceback is written in pieces, so
        wait until the log has not grown for `settle_s` (at most `limit_s`) before reading it."""
        text = self._log_text()
        deadline = time.monotonic() + limit_s
        quiet_since = time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - quiet_since < settle_s:
            time.sleep(0.05)
            latest = self._log_text()
            if latest != text:
                text, quiet_since = latest, time.monotonic()
        return text

    def _health_ok(self, client: httpx.Client) -> bool:
        """The server answers: 200 on ready_path, or any HTTP answer on / when it is None."""
        try:
            if self.ready_path is None:
                client.get(self.url + "/")
                return True
            return client.get(self.url + self.ready_path).status_code == 200
        except httpx.HTTPError:
            return False


class UvicornServer(ServerBase):
    def _prepare(self, app: str, env: dict[str, str]) -> None:
        argv = [
            self.python,
            "-m",
            "uvicorn",
            app,
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--no-access-log",
            "--timeout-graceful-shutdown",
            str(math.ceil(GRACEFUL_SHUTDOWN_S)),  # whole seconds on the command line
            "--app-dir",
            str(REPO_ROOT),
        ]
        self._proc = ManagedProcess(
            argv, log_path=self.log_path, env=env, stop_timeout=self.stop_timeout
        )

    @property
    def pid(self) -> int:
        return self._proc.pid

    def worker_pids(self) -> list[int]:
        """Live processes serving requests (the master itself when workers == 1)."""
        pids = {int(m) for m in _STARTED_PID.findall(self._log_text())}
        return sorted(p for p in pids if psutil.pid_exists(p))

    def _fail(self, reason: str) -> ServerStartError:
        with contextlib.suppress(OSError), self.log_path.open("a") as f:
            f.write(f"\n[syncblock] server start failed: {reason}\n")
        self._proc.stop()
        return ServerStartError(f"uvicorn on {self.url}: {reason} (log: {self.log_path})")

    def start(self) -> Self:
        if port_in_use(self.host, self.port):
            raise ServerStartError(f"port {self.port} on {self.host} is already in use")
        try:
            self._proc.start()
            return self._wait_ready()
        except BaseException:  # Ctrl-C while starting too: a half-started server never leaks
            self._proc.stop()
            raise

    def _wait_ready(self) -> Self:
        deadline = time.monotonic() + self.start_timeout
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while True:
                code = self._proc.poll()
                text = self._log_text()
                if code is not None:
                    reason = failure_reason(self._failure_text())
                    raise self._fail(f"exited with code {code}: {reason}")
                if any(sign in text for sign in _FAILURE_SIGNS):
                    raise self._fail(f"startup failed: {failure_reason(self._failure_text())}")
                ready = text.count(STARTUP_COMPLETE) >= self.workers
                if ready and self._health_ok(client):
                    self._proc.children()  # remember the family for the final kill
                    return self
                if time.monotonic() >= deadline:
                    raise self._fail(f"not ready after {self.start_timeout:g} s")
                time.sleep(0.1)

    def stop(self) -> int | None:
        """SIGINT to the master, wait `stop_timeout`, then kill the whole group."""
        if self._proc.poll() is None:
            self._proc.children()
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=self.stop_timeout)
        return self._proc.stop()
