"""Locust's distributed mode: one `--master` and explicit `--worker` processes.

`load.workers=N` starts N `locust --worker` processes on this machine beside a headless
`locust --master --expect-workers N+R`; `load.remote_workers=R` makes the master also wait for
R workers that someone starts on other machines (`load.master_bind` must then be an address
they reach, `load.master_port` a port they know). The master holds the run time, the CSVs and
the health probe; every worker records its own client rows and writes them, at its end, to
the directory the master passes it (`--syncblock-client-dir`, sent to workers with the spawn
message), one `requests-<pid>.jsonl` per process, where the runner ingests them. A remote
worker writes there too, so that directory must be on a filesystem it shares with the runner.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from runner.processes.proc import ManagedProcess, free_port

LOOPBACK = ("127.0.0.1", "localhost", "::1")
WORKER_EXIT_WAIT_S = 20.0  # workers flush their rows when the master tells them to quit


def master_args(expect: int, bind: str, port: int) -> list[str]:
    """The master's extra locust arguments (pure)."""
    return [
        "--master",
        "--expect-workers",
        str(expect),
        "--master-bind-host",
        bind,
        "--master-bind-port",
        str(port),
    ]


def worker_argv(locust_argv: Sequence[str], master_port: int) -> list[str]:
    """A local worker's command line from the master's: same interpreter and locustfile (pure)."""
    f = list(locust_argv).index("-f")
    return [
        *locust_argv[: f + 2],  # python -m locust ... -f <locustfile>
        "--worker",
        "--master-host",
        "127.0.0.1",
        "--master-port",
        str(master_port),
    ]


class DistributedLocust(ManagedProcess):
    """The locust master as a ManagedProcess, owning its local worker processes too."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        workers: int,
        port: int,
        log_path: Path,
        env: Mapping[str, str],
        cwd: Path,
    ) -> None:
        super().__init__(
            argv, log_path=log_path, env=env, cwd=cwd, stop_signal=signal.SIGTERM, stop_timeout=15
        )
        self.workers = [
            ManagedProcess(
                worker_argv(argv, port),
                log_path=log_path.with_name(f"{log_path.stem}-worker{i}{log_path.suffix}"),
                env=env,
                cwd=cwd,
                stop_signal=signal.SIGTERM,
                stop_timeout=15,
            )
            for i in range(workers)
        ]

    @property
    def worker_pids(self) -> list[int]:
        return [w.pid for w in self.workers if w.poll() is None]

    def start(self) -> DistributedLocust:
        super().start()
        try:
            for w in self.workers:
                w.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> int | None:
        """Let the workers end on the master's quit (they write their rows then), stop them
        after WORKER_EXIT_WAIT_S at the latest, then stop the master."""
        if self.poll() is not None:
            deadline = time.monotonic() + WORKER_EXIT_WAIT_S
            for w in self.workers:
                with contextlib.suppress(subprocess.TimeoutExpired, RuntimeError):
                    w.wait(timeout=max(0.1, deadline - time.monotonic()))
        for w in self.workers:
            w.stop()
        return super().stop()


def start_distributed(
    argv: Sequence[str],
    *,
    workers: int,
    remote_workers: int,
    bind: str,
    port: int | None,
    log_path: Path,
    env: Mapping[str, str],
    cwd: Path,
) -> DistributedLocust:
    """Start the master (expecting every worker) and the local workers."""
    port = port or free_port("127.0.0.1" if bind in LOOPBACK else "0.0.0.0")
    full = [*argv, *master_args(workers + remote_workers, bind, port)]
    proc = DistributedLocust(full, workers=workers, port=port, log_path=log_path, env=env, cwd=cwd)
    return proc.start()
