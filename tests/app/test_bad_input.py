"""Property-based bad input on register and login (hypothesis, in-process, cost 4).

Whatever JSON (or non-JSON) arrives, the answer is one of the contract's statuses, never a
500, never an echo of a password or a bcrypt hash; and the app still works afterwards.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.main import create_app
from app.settings import Settings

REGISTER, LOGIN, HEALTH = "/api/users/register/", "/api/users/login/", "/api/health/"
ALLOWED = {REGISTER: {201, 409, 413, 422}, LOGIN: {200, 401, 413, 422}}
BCRYPT_HASH = re.compile(r"\$2[aby]?\$\d\d\$")
# Words the app's own messages contain: a "password" equal to one of them proves nothing.
OWN_WORDS = (
    "username password body detail msg type loc value_error missing extra_forbidden "
    "Field required Input should be a valid string dictionary or object to extract fields "
    "from String should match pattern ^[A-Za-z0-9_.-]{3,64}$ Value error, password must be "
    "8 to 72 bytes in UTF-8 valid UTF-8 text JSON decode error json_invalid Extra inputs are "
    "not permitted invalid username or password username already registered Content Too Large"
)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
long_text = st.builds(lambda ch, n: ch * n, st.characters(), st.integers(60, 40_000))
valid_username = st.from_regex(r"[A-Za-z0-9_.-]{3,64}", fullmatch=True)
valid_password = st.text(min_size=8, max_size=18)  # at most 72 bytes in UTF-8
field = (
    st.text() | long_text | valid_username | valid_password | json_values | st.just("") | st.none()
)
objects = st.fixed_dictionaries(
    {},
    optional={"username": field, "password": field},
).flatmap(
    lambda base: (
        st.dictionaries(st.text(max_size=12), json_values, max_size=2).map(
            lambda extra: extra | base
        )
        | st.just(base)
    )
)
json_bodies = (objects | json_values).map(lambda v: json.dumps(v).encode())
raw_bodies = st.binary(max_size=200) | st.sampled_from(
    [
        b"",
        b"{",
        b'{"username": "abc", "password": ' + b"9" * 5000 + b"}",  # beyond int parsing limits
        b"[" * 20_000 + b"]" * 20_000,  # deeper than the JSON parser's recursion limit
        b'{"username": "abcd", "password": "\xff\xfe\xfd 12345678"}',  # invalid UTF-8
        b'{"username": "abcd", "password": "\\ud800 lone surrogate"}',
        b'{"username": "abcd", "password": NaN}',
        json.dumps({"username": "huge", "password": "x" * 70_000}).encode(),  # > 64 KiB
    ]
)
content_types = st.sampled_from(["application/json", "text/plain", "application/x+json", None])


def secrets_in(body: bytes) -> list[str]:
    """Password-like strings sent in `body` that would be meaningful to find in a response."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return []
    if not isinstance(value, dict) or not isinstance(value.get("password"), str):
        return []
    password = value["password"]
    if len(password) < 8 or password in OWN_WORDS or password in str(value.get("username")):
        return []
    return [password]


def check_answer(client: TestClient, path: str, body: bytes, content_type: str | None) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    r = client.post(path, content=body, headers=headers)
    assert r.status_code in ALLOWED[path], (r.status_code, r.text[:300], body[:200])
    assert not BCRYPT_HASH.search(r.text), r.text
    for secret in secrets_in(body):
        assert secret not in r.text, (r.status_code, r.text[:300])
    if r.status_code == 201:
        assert set(r.json()) == {"id", "username", "created_at"}
    if r.status_code == 422:
        assert all("input" not in item for item in r.json()["detail"]), r.text


def still_serves(client: TestClient) -> None:
    assert client.get(HEALTH).json() == {"status": "OK"}
    body = {"username": "after-the-storm", "password": "a-fine-password"}
    assert client.post(REGISTER, json=body).status_code == 201
    assert client.post(LOGIN, json=body).status_code == 200


def run_property(make_settings: Callable[..., Settings], path: str, bodies: Any) -> None:
    with TestClient(create_app(make_settings()), raise_server_exceptions=False) as client:

        @PROPERTY
        @given(body=bodies, content_type=content_types)
        def prop(body: bytes, content_type: str | None) -> None:
            check_answer(client, path, body, content_type)

        prop()
        still_serves(client)


def test_register_json_bodies_get_contract_statuses(make_settings: Callable[..., Settings]) -> None:
    """Any JSON value (Unicode, long, empty, null, wrong types, extra fields) -> 201/409/413/422."""
    run_property(make_settings, REGISTER, json_bodies)


def test_login_json_bodies_get_contract_statuses(make_settings: Callable[..., Settings]) -> None:
    """Any JSON value posted to login -> 200/401/413/422, never a 500 or an echoed password."""
    run_property(make_settings, LOGIN, json_bodies)


def test_raw_bodies_get_contract_statuses(make_settings: Callable[..., Settings]) -> None:
    """Non-JSON bytes, broken UTF-8, huge numbers, deep nesting -> 413/422 on both endpoints."""
    with TestClient(create_app(make_settings()), raise_server_exceptions=False) as client:

        @PROPERTY
        @given(path=st.sampled_from([REGISTER, LOGIN]), body=raw_bodies, ct=content_types)
        def prop(path: str, body: bytes, ct: str | None) -> None:
            check_answer(client, path, body, ct)

        prop()
        still_serves(client)


def test_surrogate_password_is_refused_without_echo(make_settings: Callable[..., Settings]) -> None:
    """A password that is not encodable as UTF-8 is a 422 that names no character of it."""
    with TestClient(create_app(make_settings())) as client:
        body = b'{"username": "abcd", "password": "\\ud83d-secret-part"}'
        r = client.post(REGISTER, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert "ud83d" not in r.text.lower() and "secret-part" not in r.text
