"""The health probe's schedule: sends stay on time while responses are slow (a real gevent
probe in a child process against a real, slow HTTP server on 127.0.0.1)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from runner.load.locustfiles.probe import due_at, probe_hz
from tests.runner.helpers import REPO

SLOW_S = 0.6  # every response takes this long: ~12 probes wait at once at 20 Hz


class SlowHealth(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.server.arrivals.append((time.time(), self.headers.get("X-Request-ID")))  # type: ignore[attr-defined]
        time.sleep(SLOW_S)
        body = b'{"status":"OK"}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


CHILD = """
import json, sys, time
from gevent import monkey; monkey.patch_all()
import gevent
from locust.event import Events
from runner.load.locustfiles.probe import Probe, health_sender
events = Events()
rows = []
events.request.add_listener(lambda **kw: rows.append(
    {"t_start": kw["start_time"], "ms": kw["response_time"], "source": kw["context"]["source"],
     "ok": kw["exception"] is None}))
hz, run_s = float(sys.argv[2]), float(sys.argv[3])
probe = Probe(health_sender(sys.argv[1], events.request), hz).start()
gevent.sleep(run_s)
probe.stop(grace=5)
print(json.dumps({"sent": probe.sent, "rows": rows}))
"""


def test_due_times_and_rate_parsing() -> None:
    assert [due_at(100.0, 5, k) for k in range(3)] == [100.0, 100.2, 100.4]
    assert probe_hz({"SYNCBLOCK_PROBE_HZ": "5"}) == 5.0
    assert (
        probe_hz({"SYNCBLOCK_PROBE_HZ": "0"})
        == probe_hz({})
        == probe_hz({"SYNCBLOCK_PROBE_HZ": "x"})
        == 0.0
    )


@pytest.mark.e2e
def test_sends_stay_on_time_while_responses_are_slow(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowHealth)
    server.arrivals = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hz, run_s = 20.0, 1.5
    try:
        host = f"http://127.0.0.1:{server.server_address[1]}"
        done = subprocess.run(
            [sys.executable, "-c", CHILD, host, str(hz), str(run_s)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    rows = sorted(out["rows"], key=lambda r: r["t_start"])
    # every probe sent was answered (slowly) and logged as the probe's
    assert out["sent"] == len(rows) >= hz * run_s - 2
    assert all(r["ok"] and r["source"] == "probe" for r in rows)
    assert min(r["ms"] for r in rows) >= SLOW_S * 1000 * 0.9
    # on time: the k-th send within 100 ms of t0 + k/hz, although each response took 600 ms
    # (a probe that waited for the previous answer would have sent 3, not 30)
    t0 = rows[0]["t_start"]
    late = [r["t_start"] - due_at(t0, hz, k) for k, r in enumerate(rows)]
    assert max(abs(x) for x in late) < 0.1, late
    # and they reached the server concurrently, each on time too
    arrivals = sorted(t for t, _ in server.arrivals)  # type: ignore[attr-defined]
    assert len(arrivals) == len(rows)
    assert arrivals[-1] - arrivals[0] < (len(rows) - 1) / hz + 0.2
