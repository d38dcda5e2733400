"""Password hashing with bcrypt: the `bcrypt` work kind of app/work.py under its old names.

The app hashes through app/work.py (`hash_as(kind, ...)`); these stay for bcrypt-only callers.
They are plain module-level functions so a ProcessPoolExecutor can pickle them.
"""

from __future__ import annotations

from app.work import dummy_hash_as, hash_as, verify_as

DEFAULT_ROUNDS = 12


def hash_password(password: str, rounds: int = DEFAULT_ROUNDS) -> str:
    """bcrypt hash of `password` (at most 72 UTF-8 bytes) at cost `rounds`."""
    return hash_as("bcrypt", password, rounds)


def verify_password(password: str, hashed: str) -> bool:
    """True when `password` matches the bcrypt `hashed`; False on mismatch or a bad hash."""
    return verify_as("bcrypt", password, hashed)


def dummy_hash(rounds: int = DEFAULT_ROUNDS) -> str:
    """A hash at cost `rounds` to verify against for unknown users (same time as a real one)."""
    return dummy_hash_as("bcrypt", rounds)
