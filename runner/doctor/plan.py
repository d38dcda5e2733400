"""The call plan: which routes the doctor calls, with what, and which it leaves out (pure).

`python -m runner.doctor.discover` writes it as JSON; the doctor's locustfile reads it back.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

PLAN_VERSION = 1
PROBE_TIE_MS = 5.0  # first calls this close in time count as equally cheap


class DoctorInputError(Exception):
    """A user's input (app, routes file) the doctor cannot use: one line that says why."""


def route_name(method: str, path: str) -> str:
    """'GET /items/{item_id}': a route as the user, the routes file and locust's stats name it."""
    return f"{method.upper()} {path}"


@dataclass(frozen=True)
class Call:
    """One concrete request: the URL path with its query string, a JSON body, extra headers."""

    url: str
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Handler:
    """The function that serves a route: where stall stacks ('module:function:line') meet it."""

    qualname: str  # 'package.module:Class.function'
    file: str | None = None
    first_line: int | None = None
    last_line: int | None = None


@dataclass(frozen=True)
class FirstCall:
    """How a route answered its first call, in-process (status, elapsed ms)."""

    status: int
    ms: float


@dataclass(frozen=True)
class PlannedRoute:
    """A route the doctor calls: its template name, its calls (one or a few) and its handler."""

    name: str
    method: str
    path: str  # the template, '/items/{item_id}'
    calls: tuple[Call, ...]
    handler: Handler | None
    source: str  # 'openapi' (calls generated from the schema) or 'routes' (walked, no schema)
    first_call: FirstCall | None = None


@dataclass(frozen=True)
class LeftOut:
    """A route the doctor does not call, and why."""

    name: str
    reason: str

    def line(self) -> str:
        return f"{self.name}: {self.reason}"


@dataclass(frozen=True)
class Plan:
    """Everything the doctor's load needs to know about the app's routes."""

    app: str
    routes: tuple[PlannedRoute, ...]
    left_out: tuple[LeftOut, ...] = ()
    probe_path: str | None = None
    version: int = PLAN_VERSION


def probe_ready(route: PlannedRoute) -> bool:
    """A GET whose first call was its bare path (what the probe sends) and answered 2xx."""
    first = route.first_call
    return (
        route.method == "GET"
        and route.calls[0].url == route.path
        and not route.calls[0].headers
        and first is not None
        and 200 <= first.status < 300
    )


def choose_probe(routes: tuple[PlannedRoute, ...]) -> str | None:
    """The cheapest GET route called without parameters that answered 2xx on its first call
    (a route with optional query parameters qualifies: its first call leaves them out).

    One call's time is noisy: routes within the same PROBE_TIE_MS band count as equally cheap,
    and the first of them in the plan wins."""
    fit = [
        (math.floor(r.first_call.ms / PROBE_TIE_MS), i, r.path)
        for i, r in enumerate(routes)
        if probe_ready(r) and r.first_call is not None
    ]
    return min(fit)[2] if fit else None


def to_json(plan: Plan) -> str:
    """The plan as indented JSON (deterministic: same plan, same text)."""
    return json.dumps(asdict(plan), indent=2, ensure_ascii=False) + "\n"


def from_json(text: str) -> Plan:
    """A plan written by `to_json`."""
    data = json.loads(text)
    if data.get("version") != PLAN_VERSION:
        raise ValueError(f"call plan version {data.get('version')!r}, expected {PLAN_VERSION}")
    routes = tuple(
        PlannedRoute(
            name=r["name"],
            method=r["method"],
            path=r["path"],
            calls=tuple(Call(**c) for c in r["calls"]),
            handler=Handler(**r["handler"]) if r.get("handler") else None,
            source=r["source"],
            first_call=FirstCall(**r["first_call"]) if r.get("first_call") else None,
        )
        for r in data["routes"]
    )
    return Plan(
        app=data["app"],
        routes=routes,
        left_out=tuple(LeftOut(**x) for x in data.get("left_out", [])),
        probe_path=data.get("probe_path"),
    )
