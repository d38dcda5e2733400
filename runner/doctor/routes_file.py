"""The optional routes file (`doctor.routes=PATH`): per route, example values, extra headers
or `skip: true`, and a '*' entry every route starts from. Read and checked here, so a bad file
stops the doctor with one line naming the file and the problem.

    "*":
      headers: {Authorization: "Bearer test-token"}
    "GET /items/{item_id}":
      path: {item_id: 3}
      query: {verbose: true}
    "POST /items":
      json: {name: "pen", price: 1.5}
    "POST /admin/reset":
      skip: true
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from runner.doctor.plan import DoctorInputError

DEFAULT_KEY = "*"
ROUTE_KEY = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /\S*$")
NOT_SET: Any = object()  # no `json` given (null is a JSON body of its own)

Scalar = str | int | float | bool


class RouteEntry(BaseModel):
    """What the routes file says about one route (or '*', about all)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: dict[str, Scalar] = Field(default_factory=dict)
    query: dict[str, Scalar | list[Scalar]] = Field(default_factory=dict)
    json_: Any = Field(default=NOT_SET, alias="json")
    headers: dict[str, str] = Field(default_factory=dict)
    skip: bool = False

    @property
    def has_json(self) -> bool:
        return self.json_ is not NOT_SET


def merged(default: RouteEntry | None, entry: RouteEntry | None) -> RouteEntry:
    """A route's entry on top of the '*' entry (the route's values win, headers merge)."""
    base = default or RouteEntry()
    if entry is None:
        return base
    return RouteEntry.model_validate(
        {
            "path": base.path | entry.path,
            "query": base.query | entry.query,
            "json": entry.json_ if entry.has_json else base.json_,
            "headers": base.headers | entry.headers,
            "skip": entry.skip or base.skip,
        }
    )


def _where(loc: Iterable[Any]) -> str:
    return ".".join(str(x) for x in loc)


def parse(data: Any, source: str) -> dict[str, RouteEntry]:
    """The entries of a parsed routes file, by route name ('*' included); raises one line."""

    def fail(why: str) -> DoctorInputError:
        return DoctorInputError(f"doctor.routes={source!r}: {why}")

    if data is None:
        return {}
    if not isinstance(data, dict):
        raise fail(f"expected a mapping of routes, got a {type(data).__name__}")
    out: dict[str, RouteEntry] = {}
    for key, value in data.items():
        name = str(key)
        if name != DEFAULT_KEY and not ROUTE_KEY.match(name):
            raise fail(f"{name!r} is not '*' nor 'METHOD /path' (e.g. 'GET /items/{{item_id}}')")
        try:
            out[name] = RouteEntry.model_validate(value if value is not None else {})
        except ValidationError as e:
            err = e.errors()[0]
            where = _where((name, *err["loc"])) if err["loc"] else name
            raise fail(f"{where}: {err['msg']}") from None
    return out


def read(path: str) -> dict[str, RouteEntry]:
    """The routes file at `path`, parsed and checked."""
    source = path
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise DoctorInputError(f"doctor.routes={source!r}: cannot read it ({e.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or "invalid"
        raise DoctorInputError(f"doctor.routes={source!r}: not YAML{at} ({problem})") from None
    return parse(data, source)


def unknown_routes(entries: dict[str, RouteEntry], names: Iterable[str]) -> list[str]:
    """Entries that name no route of the app (a typo would otherwise be silently ignored)."""
    known = set(names)
    return [k for k in entries if k != DEFAULT_KEY and k not in known]
