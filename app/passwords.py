"""Password hashing with bcrypt: three tiny functions, no database, no I/O.

They are plain module-level functions so a ProcessPoolExecutor can pickle them.
"""

from __future__ import annotations

import functools

import bcrypt

DEFAULT_ROUNDS = 12


def hash_password(password: str, rounds: int = DEFAULT_ROUNDS) -> str:
    """bcrypt hash of `password` (at most 72 UTF-8 bytes) at cost `rounds`."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def verify_password(password: str, hashed: str) -> bool:
    """True when `password` matches the bcrypt `hashed`; False on mismatch or a bad hash."""
    try:
        return bcrypt.checkpw(password.encode(), hashed.encode())
    except ValueError:
        return False


@functools.cache
def dummy_hash(rounds: int = DEFAULT_ROUNDS) -> str:
    """A hash at cost `rounds` to verify against for unknown users (same time as a real one)."""
    return hash_password("not-a-real-password-0123456789", rounds)
