"""Work kinds: hash/verify round trips, PBKDF2 correctness, who holds the GIL, calibration."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.calibrate import (
    ACCEPTED,
    calibrate,
    calibrate_shared,
    next_cost,
    search,
    secant_exponent,
)
from app.contract import WORKS
from app.work import backtrack, dummy_hash_as, hash_as, pbkdf2_sha256_python, verify_as
from runner.processes.proc import wait_until

SMALL = {"bcrypt": 4, "argon2id": 2, "pbkdf2_python": 50, "gil_c": 50, "sleep": 1000}


@pytest.mark.parametrize("kind", WORKS)
def test_round_trip_and_mismatch(kind: str) -> None:
    """A kind verifies its own hash, rejects a wrong password, another kind's hash and junk."""
    hashed = hash_as(kind, "correct horse", SMALL[kind])  # type: ignore[arg-type]
    assert "correct horse" not in hashed
    assert verify_as(kind, "correct horse", hashed)  # type: ignore[arg-type]
    assert not verify_as(kind, "wrong horse", hashed)  # type: ignore[arg-type]
    assert not verify_as(kind, "correct horse", "$junk$")  # type: ignore[arg-type]
    other = next(k for k in WORKS if k != kind)
    assert not verify_as(other, "correct horse", hashed)
    assert dummy_hash_as(kind, SMALL[kind]) == dummy_hash_as(kind, SMALL[kind])  # type: ignore[arg-type]


@pytest.mark.parametrize("iterations", [1, 2, 1000])
def test_python_pbkdf2_matches_hashlib(iterations: int) -> None:
    """The pure-Python PBKDF2-HMAC-SHA256 is the real thing (long keys hashed first, too)."""
    for pw in (b"pw", b"x" * 100):
        want = hashlib.pbkdf2_hmac("sha256", pw, b"salt1234", iterations, 32)
        assert pbkdf2_sha256_python(pw, b"salt1234", iterations) == want


def _longest_stall_ms(call: Callable[[], object]) -> tuple[float, float]:
    """(call ms, longest ms a second, spinning thread made no progress during the call)."""
    stamps: list[float] = []
    stop = threading.Event()

    def spin() -> None:
        pc, add = time.perf_counter, stamps.append
        while not stop.is_set():
            add(pc())

    t = threading.Thread(target=spin)
    t.start()
    wait_until(lambda: bool(stamps), timeout=5, what="the spinner", interval=0.001)
    t0 = time.perf_counter()
    call()
    t1 = time.perf_counter()
    # the spinner has recorded the gap the call made once it stamps after the call
    wait_until(lambda: stamps[-1] > t1, timeout=5, what="a stamp after the call", interval=0.001)
    stop.set()
    t.join()
    inside = [t0] + [s for s in stamps if t0 < s < t1] + [t1]
    gaps = [b - a for a, b in zip(inside, inside[1:], strict=False)]
    return (t1 - t0) * 1000, max(gaps) * 1000


def test_gil_c_holds_the_gil_for_the_whole_call() -> None:
    """gil_c: a second thread makes no progress for (nearly) the whole regex call."""
    call_ms, stall_ms = _longest_stall_ms(lambda: backtrack(700))
    assert call_ms > 20
    assert stall_ms >= 0.7 * call_ms  # the edges: the GIL changes hands around the call


@pytest.mark.parametrize(
    ("kind", "cost"), [("sleep", 100_000), ("argon2id", 6), ("pbkdf2_python", 60_000)]
)
def test_other_kinds_let_a_second_thread_run(kind: str, cost: int) -> None:
    """sleep and argon2id release the GIL; pbkdf2_python gives it up at the switch interval."""
    call_ms, stall_ms = _longest_stall_ms(lambda: hash_as(kind, "pw", cost))  # type: ignore[arg-type]
    assert call_ms > 20
    assert stall_ms < 0.5 * call_ms


def test_search_steps_are_pure_power_laws() -> None:
    """next_cost rescales by (target/t)^(1/e) within limits; the secant needs distinct points."""
    assert next_cost(100, 10.0, 80.0, 1.0, 1) == 800
    assert next_cost(100, 10.0, 80.0, 3.0, 1) == 200
    assert next_cost(100, 10.0, 1e9, 1.0, 1) == 6400  # at most 64x up per step
    assert next_cost(100, 1000.0, 1.0, 1.0, 50) == 50  # never under the floor
    assert secant_exponent(100, 10.0, 200, 80.0, 1.0) == pytest.approx(3.0)
    assert secant_exponent(100, 10.0, 110, 80.0, 1.0) == 1.0  # too close: keep the guess


