"""Child processes the runner owns: each in its own process group, output in a log file.

After locust's `TestProcess` (locust/test/subprocess_utils.py): start, poll, stop with a
signal, kill after a deadline, and never leave a process behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

import psutil


def wait_until(
    predicate: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.05
) -> None:
    """Poll `predicate` until it is true; raise TimeoutError naming `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free on `host` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def tail(path: Path, lines: int = 20) -> str:
    """The last `lines` lines of a text file ('' when it does not exist)."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C back for the block and raise it after (main thread only).

    A KeyboardInterrupt inside `subprocess.Popen` can land after the fork but before Popen
    returns: the child then runs on with nobody holding its pid. Deferring it until the pid
    is recorded lets the usual stop() clean up.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            raise KeyboardInterrupt


class ManagedProcess:
    """A child process in a new session (own process group), stdout+stderr to `log_path`."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        stop_signal: int = signal.SIGINT,
        stop_timeout: float = 10.0,
    ) -> None:
        self.argv = list(argv)
        self.log_path = Path(log_path)
        self.env = dict(os.environ if env is None else env)
        self.cwd = cwd
        self.stop_signal = stop_signal
        self.stop_timeout = stop_timeout
        self._popen: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._family: set[psutil.Process] = set()

    @property
    def pid(self) -> int:
        if self._popen is None:
            raise RuntimeError("process not started")
        return self._popen.pid

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        try:
            with sigint_deferred():
                self._popen = self._spawn()
        except BaseException:  # Ctrl-C during the spawn: the child is known, so stop it
            self.stop()
            raise
        return self

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            self.argv,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
        )

    def poll(self) -> int | None:
        return None if self._popen is None else self._popen.poll()

    def wait(self, timeout: float) -> int:
        """Wait for exit; raises subprocess.TimeoutExpired at the deadline."""
        if self._popen is None:
            raise RuntimeError("process not started")
        return self._popen.wait(timeout=timeout)

    def children(self) -> list[psutil.Process]:
        """Live descendants of the process (remembered, so they are killed even if orphaned)."""
        try:
            kids = psutil.Process(self.pid).children(recursive=True)
        except psutil.Error:
            kids = []
        self._family.update(kids)
        return kids

    def log_tail(self, lines: int = 20) -> str:
        if self._log is not None:
            self._log.flush()
        return tail(self.log_path, lines)

    def _signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def stop(self) -> int | None:
        """Signal the group, wait `stop_timeout`, then SIGKILL whatever of it is still alive."""
        if self._popen is None:
            return None
        self.children()  # remember the family before the leader exits
        if self._popen.poll() is None:
            self._signal_group(self.stop_signal)
            try:
                self._popen.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                pass
        self._signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._popen.wait(timeout=5)
        alive = [p for p in self._family if p.is_running()]
        for p in alive:
            with contextlib.suppress(psutil.Error):
                p.kill()
        psutil.wait_procs(alive, timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None
        return self._popen.returncode

    def __enter__(self) -> ManagedProcess:
        if self._popen is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
