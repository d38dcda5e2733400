"""Walk a Starlette/FastAPI router's routes, `Mount`ed routers included, into endpoints.

Each HTTP method of each route becomes one `Endpoint` with its handler (the function that
serves it, as 'module:qualname' with its source lines); what the doctor cannot call over HTTP
(a WebSocket, a mounted app that is not a router) comes back as a `LeftOut`.
"""

from __future__ import annotations

import functools
import inspect
import re
from dataclasses import dataclass
from typing import Any

from runner.doctor.plan import Handler, LeftOut, route_name

SKIPPED_METHODS = ("HEAD", "OPTIONS")  # Starlette adds HEAD to every GET route: call GET once


@dataclass(frozen=True)
class Endpoint:
    """One method of one HTTP route, as the router serves it."""

    method: str
    path: str  # the template without convertors: '/items/{item_id}'
    params: tuple[str, ...]  # the path parameters' names
    handler: Handler | None

    @property
    def name(self) -> str:
        return route_name(self.method, self.path)


def handler_of(endpoint: Any, method: str) -> Handler | None:
    """Where `endpoint` (a function, a partial, or an HTTPEndpoint class) serves `method`."""
    if inspect.isclass(endpoint):
        endpoint = getattr(endpoint, method.lower(), None) or endpoint
    while isinstance(endpoint, functools.partial):
        endpoint = endpoint.func
    fn = inspect.unwrap(endpoint)
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None)
    if not module or not qualname:
        return None
    try:
        file = inspect.getsourcefile(fn)
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return Handler(qualname=f"{module}:{qualname}")
    return Handler(f"{module}:{qualname}", file, first, first + len(lines) - 1)


HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _methods(route: Any) -> list[str]:
    """The methods a route serves: its own list, an HTTPEndpoint's methods, or GET."""
    methods = sorted(getattr(route, "methods", None) or [])
    endpoint = getattr(route, "endpoint", None)
    if not methods and inspect.isclass(endpoint):
        methods = [m for m in HTTP_METHODS if callable(getattr(endpoint, m.lower(), None))]
    methods = methods or ["GET"]
    return [m for m in methods if m not in SKIPPED_METHODS or methods == [m]]


CONVERTOR = re.compile(r"{(\w+):\w+}")


def _template(path: str) -> str:
    """'/users/{uid:int}' -> '/users/{uid}' (Starlette's convertors dropped)."""
    return CONVERTOR.sub(r"{\1}", path)


def walk(
    routes: list[Any], prefix: str = "", prefix_params: tuple[str, ...] = ()
) -> tuple[list[Endpoint], list[LeftOut]]:
    """The HTTP endpoints under `routes` (in the router's order), and what cannot be called."""
    from starlette.routing import Mount, Route, WebSocketRoute

    endpoints: list[Endpoint] = []
    left_out: list[LeftOut] = []
    for route in routes:
        path = prefix + _template(str(getattr(route, "path", "")))
        if isinstance(route, WebSocketRoute):
            left_out.append(LeftOut(f"WebSocket {path}", "not HTTP"))
        elif isinstance(route, Mount):
            sub = getattr(route, "routes", None)
            params = prefix_params + tuple(p for p in route.param_convertors if p != "path")
            if sub:
                more, less = walk(list(sub), path.rstrip("/"), params)
                endpoints += more
                left_out += less
            else:
                left_out.append(LeftOut(f"Mount {path}", "a mounted app that is not a router"))
        elif isinstance(route, Route) or hasattr(route, "endpoint"):
            params = prefix_params + tuple(getattr(route, "param_convertors", {}) or ())
            for method in _methods(route):
                handler = handler_of(route.endpoint, method)
                endpoints.append(Endpoint(method, path, params, handler))
        else:
            left_out.append(LeftOut(f"{type(route).__name__} {path}", "not a route we can walk"))
    return endpoints, left_out
