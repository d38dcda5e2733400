"""Child processes the runner owns: each in its own process group, output in a log file.

After locust's `TestProcess` (locust/test/subprocess_utils.py): start, poll, stop with a
signal, kill after a deadline, and never leave a process behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Self

import psutil

from app.contract import REPO_ROOT
from runner.processes.lifecycle import Lifecycle


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


# The signals that end a run the way Ctrl-C does (see runner/processes/interrupt.py).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP back for the block, then act on them (main thread only).

    A KeyboardInterrupt inside `subprocess.Popen` can land after the fork but before Popen
    returns: the child then runs on with nobody holding its pid. Deferring the signal until
    the pid is recorded lets the usual stop() clean up. After the block, a caught signal gets
    the handler that was in place: SIGINT raises KeyboardInterrupt, a Python handler is called
    (runner/processes/interrupt.py raises there), a default disposition is re-delivered.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous: dict[int, Any] = {
        sig: signal.signal(sig, lambda signum, _frame: caught.append(signum))
        for sig in STOP_SIGNALS
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            _deliver(caught[0], previous[caught[0]])


def _deliver(signum: int, handler: Any) -> None:
    if signum == signal.SIGINT and handler in (signal.default_int_handler, signal.SIG_DFL):
        raise KeyboardInterrupt
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        signal.raise_signal(signum)


sigint_deferred = signals_deferred  # the earlier name


PR_SET_PDEATHSIG = 1


def _prctl() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux
        return None


_PRCTL = _prctl()


def die_with_parent(sig: int = signal.SIGKILL) -> Callable[[], None] | None:
    """A Popen `preexec_fn` asking the kernel to send `sig` to the child when this process dies.

    Linux PR_SET_PDEATHSIG. It fires when the *thread* that forked exits, so it is only set
    when spawning from the main thread (None otherwise, and off Linux); the reaper covers the
    rest. The child checks its parent after the call, in case the parent died meanwhile.
    """
    if _PRCTL is None or threading.current_thread() is not threading.main_thread():
        return None
    parent = os.getpid()
    prctl = _PRCTL

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), sig)

    return preexec


class Reaper:
    """This process's `python -m runner.processes.reaper`: stops registered process groups when
    we die.

    One per process, started on first use. `watch(pgid)` after a child group starts,
    `unwatch(pgid)` once it is stopped. See runner/processes/reaper.py.
    """

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._owner = 0
        self._lock = threading.Lock()

    def _ensure(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._owner != os.getpid() or self._proc.poll() is not None:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "runner.processes.reaper"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=REPO_ROOT,
                start_new_session=True,  # a signal to the runner's group does not reach it
            )
            self._owner = os.getpid()
        return self._proc

    def _send(self, line: str) -> None:
        with self._lock:
            try:
                proc = self._ensure()
                assert proc.stdin is not None
                proc.stdin.write(line.encode())
                proc.stdin.flush()
            except (OSError, ValueError):
                self._proc = None  # it died: the next watch starts a new one

    def watch(self, pgid: int) -> None:
        self._send(f"+{pgid}\n")

    def unwatch(self, pgid: int) -> None:
        if self._proc is not None and self._owner == os.getpid():
            self._send(f"-{pgid}\n")

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid


REAPER = Reaper()


class ManagedProcess(Lifecycle):
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
        death_signal: int = signal.SIGKILL,
    ) -> None:
        self.argv = list(argv)
        self.log_path = Path(log_path)
        self.env = dict(os.environ if env is None else env)
        self.cwd = cwd
        self.stop_signal = stop_signal
        self.stop_timeout = stop_timeout
        self.death_signal = death_signal  # sent by the kernel if the runner dies first
        self._popen: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._family: set[psutil.Process] = set()

    @property
    def pid(self) -> int:
        if self._popen is None:
            raise RuntimeError("process not started")
        return self._popen.pid

    def start(self) -> Self:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        try:
            with signals_deferred():
                self._popen = self._spawn()
                REAPER.watch(self._popen.pid)  # its group dies with us, even on SIGKILL
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
            preexec_fn=die_with_parent(self.death_signal),
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
        REAPER.unwatch(self._popen.pid)
        if self._log is not None:
            self._log.close()
            self._log = None
        return self._popen.returncode

    def __enter__(self) -> Self:
        return self if self._popen is not None else self.start()
