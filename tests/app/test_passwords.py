"""app.passwords: bcrypt hashing, verification and the dummy hash."""

from __future__ import annotations

from app.passwords import dummy_hash, hash_password, verify_password
from app.work import verify_or_dummy


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


def test_verify_or_dummy_fails_without_a_stored_hash_even_for_the_dummy_password() -> None:
    """Known user: the password decides; unknown user (None): False, whatever the password."""
    stored, dummy = hash_password("right-password", 4), dummy_hash(4)
    assert verify_or_dummy("bcrypt", "right-password", stored, dummy)
    assert not verify_or_dummy("bcrypt", "wrong-password", stored, dummy)
    assert not verify_or_dummy("bcrypt", "not-a-real-password-0123456789", None, dummy)
    assert not verify_or_dummy("bcrypt", "right-password", "", dummy)  # broken stored hash
