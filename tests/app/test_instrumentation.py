"""app.instrumentation: request ids and the loop-lag probe."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from app.contract import LAG_FIELDS, SERVER_REQUEST_FIELDS
from app.instrumentation import (
    Recorder,
    _request_id,
    lag_line,
    lag_probe,
    request_line,
    request_record,
)


def _scope(headers: list[tuple[bytes, bytes]]) -> dict[str, object]:
    return {"type": "http", "headers": headers}


def test_request_id_is_taken_from_the_header_when_sane() -> None:
    """A token-like X-Request-ID is kept; a missing or odd one is replaced by a UUID."""
    assert _request_id(_scope([(b"x-request-id", b"abc-123")])) == b"abc-123"
    made = _request_id(_scope([]))
    assert len(made) == 32 and made != _request_id(_scope([]))
    assert _request_id(_scope([(b"x-request-id", b'a b"<>')])) != b'a b"<>'


def test_lag_probe_sees_a_blocked_loop(tmp_path: Path) -> None:
    """Blocking the loop for 200 ms shows up as a lag sample of roughly that size."""
    recorder = Recorder()
    recorder.open(tmp_path, capacity=1000)

    async def scenario() -> None:
        probe = asyncio.create_task(lag_probe(recorder, 0.01))
        await asyncio.sleep(0.05)
        time.sleep(0.2)  # the loop is blocked here
        await asyncio.sleep(0.05)
        probe.cancel()

    asyncio.run(scenario())
    recorder.close()
    lags = [json.loads(line)["lag_ms"] for line in next(tmp_path.glob("lag-*")).open()]
    assert len(lags) >= 5
    assert 150 <= max(lags) < 2000


REQUEST_KEYS = tuple(SERVER_REQUEST_FIELDS)[:8]


@pytest.mark.parametrize(
    "path",
    ["/api/health/", '/a"b\\c', "/caf\u00e9/\U0001f600", "/tab\there\nnl", "/\x7f\x00"],
)
def test_request_line_is_what_json_dumps_writes(path: str) -> None:
    """The hand-made line is byte for byte json.dumps of the same dict (compact separators)."""
    for db_ms in (None, 0.1 + 0.7, 12.0):
        record = request_record("abc-123", "POST", path, 201, 1_800_000_000.1234, 0.3, 4242, db_ms)
        fields = dict(zip(REQUEST_KEYS, record, strict=True))
        if db_ms is None:  # a request without a database call has no db_ms field
            del fields["db_ms"]
        expected = json.dumps(fields, separators=(",", ":"))
        assert request_line(record) == expected + "\n"
        assert json.loads(request_line(record))["path"] == path


def test_lag_line_is_what_json_dumps_writes() -> None:
    """Lag lines too: same bytes as json.dumps of {pid, t, lag_ms}."""
    values = dict(zip(LAG_FIELDS, (7, 1.5e9, 1e-7), strict=True))
    expected = json.dumps(values, separators=(",", ":"))
    assert lag_line((7, 1.5e9, 1e-7)) == expected + "\n"


def test_a_request_cancelled_before_its_answer_leaves_no_row(tmp_path: Path) -> None:
    """A stopping server cancels what it has not answered: no response, so no row (not a 500);
    a request answered and then cancelled in its teardown keeps its row and status."""
    from app.instrumentation import TimingMiddleware

    recorder = Recorder()
    recorder.open(tmp_path, capacity=1000)

    async def stuck(scope: object, receive: object, send: object) -> None:
        await asyncio.sleep(60)

    async def answered_then_stuck(scope: object, receive: object, send: Any) -> None:
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        await asyncio.sleep(60)

    async def ignore(message: object) -> None:
        return None

    async def run(app: Any, rid: bytes) -> None:
        scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"x-request-id", rid)]}
        task = asyncio.create_task(TimingMiddleware(app, recorder)(scope, None, ignore))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run(stuck, b"never-answered"))
    asyncio.run(run(answered_then_stuck, b"answered"))
    recorder.close()
    rows = [json.loads(line) for line in next(tmp_path.glob("requests-*")).open()]
    assert [(r["request_id"], r["status"]) for r in rows] == [("answered", 201)]
