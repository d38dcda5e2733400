"""runner.doctor.attribution: a stall -> its route (by stack, else by overlap), its line, and one
cell's table of routes (pure)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from runner.doctor.attribution import (
    Route,
    attribute,
    line_call,
    route_line,
    route_of,
    summarise,
    template_regex,
)

ITEMS = Route("GET", "/items/{item_id}", "shop.routes:get_item")
NEW = Route("GET", "/items/new", "shop.routes:new_item")
LOGIN = Route("POST", "/login", "shop.routes:login")
FILES = Route("GET", "/files/{rest:path}", "shop.routes:files")
HEALTH = Route("GET", "/health", "shop.routes:health")
ROUTES = [ITEMS, NEW, LOGIN, FILES, HEALTH]
LOOP = ("asyncio.base_events:BaseEventLoop.run_forever:608", "starlette.routing:Route.handle:288")


def _stall(t: float, ms: float, stack: tuple[str, ...] = (), pid: int = 1, **kw: Any) -> dict:
    return {"pid": pid, "t_start": t, "duration_ms": ms, "stack": list(stack), **kw}


def _request(path: str, t: float, ms: float, method: str = "GET", pid: int = 1) -> dict:
    return {"method": method, "path": path, "t_start": t, "duration_ms": ms, "pid": pid}


def test_templates_match_concrete_paths() -> None:
    """'{x}' is one segment, '{x:path}' any rest; a literal route beats a template."""
    assert template_regex("/items/{item_id}").fullmatch("/items/42")
    assert not template_regex("/items/{item_id}").fullmatch("/items/42/more")
    assert template_regex("/files/{rest:path}").fullmatch("/files/a/b.txt")
    assert not template_regex("/n/{k:int}").fullmatch("/n/x")
    assert route_of("GET", "/items/new", ROUTES) == NEW
    assert route_of("GET", "/items/7", ROUTES) == ITEMS
    assert route_of("GET", "/login", ROUTES) is None  # the method must match too
    assert route_of("GET", "/nowhere", ROUTES) is None


def test_a_stack_through_a_handler_names_its_route() -> None:
    """The handler's frame ('module:qualname' + line) in the stack: how = 'stack', even
    when another route's requests overlapped the stall longer."""
    stack = (*LOOP, "shop.routes:login:30", "shop.security:check:12")
    stalls = [_stall(10.0, 200.0, stack)]
    requests = [_request("/items/1", 9.0, 5000.0)]
    assert attribute(stalls, ROUTES, requests) == [(LOGIN, "stack")]


def test_the_outermost_handler_is_the_route_served() -> None:
    """A handler that calls another route's handler function: the outer one was served."""
    stack = (*LOOP, "shop.routes:login:30", "shop.routes:get_item:50")
    assert attribute([_stall(1.0, 50.0, stack)], ROUTES, []) == [(LOGIN, "stack")]


def test_without_a_stack_the_longest_overlap_on_the_same_worker_wins() -> None:
    """No handler frame: the route whose requests on that pid overlapped most; other pids'
    requests do not count; nothing overlapping: no route."""
    stalls = [_stall(10.0, 300.0), _stall(50.0, 100.0)]
    requests = [
        _request("/items/3", 10.05, 300.0),  # overlaps 250 ms
        _request("/health", 9.9, 200.0),  # overlaps 100 ms
        _request("/login", 9.0, 5000.0, method="POST", pid=2),  # another worker
    ]
    assert attribute(stalls, ROUTES, requests) == [(ITEMS, "overlap"), (None, None)]


def test_a_stall_seen_in_the_framework_alone_is_no_routes() -> None:
    """A stack of the loop and the framework only (a busy machine's stall between callbacks):
    no route, whatever overlapped it; a frame of the app's own code outside any handler (a
    dependency) still goes by overlap."""
    requests = [_request("/items/3", 9.9, 500.0)]
    framework = _stall(10.0, 100.0, LOOP)
    dependency = _stall(10.0, 100.0, (*LOOP, "shop.deps:current_user:9"))
    assert attribute([framework, dependency], ROUTES, requests) == [
        (None, None),
        (ITEMS, "overlap"),
    ]
    (nobody,) = [r for r in summarise([framework], ROUTES, requests) if r.route is None]
    assert nobody.stalled_s == pytest.approx(0.1) and (nobody.fix, nobody.suggestion) == (None, "")


