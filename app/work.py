"""The kinds of synchronous work a registration can do, each shaped like `hash_password`.

Every kind is `hash_as(kind, password, cost) -> str` and `verify_as(kind, password, hashed)`;
`cost` is the kind's one knob, which calibration (app/calibrate.py) turns until one call takes
about S ms. The stored string carries its own cost, so login spends the same time as register.

- bcrypt:        pyca/bcrypt at `cost` rounds (today's behaviour); C/Rust, releases the GIL.
- argon2id:      argon2-cffi at OWASP's minimum memory and lanes (m = 19 MiB, p = 1) with
                 `cost` iterations (t >= 2); C, releases the GIL.
- pbkdf2_python: PBKDF2-HMAC-SHA256 (RFC 8018) whose iteration loop is Python: `cost`
                 iterations, each a few interpreter steps around four tiny hashlib calls
                 (hashlib keeps the GIL for inputs under 2 KiB), so it holds the GIL and
                 lets other threads in only at the interpreter's switch interval.
- gil_c:         one `re.search` with polynomial backtracking: `a*a*b` over a run of `cost`
                 `a`s is O(cost^3) steps inside the regex engine, which never releases the
                 GIL (a ReDoS-style input validation), then a salted SHA-256.
- sleep:         `time.sleep(cost µs)`, then a salted SHA-256: blocking I/O stand-in, no
                 CPU, GIL released.

gil_c and sleep store `$kind$cost$salt$sha256(salt + password)`: a stand-in for the time a
real call takes, not a password hash to deploy. Functions are module-level so a
ProcessPoolExecutor can pickle them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import re
import time
from typing import TYPE_CHECKING

import bcrypt

from app.contract import Work

if TYPE_CHECKING:
    import argon2

ARGON2_MEMORY_KIB = 19 * 1024  # OWASP Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1
ARGON2_MIN_TIME_COST = 2
ARGON2_PARALLELISM = 1
_BACKTRACK = re.compile(r"a*a*b")  # no 'b' in the subject: every split of the run is tried
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))
_DUMMY_PASSWORD = "not-a-real-password-0123456789"

# The smallest cost each kind accepts (bcrypt's own minimum is 4 rounds).
MIN_COST: dict[Work, int] = {
    "bcrypt": 4,
    "argon2id": ARGON2_MIN_TIME_COST,
    "pbkdf2_python": 1,
    "gil_c": 2,
    "sleep": 1,
}


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def pbkdf2_sha256_python(password: bytes, salt: bytes, iterations: int) -> bytes:
    """The first 32-byte block of PBKDF2-HMAC-SHA256, the iteration loop in Python."""
    key = hashlib.sha256(password).digest() if len(password) > 64 else password
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(key.translate(_IPAD))
    outer = hashlib.sha256(key.translate(_OPAD))

    def prf(message: bytes) -> bytes:
        i = inner.copy()
        i.update(message)
        o = outer.copy()
        o.update(i.digest())
        return o.digest()

    u = prf(salt + b"\x00\x00\x00\x01")
    acc = int.from_bytes(u, "big")
    for _ in range(iterations - 1):
        u = prf(u)
        acc ^= int.from_bytes(u, "big")
    return acc.to_bytes(32, "big")


def backtrack(n: int) -> None:
    """One C call holding the GIL for O(n^3) steps: `a*a*b` searched in n `a`s (no match)."""
    _BACKTRACK.search("a" * n)


def _stand_in(kind: Work, password: str, cost: int, salt: bytes) -> str:
    digest = hashlib.sha256(salt + password.encode()).digest()
    return f"${kind}${cost}${_b64(salt)}${_b64(digest)}"


def _spend(kind: Work, cost: int) -> None:
    """The time-taking part of gil_c and sleep."""
    if kind == "gil_c":
        backtrack(cost)
    else:
        time.sleep(cost / 1e6)


def _argon2_hasher(time_cost: int) -> argon2.PasswordHasher:
    """Imported on first use: an interpreter without an argon2 wheel still serves the others."""
    import argon2
    from argon2.low_level import Type

    return argon2.PasswordHasher(
        time_cost=time_cost,
        memory_cost=ARGON2_MEMORY_KIB,
        parallelism=ARGON2_PARALLELISM,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )


def hash_as(kind: Work, password: str, cost: int) -> str:
    """`password` hashed by `kind` at `cost` (the kind's one knob); the result names both."""
    if cost < MIN_COST[kind]:
        raise ValueError(f"{kind}: cost {cost} below its minimum {MIN_COST[kind]}")
    if kind == "bcrypt":
        return bcrypt.hashpw(password.encode(), bcrypt.gensalt(cost)).decode()
    if kind == "argon2id":
        return _argon2_hasher(cost).hash(password)
    salt = os.urandom(16)
    if kind == "pbkdf2_python":
        dk = pbkdf2_sha256_python(password.encode(), salt, cost)
        return f"${kind}${cost}${_b64(salt)}${_b64(dk)}"
    _spend(kind, cost)
    return _stand_in(kind, password, cost, salt)


def verify_as(kind: Work, password: str, hashed: str) -> bool:
    """True when `password` matches `hashed` made by `kind`; False on mismatch or a bad hash.
    Spends the same time as `hash_as` did (the cost is read from `hashed`)."""
    if kind == "bcrypt":
        try:
            return bcrypt.checkpw(password.encode(), hashed.encode())
        except ValueError:
            return False
    if kind == "argon2id":
        from argon2.exceptions import Argon2Error, InvalidHashError

        try:
            return _argon2_hasher(ARGON2_MIN_TIME_COST).verify(hashed, password)
        except (Argon2Error, InvalidHashError):
            return False
    parts = hashed.split("$")
    if len(parts) != 5 or parts[1] != kind or not parts[2].isdigit():
        return False
    cost, salt, want = int(parts[2]), _unb64(parts[3]), parts[4]
    if kind == "pbkdf2_python":
        got = _b64(pbkdf2_sha256_python(password.encode(), salt, max(1, cost)))
    else:
        _spend(kind, max(1, cost))
        got = _stand_in(kind, password, cost, salt).rsplit("$", 1)[1]
    return hmac.compare_digest(got, want)


def verify_or_dummy(kind: Work, password: str, hashed: str | None, dummy: str) -> bool:
    """Verify against the stored `hashed`; with none (an unknown user), spend the same time on
    `dummy` and fail, so a login's timing does not tell whether the user exists."""
    ok = verify_as(kind, password, dummy if hashed is None else hashed)
    return ok and hashed is not None


@functools.cache
def dummy_hash_as(kind: Work, cost: int) -> str:
    """A hash by `kind` at `cost` to verify against for unknown users (same time as a real one)."""
    return hash_as(kind, _DUMMY_PASSWORD, cost)
