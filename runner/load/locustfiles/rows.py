"""One client row from the arguments of locust's request event (no locust import: pure)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from app.contract import REQUEST_ID_HEADER


def client_row(
    *,
    request_type: str,
    url: str | None,
    name: str,
    response: Any,
    exception: Any,
    start_time: float | None,
    response_time: float | None,
    context: dict[str, Any] | None,
    pid: int,
) -> dict[str, Any]:
    """One client row from the arguments of locust's request event (pure)."""
    headers = getattr(response, "headers", None) or {}
    sent = (context or {}).get("request_id")
    status = int(getattr(response, "status_code", 0) or 0)
    return {
        "request_id": headers.get(REQUEST_ID_HEADER) or sent,
        "method": request_type,
        "path": urlsplit(url).path if url else name,
        "status": status,
        "t_start": start_time,
        # open loop: when the schedule meant it to leave; closed loop: None (no schedule)
        "t_intended": (context or {}).get("t_intended"),
        "duration_ms": response_time,
        "pid": pid,
        "ok": exception is None,
        "error": None if exception is None else str(exception)[:500],
        "source": (context or {}).get("source") or "user",  # 'probe': the health probe's
    }
