"""The cell's server by `server.balance`: `shared` (uvicorn --workers) or `reuseport`."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from app.contract import BALANCES, DEFAULT_APP
from runner.probe.sampler import Targets, server_targets
from runner.serve.reuseport import ReuseportServer
from runner.serve.server import HEALTH_PATH, UvicornServer

Server = UvicornServer | ReuseportServer


def make_server(
    balance: str,
    *,
    workers: int,
    env: Mapping[str, str],
    log_path: Path,
    port: int | None,
    app: str = DEFAULT_APP,
    ready_path: str | None = HEALTH_PATH,
    python: str = sys.executable,
) -> Server:
    """A not yet started server of the given balance mode, run by `python`."""
    kw = {
        "python": python,
        "workers": workers,
        "env": env,
        "log_path": log_path,
        "port": port,
        "app": app,
        "ready_path": ready_path,
    }
    if balance == "reuseport":
        return ReuseportServer(**kw)  # type: ignore[arg-type]
    if balance == "shared":
        return UvicornServer(**kw)  # type: ignore[arg-type]
    raise ValueError(f"server.balance={balance!r}: must be one of {BALANCES}")


def sampler_targets(server: Server) -> Targets:
    """What the sampler watches: a shared server's master and workers, or every reuseport
    process (each a `server_worker`, there is no master)."""
    if isinstance(server, ReuseportServer):
        return server.targets()
    return server_targets(server.pid, server.worker_pids)
