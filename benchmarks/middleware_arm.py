"""Item 3's middle arm: the app served uninstrumented (`SYNCBLOCK_INSTRUMENT=false`), wrapped
in the timing middleware whose recorder is never opened, so each request pays the middleware
layer (request id, clocks, wrapped `send`, the record's tuple) and its record is dropped: no
buffer, no writer thread, no lag probe, no watchdog. `uvicorn benchmarks.middleware_arm:app`.
"""

from __future__ import annotations

from app.instrumentation import Recorder, TimingMiddleware
from app.main import create_app
from app.settings import get_settings

app = TimingMiddleware(create_app(get_settings()), Recorder())
