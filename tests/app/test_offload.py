"""app.offload: the database step of an offloaded request has its own thread limiter."""

from __future__ import annotations

import threading
import time

import anyio
import anyio.to_thread

from app.offload import Offload


def test_database_calls_do_not_queue_behind_the_hashes() -> None:
    """With every default-limiter thread busy (hashes in flight), a database call still runs
    at once in its own limiter; through the default limiter it would wait for a free thread."""
    release = threading.Event()

    async def scenario() -> float:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 1
        offload = Offload("threadpool", 4, db_threads=1)
        async with anyio.create_task_group() as tg:
            tg.start_soon(anyio.to_thread.run_sync, release.wait)  # the one hash thread, busy
            limiter = anyio.to_thread.current_default_thread_limiter()
            with anyio.fail_after(5):
                while limiter.borrowed_tokens < 1:
                    await anyio.sleep(0.001)
            t0 = time.perf_counter()
            try:
                with anyio.fail_after(5):  # through the default limiter: TimeoutError here
                    await offload.db(lambda **kw: kw["x"], x=1)
            finally:
                release.set()
            waited = time.perf_counter() - t0
        return waited

    assert anyio.run(scenario) < 1.0
