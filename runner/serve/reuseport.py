"""`server.balance=reuseport`: N uvicorn processes, each with its own SO_REUSEPORT socket.

`uvicorn --workers N` (balance `shared`) has one listening socket that every worker accepts
from, and a burst of kept-alive connections can all land on one worker. Here each of the N
processes (`runner.serve.reuseport_child`: uvicorn's own `Config`/`Server`, socket made in the
child) listens on the same port with its own socket, and the kernel picks the socket of a
new connection by a hash of its addresses.

Every process is a `ManagedProcess` in its own process group, all writing to one log file
(appends of whole lines). The server is ready when every process has logged "Application
startup complete", all are alive and `/api/health/` answers. `stop()` sends SIGINT to every
process (graceful: lifespans flush the app's logs), waits `stop_timeout` for all of them,
then kills whatever is left of each group; also when interrupted while starting or stopping.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from typing import Self

import httpx

from app.contract import REPO_ROOT
from runner.probe.sampler import Targets, process_tree
from runner.processes.proc import ManagedProcess
from runner.serve.server import (
    _FAILURE_SIGNS,
    STARTUP_COMPLETE,
    ServerBase,
    ServerStartError,
    failure_reason,
    port_in_use,
)


def child_argv(app: str, host: str, port: int, python: str = sys.executable) -> list[str]:
    """The command line of one reuseport process (pure)."""
    return [
        python,
        "-m",
        "runner.serve.reuseport_child",
        app,
        "--host",
        host,
        "--port",
        str(port),
        "--app-dir",
        str(REPO_ROOT),
    ]


class ReuseportServer(ServerBase):
    """Same surface as `UvicornServer`: url, pid, worker_pids(), targets(), start/stop."""

    def _prepare(self, app: str, env: dict[str, str]) -> None:
        argv = child_argv(app, self.host, self.port, self.python)
        self._procs = [
            ManagedProcess(
                argv,
                log_path=self.log_path,
                env=env,
                cwd=REPO_ROOT,
                stop_timeout=self.stop_timeout,
            )
            for _ in range(self.workers)
        ]

    @property
    def pid(self) -> int:
        """The first process (there is no supervisor: every process is a worker)."""
        return self._procs[0].pid

    def worker_pids(self) -> list[int]:
        """Live serving processes."""
        return sorted(p.pid for p in self._started() if p.poll() is None)

    def targets(self) -> Targets:
        """Sampler targets: every process and its descendants (a process pool), all workers."""
        pids = [p.pid for p in self._started()]

        def targets() -> list[tuple[str, int]]:
            return [("server_worker", q) for pid in pids for q in process_tree(pid)]

        return targets

    def _started(self) -> list[ManagedProcess]:
        return [p for p in self._procs if _has_pid(p)]

    def _fail(self, reason: str) -> ServerStartError:
        with contextlib.suppress(OSError), self.log_path.open("a") as f:
            f.write(f"\n[syncblock] server start failed: {reason}\n")
        self._kill_all()
        return ServerStartError(
            f"uvicorn (reuseport) on {self.url}: {reason} (log: {self.log_path})"
        )

    def start(self) -> Self:
        if port_in_use(self.host, self.port):
            raise ServerStartError(f"port {self.port} on {self.host} is already in use")
        try:
            for proc in self._procs:
                proc.start()
            return self._wait_ready()
        except BaseException:  # Ctrl-C while starting too: no process of the server leaks
            self._kill_all()
            raise

    def _wait_ready(self) -> Self:
        deadline = time.monotonic() + self.start_timeout
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while True:
                text = self._log_text()
                for proc in self._procs:
                    code = proc.poll()
                    if code is not None:
                        raise self._fail(
                            f"process {proc.pid} exited with code {code}: "
                            + failure_reason(self._failure_text())
                        )
                if any(sign in text for sign in _FAILURE_SIGNS):
                    raise self._fail(f"startup failed: {failure_reason(self._failure_text())}")
                if text.count(STARTUP_COMPLETE) >= self.workers and self._health_ok(client):
                    for proc in self._procs:
                        proc.children()  # remember each family for the final kill
                    return self
                if time.monotonic() >= deadline:
                    raise self._fail(f"not ready after {self.start_timeout:g} s")
                time.sleep(0.1)

    def stop(self) -> list[int | None]:
        """SIGINT to every process, wait up to `stop_timeout` for all, then kill each group."""
        try:
            live = [p for p in self._started() if p.poll() is None]
            for proc in live:
                proc.children()
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGINT)
            deadline = time.monotonic() + self.stop_timeout
            while any(p.poll() is None for p in live) and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            codes = self._kill_all()
        return codes

    def _kill_all(self) -> list[int | None]:
        """Stop every process group; a straggler gets one more second, then SIGKILL."""
        codes: list[int | None] = []
        for proc in self._procs:
            proc.stop_timeout = min(proc.stop_timeout, 1.0)
            codes.append(proc.stop())
        return codes


def _has_pid(proc: ManagedProcess) -> bool:
    try:
        return proc.pid > 0
    except RuntimeError:
        return False
