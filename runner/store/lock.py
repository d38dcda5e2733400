"""One sweep per store: an exclusive advisory lock on `<store>.lock`, holding the owner's pid
and sweep id; and a short lock on `<store>.ingest.lock` around each visit to the store.

The sweep's lock is held by the process that started the sweep for the whole sweep. The jobs
of that sweep (other processes under a parallel launcher such as submitit) read its sweep id
and join; another sweep is refused. Every connection to the store takes the ingest lock,
waiting with a deadline, so the jobs of one sweep take turns (DuckDB admits one writer process).

fcntl.flock locks belong to the open file, so the OS drops them when the process dies:
a crashed run never leaves the store locked.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from runner.store.errors import StoreBusy


def lock_path(store: Path) -> Path:
    return store.with_name(store.name + ".lock")


def ingest_lock_path(store: Path) -> Path:
    return store.with_name(store.name + ".ingest.lock")


def read_holder(path: Path, wait_s: float = 1.0) -> tuple[str, str | None]:
    """(pid, sweep id or None) written in a lock file by its holder ('unknown' if unreadable).

    A holder writes just after it takes the lock: an empty file is read again for `wait_s`.
    """
    deadline = time.monotonic() + wait_s
    while True:
        try:
            lines = path.read_text(errors="replace").splitlines()
        except OSError:
            lines = []
        if lines or time.monotonic() >= deadline:
            break
        time.sleep(0.02)
    pid = lines[0].strip() if lines and lines[0].strip() else "unknown"
    sweep = lines[1].strip() if len(lines) > 1 and lines[1].strip() else None
    return pid, sweep


class StoreLock:
    """`with StoreLock(store):` for the whole run; a second holder gets StoreBusy at once."""

    def __init__(self, store: Path | str, sweep_id: str | None = None) -> None:
        self.store = Path(store)
        self.path = lock_path(self.store)
        self.sweep_id = sweep_id
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            pid, sweep = read_holder(self.path)
            of = f", sweep {sweep}" if sweep else ""
            raise StoreBusy(
                f"store {self.store} is in use by another run (pid {pid}{of})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n{self.sweep_id or ''}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def __enter__(self) -> StoreLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class IngestLock:
    """The short lock around one visit to the store; waits up to `timeout` s, then StoreBusy.

    Re-entrant within a process (a nested visit does not wait for itself).
    """

    def __init__(self, store: Path | str, timeout: float = 600.0) -> None:
        self.store = Path(store)
        self.path = ingest_lock_path(self.store)
        self.timeout = timeout
        self._fd: int | None = None
        self._depth = 0

    def acquire(self) -> None:
        if self._depth:
            self._depth += 1
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise StoreBusy(
                        f"store {self.store}: waited {self.timeout:g} s for another job's "
                        "ingest to finish"
                    ) from None
                time.sleep(0.05)
        self._fd, self._depth = fd, 1

    def release(self) -> None:
        if self._depth > 1:
            self._depth -= 1
            return
        if self._fd is None:
            return
        fd, self._fd, self._depth = self._fd, None, 0
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
