"""Engine and session factory, built from settings (never at import time).

SQLite is set up so several uvicorn workers can write at once without "database is
locked": WAL journal, a busy timeout, and `BEGIN IMMEDIATE` for every transaction (the
write lock is taken up front, so the busy timeout applies instead of a failed upgrade).
Transactions in `app.crud` are short, so no lock is held while bcrypt runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from app.models import Base

# SQLAlchemy's QueuePool default: 5 kept + 10 overflow, so at most 15 connections per worker.
DEFAULT_POOL_SIZE = 5
DEFAULT_MAX_OVERFLOW = 10


def pool_args(pool_size: int | None) -> dict[str, int]:
    """The pool of one worker: `pool_size` connections at most (None: SQLAlchemy's default)."""
    if pool_size is None:
        return {"pool_size": DEFAULT_POOL_SIZE, "max_overflow": DEFAULT_MAX_OVERFLOW}
    return {"pool_size": pool_size, "max_overflow": 0}


def max_connections(pool_size: int | None) -> int:
    """Connections one worker may hold at once (what `cells.db_pool_size` records)."""
    return sum(pool_args(pool_size).values())


def make_engine(
    db_url: str, *, busy_timeout_ms: int = 30_000, pool_size: int | None = None
) -> Engine:
    """An engine for `db_url`, its pool sized per worker (`pool_args`); SQLite files get WAL,
    a busy timeout and immediate transactions. No pre-ping: it would add a round trip to
    every checkout, i.e. to the measured database time."""
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, **pool_args(pool_size))
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"timeout": busy_timeout_ms / 1000}, **pool_args(pool_size)
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event own transactions instead of pysqlite.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_tables(engine: Engine) -> None:
    """Create missing tables; safe when several workers do it at the same moment."""
    try:
        Base.metadata.create_all(engine)
    except DBAPIError:
        # Another worker won the race between "does it exist?" and CREATE (PostgreSQL).
        Base.metadata.create_all(engine)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def get_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency: one session per request, from the lifespan's session factory."""
    factory: sessionmaker[Session] = request.state.sessionmaker
    with factory() as session:
        yield session
