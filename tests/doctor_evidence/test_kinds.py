"""runner.doctor.kinds: a stall's evidence -> the kind of call, its fix and its words (pure)."""

from __future__ import annotations

from runner.doctor.kinds import (
    HELD_LATE_SHARE,
    HELD_WAIT_MS,
    WAIT_BUSY_SHARE,
    WAIT_CPU_SHARE,
    Evidence,
    classify,
    explain,
    fix_for,
    suggestion,
)


def _ev(
    cpu: float | None = 0.98,
    core: float | None = 0.0,
    late_ms: float = 0.2,
    wait_ms: float | None = 0.2,
    duration_ms: float = 150.0,
    samples: int = 25,
) -> Evidence:
    """A watchdog stall whose window is 100 ms: `cpu` and `core` are shares of it."""
    return Evidence(
        duration_ms=duration_ms,
        samples=samples,
        late=late_ms > 10,
        late_ms=late_ms,
        wait_ms=wait_ms,
        cpu_ms=None if cpu is None else cpu * 100,
        core_wait_ms=None if core is None else core * 100,
        cpu_window_ms=None if cpu is None and core is None else 100.0,
    )


def test_each_kind_from_its_measured_evidence() -> None:
    """The numbers benchmarks/kinds_evidence.py measured, idle and loaded, give their kinds."""
    assert classify(_ev(cpu=1.0)) == "gil_released"  # pbkdf2, idle
    assert classify(_ev(cpu=0.16, core=0.82)) == "gil_released"  # pbkdf2, both cores busy
    assert classify(_ev(cpu=0.99, wait_ms=5.3)) == "gil_held"  # pure Python, idle
    assert classify(_ev(cpu=0.15, core=0.84, wait_ms=7.5)) == "gil_held"  # loaded
    held_c = _ev(cpu=None, core=None, late_ms=137.0, wait_ms=None, samples=1)
    assert classify(held_c) == "gil_held"  # json.dumps / regex: the watchdog was kept out
    assert classify(_ev(cpu=0.0, core=0.0)) == "wait"  # time.sleep
    assert classify(_ev(cpu=0.0, core=0.0, wait_ms=6.6, late_ms=8.4)) == "wait"  # loaded


def test_boundaries() -> None:
    """Each threshold: just below and at it."""
    below = WAIT_BUSY_SHARE - 0.01
    assert classify(_ev(cpu=below, core=0.0)) == "wait"
    assert classify(_ev(cpu=WAIT_BUSY_SHARE, core=0.0)) == "gil_released"
    assert classify(_ev(wait_ms=HELD_WAIT_MS - 0.01)) == "gil_released"
    assert classify(_ev(wait_ms=HELD_WAIT_MS)) == "gil_held"
    late = HELD_LATE_SHARE * 150.0
    assert classify(_ev(late_ms=late - 0.1)) == "gil_released"
    assert classify(_ev(late_ms=late)) == "gil_held"
    # without schedstat (core None), the CPU share alone decides a wait
    assert classify(_ev(cpu=WAIT_CPU_SHARE - 0.01, core=None)) == "wait"
    assert classify(_ev(cpu=WAIT_CPU_SHARE, core=None)) == "gil_released"


def test_no_evidence_is_no_kind() -> None:
    """A py-spy row, a stall too short for a window, or nothing at all: no kind."""
    assert classify(Evidence(duration_ms=300.0, samples=30, source="py-spy")) is None
    assert classify(_ev(cpu=None, core=None, wait_ms=None, late_ms=1.0)) is None
    assert classify([]) is None
    assert fix_for(None) is None and suggestion(None) == ""


def test_a_watchdog_locked_out_longer_than_it_watched_is_gil_held() -> None:
    """A short GIL-holding call: late (but under half the stall) and no window after, or none
    at all (samples 0); a late first capture followed by a long watch is not."""
    assert classify(Evidence(duration_ms=30.0, samples=0, late=True, late_ms=9.0)) == "gil_held"
    short = Evidence(duration_ms=45.0, samples=1, late=True, late_ms=20.0, source="watchdog")
    assert classify(short) == "gil_held"
    watched = _ev(cpu=0.2, core=0.78, late_ms=24.0, duration_ms=418.0)
    assert classify(watched) == "gil_released"


def test_a_routes_kind_is_the_majority_by_stalled_time() -> None:
    """Several short wrong-looking stalls do not outvote one long stall."""
    long_held = _ev(cpu=0.99, wait_ms=5.3, duration_ms=900.0)
    short_released = [_ev(duration_ms=100.0) for _ in range(5)]
    assert classify([long_held, *short_released]) == "gil_held"
    assert classify([_ev(duration_ms=100.0), _ev(cpu=0.0, core=0.0, duration_ms=101.0)]) == "wait"


def test_fixes_and_suggestions() -> None:
    """GIL-released and waits go to a thread, GIL-held to a process; waits in a known I/O
    library to its async counterpart."""
    assert fix_for("gil_released") == "threadpool" and fix_for("wait") == "threadpool"
    assert fix_for("gil_held") == "processpool"
    http = ("app.routes:fetch:10", "requests.api:get:73", "requests.sessions:Session.send:700")
    assert fix_for("wait", http) == "async"
    assert fix_for("gil_released", http) == "threadpool"
    call = "app.security:hash_password:12"
    assert suggestion("threadpool", call) == "await asyncio.to_thread(hash_password, *args)"
    assert "run_in_executor(process_pool, hash_password" in suggestion("processpool", call)
    assert "httpx.AsyncClient" in suggestion("async", http[-1], http)


def test_the_evidence_sentence_quotes_the_numbers() -> None:
    """The sentence gives the measured share and names the kind's cause."""
    text = explain("gil_released", [_ev(cpu=0.98)])
    assert "98 % CPU" in text and "releases the GIL" in text
    assert "5.3 ms" in explain("gil_held", [_ev(wait_ms=5.3)])
    held_c = _ev(cpu=None, core=None, late_ms=135.0, wait_ms=None, samples=1)
    assert "could not run for 90 %" in explain("gil_held", [held_c])
    assert "waited" in explain("wait", [_ev(cpu=0.0, core=0.0)])
