"""app.passwords: bcrypt hashing, verification and the dummy hash."""

from __future__ import annotations

from app.passwords import dummy_hash, hash_password, verify_password


def test_hash_then_verify_round_trips_and_rejects_other_passwords() -> None:
    """A hash verifies its own password (72-byte UTF-8 included) and no other."""
    password = "€" * 24
    hashed = hash_password(password, rounds=4)
    assert hashed.startswith("$2b$04$") and password not in hashed
    assert verify_password(password, hashed)
    assert not verify_password("€" * 23 + "x", hashed)


def test_verify_against_garbage_is_false_not_an_error() -> None:
    """A malformed stored hash makes verification fail, never raise."""
    assert verify_password("password", "not-a-bcrypt-hash") is False


def test_dummy_hash_has_the_requested_cost_and_is_computed_once() -> None:
    """The dummy hash costs what a real one does, and is cached per cost."""
    assert dummy_hash(4).startswith("$2b$04$")
    assert dummy_hash(4) is dummy_hash(4)
