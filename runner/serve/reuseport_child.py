"""One process of a `server.balance=reuseport` server: `python -m runner.serve.reuseport_child`.

The process makes its own listening socket with SO_REUSEPORT on the shared port, so the
kernel spreads new connections over the N processes by a hash of each connection's
addresses, then hands the socket to uvicorn's own `Server.run(sockets=[sock])`. The socket
is bound here but not listening: asyncio's `create_server` calls `listen()` after the app's
lifespan start-up, so no connection is routed to a process that cannot serve it yet.

Imports nothing from the rest of the runner: this runs as the server, not the orchestrator.
"""

from __future__ import annotations

import argparse
import socket
import sys

import uvicorn

from app.contract import GRACEFUL_SHUTDOWN_S

BACKLOG = 2048  # uvicorn's default --backlog


def reuseport_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port with SO_REUSEPORT (and SO_REUSEADDR), not listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m runner.serve.reuseport_child")
    parser.add_argument("app", help="ASGI import string, e.g. app.main:app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--app-dir", default=".", help="put on sys.path before importing app")
    args = parser.parse_args(argv)
    sys.path.insert(0, args.app_dir)
    sock = reuseport_socket(args.host, args.port)
    config = uvicorn.Config(
        args.app,
        host=args.host,
        port=args.port,
        access_log=False,
        backlog=BACKLOG,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,  # type: ignore[arg-type]  # to wait_for
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
