"""app.models: the registration body rules (password bytes, username pattern)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.models import Credentials


@pytest.mark.parametrize(
    "password", ["12345678", "x" * 72, "€" * 24, "é" * 4, "€" * 3], ids=str.__len__
)
def test_passwords_of_8_to_72_utf8_bytes_are_accepted(password: str) -> None:
    """The limit is on UTF-8 bytes: 24 x '€' is 72 bytes and passes."""
    assert Credentials(username="alice", password=password).password == password


@pytest.mark.parametrize("password", ["1234567", "x" * 73, "€" * 25, "é" * 3, ""])
def test_passwords_outside_8_to_72_bytes_are_rejected_without_echo(password: str) -> None:
    """Too short or too long (25 x '€' = 75 bytes) is a validation error that hides the input."""
    with pytest.raises(ValidationError) as info:
        Credentials(username="alice", password=password)
    assert "password" in str(info.value)
    if password:
        assert password not in str(info.value)


@pytest.mark.parametrize("username", ["ab", "a" * 65, "al ice", "alice!", "ålice", ""])
def test_usernames_outside_the_pattern_are_rejected(username: str) -> None:
    """Usernames are 3-64 characters of [A-Za-z0-9_.-]."""
    with pytest.raises(ValidationError):
        Credentials(username=username, password="12345678")


def test_unknown_fields_are_rejected() -> None:
    """Extra body fields are an error, not silently ignored."""
    with pytest.raises(ValidationError):
        Credentials.model_validate({"username": "alice", "password": "12345678", "admin": True})
