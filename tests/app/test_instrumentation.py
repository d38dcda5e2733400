"""app.instrumentation: request ids and the loop-lag probe."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from app.instrumentation import Recorder, lag_probe, request_id_from


def _scope(headers: list[tuple[bytes, bytes]]) -> dict[str, object]:
    return {"type": "http", "headers": headers}


def test_request_id_is_taken_from_the_header_when_sane() -> None:
    """A token-like X-Request-ID is kept; a missing or odd one is replaced by a UUID."""
    assert request_id_from(_scope([(b"x-request-id", b"abc-123")])) == "abc-123"
    made = request_id_from(_scope([]))
    assert len(made) == 32 and made != request_id_from(_scope([]))
    assert request_id_from(_scope([(b"x-request-id", b'a b"<>')])) != 'a b"<>'


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
