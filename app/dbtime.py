"""Server-side time of a request's database work (`db_ms` in the request record).

A route wraps each database call with `timed(scope_state, fn)`; the wrapper adds the call's
wall time to the request's ASGI `state` dict (shared by the route and the timing middleware:
a dict, so a thread of the pool writes where the loop reads). The time runs from the call to
its return: waiting for a pooled connection (or SQLite's write lock) included, waiting for a
worker thread not. The middleware reads it with `db_ms(scope)`: None for requests that made
no database call (the record then has no db_ms field; ingest reads NULL).
"""

from __future__ import annotations

import time
from collections.abc import Callable, MutableMapping
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.types import Scope

T = TypeVar("T")
DB_MS_KEY = "syncblock.db_ms"


def request_state(request: Request) -> MutableMapping[str, Any]:
    """The request's ASGI state dict (uvicorn gives each request its own copy)."""
    state: MutableMapping[str, Any] = request.scope.setdefault("state", {})
    return state


def timed(state: MutableMapping[str, Any], fn: Callable[..., T]) -> Callable[..., T]:
    """`fn`, adding its wall time in ms to `state[DB_MS_KEY]` however it ends."""

    def call(**kwargs: Any) -> T:
        t0 = time.perf_counter()
        try:
            return fn(**kwargs)
        finally:
            ms = (time.perf_counter() - t0) * 1000
            state[DB_MS_KEY] = state.get(DB_MS_KEY, 0.0) + ms

    return call


def db_ms(scope: Scope) -> float | None:
    """The request's database time in ms, or None when it made no database call."""
    state = scope.get("state")
    return None if state is None else state.get(DB_MS_KEY)