def test_search_converges_on_a_synthetic_cubic() -> None:
    """On t = (cost/100)^3 ms, the search lands within 4 % of the target."""
    cost, ms = search("gil_c", 250.0, timer=lambda _k, c, _n: (c / 100) ** 3)
    assert abs(ms / 250 - 1) <= 0.04
    assert ms == pytest.approx((cost / 100) ** 3)


@pytest.mark.parametrize("kind", [k for k in WORKS if k != "bcrypt"])
def test_calibration_reaches_the_target(kind: str) -> None:
    """Each kind calibrates to 100 ms. sleep, which uses no CPU, within the code's own ACCEPTED
    error at once. The CPU kinds' call times move with whatever else runs on the shared cores
    (beside two busy processes on 2 cores: 11 % and 72 % off after three tries), so they are
    held within 35 %, and a calibration may be retried twice; one must land. Their ACCEPTED
    error is a quiet machine's (the search itself is pinned on a synthetic cubic above)."""
    bound = ACCEPTED if kind == "sleep" else 0.35
    tries = []
    for _ in range(1 if kind == "sleep" else 3):
        cal = calibrate(kind, 100.0, 4)  # type: ignore[arg-type]
        assert cal.kind == kind and cal.target_ms == 100.0
        tries.append(cal)
        if abs(cal.error) <= bound:
            break
    assert abs(tries[-1].error) <= bound, tries


def test_bcrypt_keeps_its_rounds_and_servers_share_one_calibration(tmp_path: Path) -> None:
    """bcrypt runs at its rounds, unmeasured; a second process of the same server reuses the
    first one's calibration and each writes its work-<pid>.json."""
    plain = calibrate_shared("bcrypt", None, 4, tmp_path / "b")
    assert (plain.cost, plain.seconds) == (4, 0.0)
    first = calibrate_shared("sleep", 30.0, 4, tmp_path)
    assert first.cost > 0 and first.ms > 0 and not first.reused
    again = calibrate_shared("sleep", 30.0, 4, tmp_path)
    assert again.reused and again.cost == first.cost and again.ms == first.ms
    files = list(tmp_path.glob("work-*.json"))
    assert len(files) == 1  # one pid here
    rec = json.loads(files[0].read_text())
    assert rec["kind"] == "sleep" and rec["cost"] == first.cost and rec["bcrypt_rounds"] == 4
    other = calibrate_shared("sleep", 20.0, 4, tmp_path)  # another target: measured afresh
    assert not other.reused and other.target_ms == 20.0


@pytest.mark.parametrize("kind", WORKS)
@pytest.mark.parametrize("hashing", ["sync_def", "processpool"])
def test_app_registers_and_logs_in_with_each_kind(
    kind: str, hashing: str, make_settings: Callable[..., Any]
) -> None:
    """Register hashes with the kind, login verifies with the same kind (right: 200, wrong or
    unknown: 401), in a plain-def and a process-pool app; the thread limit is applied."""
    import anyio.to_thread
    from fastapi.testclient import TestClient

    from app.main import create_app

    settings = make_settings(hashing=hashing, work=kind, work_ms=15.0, thread_limit=7)
    with TestClient(create_app(settings)) as c:
        body = {"username": "ada", "password": "correct horse"}
        assert c.post("/api/users/register/", json=body).status_code == 201
        assert c.post("/api/users/login/", json=body).status_code == 200
        wrong = body | {"password": "wrong horse!"}
        assert c.post("/api/users/login/", json=wrong).status_code == 401
        ghost = body | {"username": "nobody"}
        assert c.post("/api/users/login/", json=ghost).status_code == 401
        limit = c.portal.call(lambda: anyio.to_thread.current_default_thread_limiter())
        assert limit.total_tokens == 7
    rec = json.loads(next(settings.log_dir.glob("work-*.json")).read_text())
    assert rec["kind"] == kind


def test_a_given_cost_skips_calibration(tmp_path: Path) -> None:
    """With SYNCBLOCK_WORK_COST (the runner's calibration) the server uses it as is."""
    cal = calibrate_shared("gil_c", 250.0, 12, tmp_path, cost=777)
    assert (cal.cost, cal.seconds) == (777, 0.0)
    rec = json.loads(next(tmp_path.glob("work-*.json")).read_text())
    assert rec["given"] and rec["cost"] == 777
