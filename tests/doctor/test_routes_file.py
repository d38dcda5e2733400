"""The routes file: examples, headers and skip reach the plan; a bad file stops with one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.doctor.discover import discover
from runner.doctor.plan import DoctorInputError
from tests.doctor.conftest import PLAIN, SHOP

GOOD = """
"*":
  headers: {Authorization: "Bearer t0ken"}
"GET /items/{item_id}":
  path: {item_id: 42}
  headers: {X-Tenant: acme}
"POST /items":
  json: {name: "lamp", price: 12.5}
"GET /items":
  skip: true
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "routes.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_examples_headers_and_skip_reach_the_plan(tmp_path: Path) -> None:
    """Given values replace generated ones, '*' headers merge into each route's, skip leaves out."""
    plan = discover(SHOP, write(tmp_path, GOOD))
    routes = {r.name: r for r in plan.routes}
    assert set(routes) == {"GET /items/{item_id}", "POST /items"}
    assert {c.url for c in routes["GET /items/{item_id}"].calls} == {"/items/42"}
    for call in routes["GET /items/{item_id}"].calls:
        assert call.headers == {"Authorization": "Bearer t0ken", "X-Tenant": "acme"}
    assert [c.json for c in routes["POST /items"].calls] == [{"name": "lamp", "price": 12.5}]
    assert routes["POST /items"].calls[0].headers == {"Authorization": "Bearer t0ken"}
    assert "GET /items: skipped by doctor.routes" in [x.line() for x in plan.left_out]


def test_routes_file_makes_schemaless_routes_callable(tmp_path: Path) -> None:
    """Without a schema, the file's path values and body make a route callable."""
    text = (
        '"GET /api/things/{thing_id}": {path: {thing_id: 7}}\n"POST /api/things": {json: {a: 1}}\n'
    )
    plan = discover(PLAIN, write(tmp_path, text), first_call=True)
    routes = {r.name: r for r in plan.routes}
    assert routes["GET /api/things/{thing_id}"].calls[0].url == "/api/things/7"
    assert routes["POST /api/things"].calls[0].json == {"a": 1}
    assert routes["POST /api/things"].first_call is not None
    assert routes["POST /api/things"].first_call.status == 201


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- GET /items\n", "expected a mapping of routes, got a list"),
        ('"/items": {}\n', "'/items' is not '*' nor 'METHOD /path'"),
        ('"GET /items": {sikp: true}\n', "GET /items.sikp: Extra inputs are not permitted"),
        ('"GET /items": {skip: maybe}\n', "GET /items.skip: Input should be a valid boolean"),
        ('"GET /items": {path: [1]}\n', "GET /items.path: Input should be a valid dictionary"),
        ('"GET /items": {query: {a: 1}\n', "not YAML at line 2"),
        ('"GET /nope": {}\n', "'GET /nope' names no route"),
    ],
)
def test_bad_routes_file_is_one_line(tmp_path: Path, text: str, problem: str) -> None:
    """A bad routes file raises one line naming the file and the problem."""
    path = write(tmp_path, text)
    with pytest.raises(DoctorInputError) as e:
        discover(SHOP, path)
    message = str(e.value)
    assert "\n" not in message
    assert message.startswith(f"doctor.routes={path!r}: ")
    assert problem in message


def test_missing_routes_file_is_one_line(tmp_path: Path) -> None:
    """A routes file that does not exist is named, with the reason, in one line."""
    path = str(tmp_path / "absent.yaml")
    with pytest.raises(DoctorInputError, match=r"^doctor.routes=.*absent.yaml': cannot read it"):
        discover(SHOP, path)
