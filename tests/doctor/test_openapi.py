"""Discovery from an OpenAPI schema (FastAPI): routes, handlers, generated calls."""

from __future__ import annotations

import inspect
from urllib.parse import parse_qs, urlsplit

from runner.doctor.plan import Plan
from tests.doctorapps import kinds, shop


def by_name(plan: Plan) -> dict[str, object]:
    return {r.name: r for r in plan.routes}


def test_shop_routes_from_the_schema(shop_plan: Plan) -> None:
    """The shop's three HTTP routes are planned from its schema; FastAPI's docs routes are not."""
    assert [r.name for r in shop_plan.routes] == [
        "GET /items/{item_id}",
        "GET /items",
        "POST /items",
    ]
    assert {r.source for r in shop_plan.routes} == {"openapi"}


def test_shop_websocket_left_out_with_a_reason(shop_plan: Plan) -> None:
    """The WebSocket route is left out, and the line says why."""
    assert [x.line() for x in shop_plan.left_out] == ["WebSocket /ws: not HTTP"]


def test_shop_probe_is_the_route_with_only_optional_parameters(shop_plan: Plan) -> None:
    """GET /items (its limit is optional, so its first call is bare) is the probe path."""
    assert shop_plan.probe_path == "/items"


def test_generated_calls_pass_the_apps_validation(shop_plan: Plan) -> None:
    """Every generated call fits the app's own constraints, and each first call answered 2xx."""
    routes = {r.name: r for r in shop_plan.routes}
    for route in shop_plan.routes:
        assert route.first_call is not None and 200 <= route.first_call.status < 300, route
    for call in routes["POST /items"].calls:
        shop.ItemIn.model_validate(call.json)  # raises on a body the app would answer 422
    for call in routes["GET /items/{item_id}"].calls:
        assert 1 <= int(call.url.removeprefix("/items/")) <= 100_000
    for call in routes["GET /items"].calls:
        limit = parse_qs(urlsplit(call.url).query).get("limit", ["10"])
        assert 1 <= int(limit[0]) <= 100


def test_a_few_distinct_calls_per_route(shop_plan: Plan) -> None:
    """A route with parameters gets several distinct calls to cycle through under load."""
    for route in shop_plan.routes:
        assert len(route.calls) >= 3
        assert len(set(map(repr, route.calls))) == len(route.calls)


def test_schema_examples_come_first(shop_plan: Plan) -> None:
    """The body's schema examples (name 'pen', price 1.5) make the first call."""
    post = next(r for r in shop_plan.routes if r.name == "POST /items")
    assert post.calls[0].json is not None
    assert post.calls[0].json["name"] == "pen" and post.calls[0].json["price"] == 1.5


def test_handler_is_module_qualname_with_source_lines(shop_plan: Plan) -> None:
    """Each route names its handler as module:qualname, with the file and lines it spans."""
    route = next(r for r in shop_plan.routes if r.name == "GET /items/{item_id}")
    assert route.handler is not None
    assert route.handler.qualname == "tests.doctorapps.shop:get_item"
    lines, first = inspect.getsourcelines(shop.get_item)
    assert route.handler.file == inspect.getsourcefile(shop.get_item)
    assert (route.handler.first_line, route.handler.last_line) == (first, first + len(lines) - 1)


def test_kinds_routes_and_handlers(kinds_plan: Plan) -> None:
    """The six kinds routes are planned, each with its own handler, all answering 200."""
    got = {r.name: r.handler.qualname if r.handler else None for r in kinds_plan.routes}
    assert got == {
        "GET /pbkdf2": "tests.doctorapps.kinds:hash_blocking",
        "GET /json": "tests.doctorapps.kinds:json_blocking",
        "GET /pyloop": "tests.doctorapps.kinds:loop_blocking",
        "GET /sleep": "tests.doctorapps.kinds:sleep_blocking",
        "GET /pbkdf2/thread": "tests.doctorapps.kinds:hash_offloaded",
        "GET /ping": "tests.doctorapps.kinds:ping",
    }
    assert all(r.first_call and r.first_call.status == 200 for r in kinds_plan.routes)
    assert all(len(r.calls) == 1 and r.calls[0].url == r.path for r in kinds_plan.routes)
    assert kinds_plan.left_out == ()


def test_probe_is_the_cheap_route(kinds_plan: Plan) -> None:
    """The probe path is the cheap parameterless GET (/ping), not a blocking one."""
    assert kinds_plan.probe_path == "/ping"
    sleep = next(r for r in kinds_plan.routes if r.name == "GET /sleep")
    assert sleep.first_call is not None and sleep.first_call.ms >= kinds.SLEEP_S * 1000
