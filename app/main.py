"""`create_app(settings)` builds the app; `app` is what `uvicorn app.main:app` serves."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

import anyio.to_thread
from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.calibrate import calibrate_shared
from app.contract import API_PREFIX
from app.crud import UsernameTakenError
from app.db import create_tables, make_engine, make_sessionmaker
from app.instrumentation import Recorder, TimingMiddleware
from app.instrumented import Instruments
from app.offload import Offload, make_process_pool, warm_up
from app.routes import health_router, users_router
from app.settings import Settings, get_settings


async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """422 that names what is wrong but never echoes the input (it may be a password)."""
    assert isinstance(exc, RequestValidationError)
    detail = [{k: e[k] for k in ("type", "loc", "msg") if k in e} for e in exc.errors()]
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def unparsable_body(request: Request, exc: Exception) -> Response:
    """FastAPI answers 400 when a JSON body cannot be decoded at all (bad UTF-8, numbers past
    the int limit, nesting past the recursion limit); the contract says invalid body -> 422.
    The app raises no 400 of its own, so every other HTTPException keeps its status."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code != status.HTTP_400_BAD_REQUEST:
        return await http_exception_handler(request, exc)
    detail = [{"type": "json_invalid", "loc": ["body"], "msg": "JSON decode error"}]
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def username_taken(_request: Request, _exc: Exception) -> JSONResponse:
    return JSONResponse(
        {"detail": "username already registered"}, status_code=status.HTTP_409_CONFLICT
    )


def create_app(settings: Settings) -> FastAPI:
    recorder = Recorder()

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[dict[str, object]]:
        async with contextlib.AsyncExitStack() as stack:
            engine = make_engine(
                settings.db_url,
                busy_timeout_ms=settings.sqlite_busy_timeout_ms,
                pool_size=settings.db_pool_size,
            )
            stack.callback(engine.dispose)
            create_tables(engine)
            # Before the pool and the probe start: calibrate on a quiet process.
            work = calibrate_shared(
                settings.work,
                settings.work_ms,
                settings.bcrypt_rounds,
                settings.log_dir,
                cost=settings.work_cost,
            )
            anyio.to_thread.current_default_thread_limiter().total_tokens = settings.thread_limit
            pool = None
            if settings.hashing == "processpool":
                size = settings.pool_size or os.cpu_count() or 1
                pool = make_process_pool(size)
                stack.callback(pool.shutdown, wait=True, cancel_futures=True)
                await warm_up(pool, size)
            offload = Offload(
                settings.hashing,
                work.cost,
                pool,
                work=settings.work,
                db_threads=settings.thread_limit,
            )
            if settings.instrument:  # lag probe + stall watchdog; files flushed on exit
                await stack.enter_async_context(Instruments(recorder, settings))
            yield {"sessionmaker": make_sessionmaker(engine), "offload": offload}

    app = FastAPI(
        title="syncblock app under test",
        lifespan=lifespan,
        max_body_size=settings.max_body_bytes,
        exception_handlers={
            RequestValidationError: validation_error,
            StarletteHTTPException: unparsable_body,
            UsernameTakenError: username_taken,
        },
    )
    app.include_router(health_router(), prefix=API_PREFIX)
    app.include_router(users_router(settings.hashing), prefix=API_PREFIX)
    if settings.instrument:
        app.add_middleware(TimingMiddleware, recorder=recorder)
    return app


app = create_app(get_settings())