def test_route_line_is_the_deepest_frame_of_the_users_code_and_its_call() -> None:
    """From the handler down, the last frame of its package; the call is the next frame."""
    stack = (
        *LOOP,
        "shop.routes:login:30",
        "shop.security:check_password:12",
        "json.encoder:JSONEncoder.encode:200",
        "json.encoder:JSONEncoder.iterencode:258",
    )
    assert route_line(stack, LOGIN.handler) == "shop.security:check_password:12"
    assert line_call(stack, LOGIN.handler) == "json.encoder:JSONEncoder.encode:200"
    leaf = (*LOOP, "shop.routes:login:31")  # time.sleep: a C call, no frame of its own
    assert route_line(leaf, LOGIN.handler) == "shop.routes:login:31"
    assert line_call(leaf, LOGIN.handler) is None
    assert route_line(leaf, ITEMS.handler) is None


def _evidence(kind: str) -> dict[str, Any]:
    """Watchdog evidence columns typical of each kind (see test_kinds)."""
    if kind == "wait":
        return {"late_ms": 0.2, "wait_ms": 0.2, "cpu_ms": 0.0, "core_wait_ms": 0.0}
    if kind == "gil_held":
        return {"late_ms": 0.3, "wait_ms": 5.3, "cpu_ms": 99.0, "core_wait_ms": 0.0}
    return {"late_ms": 0.2, "wait_ms": 0.2, "cpu_ms": 98.0, "core_wait_ms": 0.0}


def test_the_summary_has_every_route_and_shares_that_sum_to_one() -> None:
    """Stalled routes ranked with line, kind and fix; unattributed time is its own row; routes
    that never stalled are 'fine' (0 s, no kind, no fix); shares sum to 1."""
    login = (*LOOP, "shop.routes:login:30", "shop.security:check:12")
    items = (*LOOP, "shop.routes:get_item:51")
    window = {"cpu_window_ms": 100.0, "samples": 20, "source": "watchdog"}
    stalls = [
        _stall(1.0, 300.0, login, **_evidence("gil_released"), **window),
        _stall(2.0, 300.0, login, **_evidence("gil_released"), **window),
        _stall(3.0, 200.0, items, **_evidence("wait"), **window),
        _stall(4.0, 100.0, (), **_evidence("gil_held"), **window),  # overlaps a /health
        _stall(9.0, 100.0, (), **_evidence("gil_held"), **window),  # overlaps nothing
    ]
    requests = [_request("/health", 3.99, 200.0)]
    rows = {r.route: r for r in summarise(stalls, ROUTES, requests)}
    assert math.isclose(sum(r.stalled_share for r in rows.values()), 1.0)
    top = rows["POST /login"]
    assert (top.stalled_s, top.stalls, top.how) == (pytest.approx(0.6), 2, "stack")
    assert (top.kind, top.fix, top.line) == ("gil_released", "threadpool", "shop.security:check:12")
    assert top.stalled_share == pytest.approx(0.6)
    assert "to_thread(check" in top.suggestion
    assert (rows["GET /items/{item_id}"].kind, rows["GET /items/{item_id}"].fix) == (
        "wait",
        "threadpool",
    )
    health = rows["GET /health"]
    assert (health.how, health.kind, health.fix, health.line) == (
        "overlap",
        "gil_held",
        "processpool",
        None,
    )
    assert rows[None].stalled_s == pytest.approx(0.1) and rows[None].how is None
    fine = rows["GET /items/new"]
    assert (fine.stalled_s, fine.kind, fine.fix, fine.stalls) == (0.0, None, None, 0)
    assert list(rows)[0] == "POST /login"  # heaviest first


def test_summary_counts_a_stall_once_when_both_samplers_named_it() -> None:
    """With py-spy on, the watchdog's rows count; py-spy's stack names a stall the watchdog
    could not capture."""
    held = (*LOOP, "shop.routes:get_item:52")
    stalls = [
        _stall(1.0, 200.0, (), late=True, late_ms=180.0, samples=0, source="watchdog"),
        _stall(1.001, 199.0, held, source="py-spy"),
    ]
    (row,) = [r for r in summarise(stalls, ROUTES, []) if r.stalls]
    assert (row.route, row.stalled_s, row.how) == ("GET /items/{item_id}", 0.2, "stack")
    assert (row.kind, row.fix, row.line) == ("gil_held", "processpool", held[-1])
