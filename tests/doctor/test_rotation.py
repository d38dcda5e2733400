"""Which call the doctor's load sends next, and the plan's JSON and probe choice (pure)."""

from __future__ import annotations

from collections import Counter

import pytest

from runner.doctor.plan import (
    Call,
    FirstCall,
    Handler,
    LeftOut,
    Plan,
    PlannedRoute,
    choose_probe,
    from_json,
    to_json,
)
from runner.doctor.rotation import Rotation, sequence, warmup_route


def route(path: str, *urls: str, method: str = "GET", ms: float | None = None) -> PlannedRoute:
    calls = tuple(Call(u) for u in urls or (path,))
    first = FirstCall(200, ms) if ms is not None else None
    return PlannedRoute(f"{method} {path}", method, path, calls, None, "routes", first)


ROUTES = (
    route("/a", ms=30.0),
    route("/b/{id}", "/b/1", "/b/2", "/b/3", ms=1.0),
    route("/c", method="POST", ms=0.5),
)


def test_even_mix_and_each_routes_calls_in_turn() -> None:
    """Routes take equal turns; within a route its calls cycle in plan order."""
    rotation = Rotation(ROUTES)
    sent = [rotation.next() for _ in range(3 * 4)]
    assert Counter(r.name for r, _ in sent) == {"GET /a": 4, "GET /b/{id}": 4, "POST /c": 4}
    assert [c.url for r, c in sent if r.path == "/b/{id}"] == ["/b/1", "/b/2", "/b/3", "/b/1"]


def test_sequence_sends_each_route_alone_n_times() -> None:
    """The sequential pass: n requests of route 1, then n of route 2, ... in plan order."""
    plan = Plan("x:app", ROUTES)
    assert [(r.path, c.url) for r, c in sequence(plan, 2)] == [
        ("/a", "/a"),
        ("/a", "/a"),
        ("/b/{id}", "/b/1"),
        ("/b/{id}", "/b/2"),
        ("/c", "/c"),
        ("/c", "/c"),
    ]


def test_empty_plan_cannot_rotate() -> None:
    """A plan without routes is an error, not a load that sends nothing."""
    with pytest.raises(ValueError, match="no routes"):
        Rotation(())


def test_probe_is_cheapest_parameterless_2xx_get() -> None:
    """POSTs, routes with parameters and failed first calls are never the probe."""
    assert choose_probe(ROUTES) == "/a"
    failed = PlannedRoute("GET /z", "GET", "/z", (Call("/z"),), None, "routes", FirstCall(500, 0))
    assert choose_probe((failed, *ROUTES)) == "/a"
    assert choose_probe((route("/slow", ms=150.0), route("/ping", ms=0.4))) == "/ping"
    assert choose_probe((route("/x"),)) is None  # no first call made
    optional = route("/q", "/q", "/q?limit=3", ms=0.1)  # first call bare: optional query only
    assert choose_probe((*ROUTES, optional)) == "/q"
    assert choose_probe((route("/q", "/q?limit=3", "/q", ms=0.1),)) is None


def test_warmup_on_the_probe_route() -> None:
    """Warm-up uses the probe path's route, else the plan's first."""
    assert warmup_route(Plan("x:app", ROUTES, probe_path="/c")).path == "/c"
    assert warmup_route(Plan("x:app", ROUTES)).path == "/a"


def test_plan_json_round_trip() -> None:
    """A plan read back from its JSON is the same plan."""
    handler = Handler("pkg.mod:f", "/src/pkg/mod.py", 3, 9)
    posted = PlannedRoute(
        "POST /c", "POST", "/c", (Call("/c", {"n": 1}, {"X-A": "b"}),), handler, "openapi"
    )
    plan = Plan("pkg.mod:app", (*ROUTES, posted), (LeftOut("WebSocket /ws", "not HTTP"),), "/a")
    assert from_json(to_json(plan)) == plan
