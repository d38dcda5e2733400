"""schemathesis (4.x Python API) against the app's own OpenAPI schema, on a real uvicorn.

Positive and negative cases for every operation: no 5xx, and every status, content type
and body conforms to what the schema declares.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Callable, Iterator

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi import unregister_string_format

from runner.serve.server import UvicornServer

pytestmark = pytest.mark.e2e

DECLARED = {
    ("POST", "/api/users/register/"): {"201", "409", "413", "422"},
    ("POST", "/api/users/login/"): {"200", "401", "413", "422"},
    ("GET", "/api/health/"): {"200"},
}


# The schema's "password" format means 8..72 bytes in UTF-8, which JSON Schema cannot state.
PASSWORDS = st.text(min_size=2, max_size=72).filter(lambda p: 8 <= len(p.encode()) <= 72)


@pytest.fixture
def password_format() -> Iterator[None]:
    schemathesis.openapi.format("password", PASSWORDS)
    yield
    unregister_string_format("password")


@pytest.fixture
def server(serve: Callable[..., UvicornServer]) -> UvicornServer:
    return serve(hashing="threadpool", rounds=4)


def test_schema_declares_every_status_the_app_answers(server: UvicornServer) -> None:
    """The OpenAPI schema lists 409/401/413/422 where the routes can answer them."""
    spec = httpx.get(server.url + "/openapi.json", trust_env=False).json()
    for (method, path), codes in DECLARED.items():
        declared = set(spec["paths"][path][method.lower()]["responses"])
        assert declared == codes, (method, path, declared)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.usefixtures("password_format")
def test_schemathesis_finds_no_5xx_and_no_schema_violation(
    server: UvicornServer, mode: GenerationMode
) -> None:
    """Generated requests (valid and invalid) get no 5xx; responses match the schema."""
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    seen: list[int] = []
    with requests.Session() as session:
        session.trust_env = False

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=schema.as_strategy(generation_mode=mode))
        def fuzz(case: schemathesis.Case) -> None:
            response = case.call_and_validate(base_url=server.url, session=session)
            seen.append(response.status_code)

        fuzz()
    statuses = collections.Counter(seen)
    assert max(statuses) < 500, statuses
    # The fuzzing reached the handlers, not only the validator (and vice versa).
    assert {200, 201, 401} <= set(statuses) if mode == GenerationMode.POSITIVE else 422 in statuses
    assert httpx.get(server.url + "/api/health/", trust_env=False).json() == {"status": "OK"}


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_duplicate_and_oversized_answers_match_the_schema(
    server: UvicornServer, chunked: bool
) -> None:
    """A 409 (taken username) and a 413 (body over 64 KiB) are declared and conform."""
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    register = schema["/api/users/register/"]["POST"]
    body = {"username": f"dup-{chunked}", "password": "twice-registered"}
    assert register.Case(body=body).call(base_url=server.url).status_code == 201
    again = register.Case(body=body).call_and_validate(base_url=server.url)
    assert again.status_code == 409
    huge = {"username": "huge", "password": "x" * 70_000}
    if chunked:
        data = iter([json.dumps(huge).encode()])  # a generator body: no Content-Length
        response = requests.post(server.url + register.path, data=data)
        register.Case(body=huge).validate_response(response)
    else:
        response = register.Case(body=huge).call_and_validate(base_url=server.url)
    assert response.status_code == 413
