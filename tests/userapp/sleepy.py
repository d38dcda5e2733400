"""A user's own small Starlette app (not ours): one endpoint blocks its event loop for 0.2 s
with a sleep, the other does not. Served through the runner with server.app=...;
the report's stall section must name the time.sleep line below."""

from __future__ import annotations

import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def slow(_request: Request) -> JSONResponse:
    time.sleep(0.2)  # blocks the event loop: the line the watchdog names
    return JSONResponse({"slept": 0.2})


async def fast(_request: Request) -> JSONResponse:
    return JSONResponse({"slept": 0})


app = Starlette(routes=[Route("/slow", slow), Route("/fast", fast)])
