"""The four hashing strategies: where the work kind's call (bcrypt by default; app/work.py)
and the database call run.

- blocking:    inline on the event loop, database too (the naive code under study);
- sync_def:    the routes are plain `def`, so FastAPI runs the whole handler in its
               thread pool; they use only `rounds` and `dummy_hash` of this class;
- threadpool:  bcrypt and the database in worker threads (bcrypt releases the GIL);
- processpool: bcrypt in a ProcessPoolExecutor owned by the lifespan, database in a thread.

Database calls of the offloading strategies run in threads of their own limiter (as many as
the default one, `thread_limit`), not in the default limiter's threads that run the hashes:
sharing one FIFO limiter, a request whose hash is done would queue for its database step
behind every hash that arrived after it, so under overload answers would leave in bursts
long after their work was done (measured: up to 165 answers in one second, then none for
8 s, at 1.5x the ceiling).
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from starlette.concurrency import run_in_threadpool

from app.contract import Hashing, Work
from app.work import dummy_hash_as, hash_as, verify_or_dummy

T = TypeVar("T")


def _ignore_sigint() -> None:
    """Pool children leave Ctrl-C to their parent, which shuts the pool down in order."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _child_pid() -> int:
    return os.getpid()


def make_process_pool(size: int | None) -> ProcessPoolExecutor:
    """A pool of fresh interpreters (spawn: never fork a process that runs threads)."""
    return ProcessPoolExecutor(
        max_workers=size or os.cpu_count() or 1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_ignore_sigint,
    )


async def warm_up(pool: ProcessPoolExecutor, size: int) -> set[int]:
    """Start every pool process now, so the first requests do not pay for interpreter start."""
    loop = asyncio.get_running_loop()
    futures = [loop.run_in_executor(pool, _child_pid) for _ in range(size * 2)]
    return set(await asyncio.gather(*futures))


class Offload:
    """Runs the work kind's call and database work where the strategy says. `rounds` is the
    kind's calibrated cost (bcrypt: its rounds)."""

    def __init__(
        self,
        strategy: Hashing,
        rounds: int,
        pool: ProcessPoolExecutor | None = None,
        work: Work = "bcrypt",
        db_threads: int = 40,
    ) -> None:
        if strategy == "processpool" and pool is None:
            raise ValueError("the processpool strategy needs a process pool")
        self.strategy = strategy
        self.rounds = rounds
        self.pool = pool
        self.work = work
        self.dummy_hash = dummy_hash_as(work, rounds)
        self.db_limiter = CapacityLimiter(db_threads)

    async def _cpu(self, fn: Callable[..., T], *args: Any) -> T:
        if self.strategy == "processpool":
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.pool, functools.partial(fn, *args))
        if self.strategy == "threadpool":
            return await run_in_threadpool(fn, *args)
        return fn(*args)

    async def hash(self, password: str) -> str:
        return await self._cpu(hash_as, self.work, password, self.rounds)

    async def verify(self, password: str, hashed: str | None) -> bool:
        """`verify_or_dummy` where the strategy says: no stored hash costs the same and fails."""
        return await self._cpu(verify_or_dummy, self.work, password, hashed, self.dummy_hash)

    async def db(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """Database work: inline for `blocking`, else in a thread of the database limiter."""
        if self.strategy == "blocking":
            return fn(**kwargs)
        call = functools.partial(fn, **kwargs)
        return await anyio.to_thread.run_sync(call, limiter=self.db_limiter)
