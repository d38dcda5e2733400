"""SIGTERM and SIGHUP end a run the way Ctrl-C does.

`timeout`, systemd, `docker stop`, CI cancellation and cluster schedulers send SIGTERM; a
closed terminal or ssh session sends SIGHUP. `install()` turns the first of them into
`Interrupted`, a KeyboardInterrupt, so the one interruption path already used for Ctrl-C
runs: every process of the cell is stopped (gracefully, then forcibly), the interrupted cell
is not stored, finished cells stay. Later ones are ignored so that clean-up can finish (a
scheduler that insists sends SIGKILL, and the reaper and PR_SET_PDEATHSIG cover that).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

import psutil

HANDLED = (signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """The run was told to stop by a signal; `signum` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_code(exc: KeyboardInterrupt) -> int:
    """128 + the signal number, as a shell reports a process ended by that signal (pure)."""
    return 128 + (exc.signum if isinstance(exc, Interrupted) else signal.SIGINT)


def message(exc: KeyboardInterrupt) -> str:
    """The one line printed when a run is interrupted (pure)."""
    name = signal.Signals(exc.signum).name if isinstance(exc, Interrupted) else "SIGINT"
    return (
        f"syncblock: interrupted ({name}); finished cells are stored, the interrupted one is "
        "not. Run the same command again to finish the sweep (resume=true)."
    )


_fired = False
# The per-job controller `hydra/launcher=submitit_local` starts as a child of the sweep's process.
SUBMITIT_LOCAL_CONTROLLER = "submitit.local._local"


_told: list[psutil.Process] = []


def stop_local_jobs() -> int:
    """Ctrl-C each submitit_local job of this process (its controller passes it on to the job,
    whose cell then stops like an interrupted one); returns how many were told.

    Started with SIGINT ignored (`python -m runner ... &` in a script), the controllers and
    jobs inherited that and cannot be interrupted: they are killed instead, and each job's
    reaper then stops its cell's processes. The cell in flight is not stored either way."""
    ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    for child in psutil.Process().children():
        try:
            if SUBMITIT_LOCAL_CONTROLLER in " ".join(child.cmdline()):
                if ignored:
                    for job in child.children(recursive=True):
                        job.kill()
                    child.kill()
                else:
                    child.send_signal(signal.SIGINT)
                _told.append(child)
        except psutil.Error:
            continue
    return len(_told)


def settle(timeout: float = 20.0) -> None:
    """Wait for the jobs told to stop to end (their output comes before our last line)."""
    psutil.wait_procs(_told, timeout=timeout)


def _handler(signum: int, _frame: FrameType | None) -> None:
    global _fired
    if _fired:
        return
    _fired = True
    stop_local_jobs()  # a parallel launcher's jobs are interrupted with the sweep
    raise Interrupted(signum)


def install() -> None:
    """Make SIGTERM and SIGHUP raise `Interrupted` once in the main thread (no-op elsewhere).

    A signal ignored when the runner starts stays ignored (`nohup python -m runner ...` keeps
    running when its terminal closes, as nohup promises).
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in HANDLED:
        if signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, _handler)
