"""A watcher that stops the runner's process groups when the runner dies, whatever killed it.

`python -m runner.processes.reaper` runs in its own session and reads lines on stdin from the
runner:
`+<pgid>` when a child group starts, `-<pgid>` when the runner has stopped it. Stdin reaches
end-of-file when the runner exits for any reason, SIGKILL included (the kernel closes the
runner's end of the pipe): the reaper then sends SIGTERM to every group still registered,
waits up to `GRACE_S`, SIGKILLs what is left and exits. A runner that ends normally has
unregistered everything, so the reaper just exits.

This covers what PR_SET_PDEATHSIG alone does not: grandchildren (uvicorn's workers, locust's
forked workers) that would otherwise be orphaned when their parent is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterable

GRACE_S = 2.0


def apply(line: str, groups: set[int]) -> None:
    """Update the registered groups with one protocol line (pure but for the set)."""
    line = line.strip()
    if len(line) < 2 or line[0] not in "+-" or not line[1:].isdigit():
        return
    pgid = int(line[1:])
    if pgid <= 1:
        return
    if line[0] == "+":
        groups.add(pgid)
    else:
        groups.discard(pgid)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_groups(groups: Iterable[int], grace_s: float = GRACE_S) -> None:
    """SIGTERM each group, wait up to `grace_s` for them to go, then SIGKILL the rest."""
    pending = set(groups)
    for pgid in pending:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while pending and time.monotonic() < deadline:
        pending = {g for g in pending if group_alive(g)}
        time.sleep(0.05)
    for pgid in pending:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)


def main() -> None:
    # The runner's terminal closing or its Ctrl-C must not end the reaper before it acts.
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    groups: set[int] = set()
    for line in sys.stdin:
        apply(line, groups)
    if groups:
        stop_groups(groups)


if __name__ == "__main__":
    main()
