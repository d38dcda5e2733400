"""Each route's first call, in-process through the app itself (its lifespan run around them).

httpx's `ASGITransport` drives the ASGI app without a socket or a server (an exception in a
handler comes back as a 500); asgi-lifespan's `LifespanManager` runs the app's startup before
the calls and its shutdown after, as uvicorn would.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from runner.doctor.plan import DoctorInputError, FirstCall, PlannedRoute

BASE_URL = "http://doctor.local"
TIMEOUT_S = 60.0  # one call, and the app's startup and shutdown, each
# Asked once before the timed calls (most apps answer 404): the client's and the app's
# first-request costs then fall on no route, so the first calls compare fairly for the probe.
WARMUP_PATH = "/.syncblock-doctor-warmup"


async def _call_all(app: Any, routes: list[PlannedRoute]) -> dict[str, FirstCall]:
    import httpx
    from asgi_lifespan import LifespanManager

    out: dict[str, FirstCall] = {}
    async with LifespanManager(app, TIMEOUT_S, TIMEOUT_S) as manager:
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url=BASE_URL, timeout=TIMEOUT_S
        ) as client:
            with contextlib.suppress(Exception):
                await client.get(WARMUP_PATH)
            for route in routes:
                call = route.calls[0]
                kwargs: dict[str, Any] = {"headers": call.headers}
                if call.json is not None:
                    kwargs["json"] = call.json
                t0 = time.perf_counter()
                try:
                    status = (await client.request(route.method, call.url, **kwargs)).status_code
                except Exception:  # the client itself failed (not the app: that is a 500)
                    status = 0
                out[route.name] = FirstCall(status, round((time.perf_counter() - t0) * 1000, 3))
    return out


def first_calls(app: Any, routes: list[PlannedRoute], where: str) -> dict[str, FirstCall]:
    """How each route answered its first call (status, elapsed ms), by route name."""
    try:
        return asyncio.run(_call_all(app, routes))
    except Exception as e:  # the app's startup or shutdown failed
        first = (str(e).splitlines() or [""])[0]
        why = f"its lifespan failed ({type(e).__name__}: {first})".replace(": )", ")")
        raise DoctorInputError(f"{where}: {why}") from None


def answer_problem(first: FirstCall | None) -> str | None:
    """Why a route's first call leaves it out of the plan (None: it answered 2xx or 3xx)."""
    if first is None or 200 <= first.status < 400:
        return None
    if first.status == 0:
        return "its first call failed before an answer"
    return f"answered {first.status} on its first call"
