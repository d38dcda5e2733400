"""Discovery by walking a plain Starlette router (no schema), through middleware and Mounts."""

from __future__ import annotations

from runner.doctor import appload
from runner.doctor.plan import Plan
from runner.doctor.walk import walk
from tests.doctorapps import plain


def test_router_found_inside_middleware() -> None:
    """The router is found one `.app` down from the exported middleware."""
    assert appload.find_router(plain.app) is plain.inner
    assert appload.find_router(lambda scope, receive, send: None) is None


def test_walk_lists_routes_with_mount_prefix_and_handlers() -> None:
    """Every HTTP method of every route, Mount prefixes applied, convertors dropped."""
    endpoints, left_out = walk(list(plain.inner.routes))
    got = {(e.name, e.params, e.handler.qualname if e.handler else None) for e in endpoints}
    assert got == {
        ("GET /", (), "tests.doctorapps.plain:home"),
        ("GET /api/things", (), "tests.doctorapps.plain:Things.get"),
        ("GET /api/things/{thing_id}", ("thing_id",), "tests.doctorapps.plain:thing"),
        ("POST /api/things", (), "tests.doctorapps.plain:Things.post"),
        ("GET /broken", (), "tests.doctorapps.plain:broken"),
    }
    assert [x.line() for x in left_out] == ["WebSocket /ws: not HTTP"]


def test_plain_plan_calls_what_it_can_and_says_why_not(plain_plan: Plan) -> None:
    """Parameterless GETs are called; the rest are left out, one line each saying why."""
    assert [(r.name, r.source) for r in plain_plan.routes] == [
        ("GET /", "routes"),
        ("GET /api/things", "routes"),
    ]
    assert sorted(x.line() for x in plain_plan.left_out) == [
        "GET /api/things/{thing_id}: no schema for path parameter thing_id; "
        "give an example in doctor.routes",
        "GET /broken: answered 500 on its first call",
        "POST /api/things: no schema for its body; give json (or {}) for it in doctor.routes",
        "WebSocket /ws: not HTTP",
    ]
    assert plain_plan.probe_path in {"/", "/api/things"}
