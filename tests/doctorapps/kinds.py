"""Six routes, one per kind of call the doctor must tell apart: four block the event loop
for ~150 ms each in a different way, one does the same work off the loop, one is cheap.

    GET /pbkdf2          a C call that releases the GIL (hashlib.pbkdf2_hmac), in async def
    GET /json            a C call that holds the GIL (json.dumps of a large list), in async def
    GET /pyloop          a pure-Python loop, in async def
    GET /sleep           time.sleep(0.15), in async def
    GET /pbkdf2/thread   the same pbkdf2 as /pbkdf2, awaited in a worker thread (the fix)
    GET /ping            nothing: the cheap route

The sizes below were calibrated on the 2-core machine this was written on (best of 5, idle
apart from other work); `python -m tests.doctorapps.kinds` prints what they take here.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time

from fastapi import FastAPI

PBKDF2_ITERATIONS = 450_000  # ~150 ms of sha256 pbkdf2 (best seen here: 155 ms at 470k)
JSON_ITEMS = 70_000  # ~150 ms of json.dumps (best seen here: 171 ms at 78k items)
LOOP_STEPS = 2_400_000  # ~150 ms of a Python for-loop (best seen here: 135-149 ms)
SLEEP_S = 0.15

# Built once at import: each /json request only pays for encoding it.
PAYLOAD = [
    {"id": i, "name": f"item {i}", "tags": ["a", "b", "c"], "price": i * 1.5}
    for i in range(JSON_ITEMS)
]


def pbkdf2() -> str:
    """~150 ms inside OpenSSL with the GIL released."""
    return hashlib.pbkdf2_hmac("sha256", b"password", b"salt", PBKDF2_ITERATIONS).hex()


def encode() -> int:
    """~150 ms inside the json C encoder, which holds the GIL throughout."""
    return len(json.dumps(PAYLOAD))


def spin() -> int:
    """~150 ms of bytecode: the interpreter holds the GIL, switching threads every 5 ms."""
    total = 0
    for i in range(LOOP_STEPS):
        total += i * i
    return total


app = FastAPI(title="kinds")


@app.get("/pbkdf2")
async def hash_blocking() -> dict[str, str]:
    return {"hash": pbkdf2()}


@app.get("/json")
async def json_blocking() -> dict[str, int]:
    return {"bytes": encode()}


@app.get("/pyloop")
async def loop_blocking() -> dict[str, int]:
    return {"total": spin()}


@app.get("/sleep")
async def sleep_blocking() -> dict[str, float]:
    time.sleep(SLEEP_S)
    return {"slept": SLEEP_S}


@app.get("/pbkdf2/thread")
async def hash_offloaded() -> dict[str, str]:
    return {"hash": await asyncio.to_thread(pbkdf2)}


@app.get("/ping")
async def ping() -> dict[str, bool]:
    return {"ok": True}


def main() -> None:
    """Print what each blocking call takes on this machine (best of 5, ms)."""
    for fn in (pbkdf2, encode, spin, lambda: time.sleep(SLEEP_S)):
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
        print(f"{getattr(fn, '__name__', 'sleep'):8s} {best * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
