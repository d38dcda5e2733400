"""Ctrl-C that lands while a child is being spawned never leaves the child running."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from runner.processes.proc import ManagedProcess, wait_until


@pytest.fixture
def ctrl_c_raises() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt in this process for the test, as in a terminal, even
    when pytest was started with SIGINT ignored (a background job, `nohup`-style wrappers)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _children_marked(marker: str) -> list[psutil.Process]:
    return [
        p for p in psutil.process_iter(["cmdline"]) if marker in " ".join(p.info["cmdline"] or [])
    ]


@pytest.mark.usefixtures("ctrl_c_raises")
def test_sigint_during_spawn_leaks_no_child(tmp_path: Path) -> None:
    """30 SIGINTs fired around Popen: every spawned child is gone afterwards."""
    marker = f"syncblock-sigint-{uuid.uuid4().hex}"
    argv = [sys.executable, "-c", f"import time; time.sleep(60)  # {marker}"]
    interrupted = 0
    for i in range(30):
        proc = ManagedProcess(argv, log_path=tmp_path / "child.log", stop_timeout=2)
        delay = 0.0005 * (i % 10)  # spread the signal over the spawn's few milliseconds
        timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT))
        try:
            timer.start()
            with proc:
                time.sleep(0.2)  # the signal (<= 5 ms) always lands inside this block
        except KeyboardInterrupt:
            interrupted += 1
        timer.join()
    assert interrupted == 30
    wait_until(lambda: _children_marked(marker) == [], timeout=10, what="no child left")
