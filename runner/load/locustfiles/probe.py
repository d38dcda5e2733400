"""The steady probe of the load scenarios: `GET load.probe_path` (our health route by default)
at `load.probe_hz` on a fixed schedule, inside the locust process, beside the users.

The k-th probe is due at t0 + k / hz. A scheduler greenlet sleeps until each due time and
spawns one greenlet per probe, so a probe is sent on time even while earlier ones still wait
for their response. Probes use their own HTTP client (a pool of up to POOL connections, never
the users'; the users' timeouts and no retries) and the cell's `load.connections` mode (with
`per_request` each probe opens a new connection, so probes reach the workers the way the
users' requests do instead of sitting on one kept-alive connection's worker); their client
rows carry `source = 'probe'` (users' rows: 'user'). Sending stops when locust starts stopping
(`test_stopping`, the end of the run time). The probes still in flight then finish like the
users' requests do when the load drains (locust's --stop-timeout, STOP_GRACE_S), so both sides
log them; a closed timed load does not drain (SYNCBLOCK_LOAD_DRAIN=0: its window counts what
was answered inside it), and they are dropped at once like the users' are.

Env: SYNCBLOCK_PROBE_HZ (probes per second; unset or 0 = no probe) and SYNCBLOCK_PROBE_PATH,
set by the runner for the load scenarios (mixed, register). One probe per load generator: in a
distributed run (`load.processes` > 1) only the master probes.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from typing import Any

import gevent
from gevent.pool import Group

from app.contract import DRAIN_ENV, HEALTH_PATH, PROBE_HZ_ENV, PROBE_PATH_ENV, REQUEST_ID_HEADER

SOURCE_PROBE = "probe"
POOL = 256  # connections the probe may hold open at once (never a reason to send late)
STOP_GRACE_S = 30.0  # as runner/load/loadgen.py's STOP_TIMEOUT_S for the users' last requests
TIMEOUT_S = 60.0  # FastHttpUser's network and connection timeouts


def due_at(t0: float, hz: float, k: int) -> float:
    """When the k-th probe (k = 0, 1, ...) is due (pure)."""
    return t0 + k / hz


def probe_hz(env: dict[str, str] | os._Environ[str]) -> float:
    """The configured rate; 0 when unset, empty or not positive."""
    try:
        hz = float(env.get(PROBE_HZ_ENV) or 0)
    except ValueError:
        return 0.0
    return hz if hz > 0 else 0.0


class Probe:
    """Calls `send` at `hz` on a fixed schedule, each call in its own greenlet."""

    def __init__(
        self, send: Callable[[], Any], hz: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.send = send
        self.hz = hz
        self.clock = clock
        self.sent = 0
        self.inflight = Group()
        self.scheduler: gevent.Greenlet | None = None

    def _run(self) -> None:
        t0 = self.clock()
        while True:
            delay = due_at(t0, self.hz, self.sent) - self.clock()
            if delay > 0:
                gevent.sleep(delay)
            self.inflight.spawn(self.send)
            self.sent += 1

    def start(self) -> Probe:
        if self.scheduler is None:
            self.scheduler = gevent.spawn(self._run)
        return self

    def halt(self) -> None:
        """Send no more probes (those in flight go on)."""
        if self.scheduler is not None:
            self.scheduler.kill(block=True)
            self.scheduler = None

    def stop(self, grace: float = STOP_GRACE_S) -> None:
        """Halt, then give the probes in flight `grace` s to finish."""
        self.halt()
        self.inflight.join(timeout=grace)
        self.inflight.kill(block=False)


def health_sender(host: str, request_event: Any) -> Callable[[], None]:
    """One probe request: a fresh X-Request-ID, its own connection pool, source 'probe'."""
    from locust.contrib.fasthttp import FastHttpSession

    session = FastHttpSession(
        base_url=host,
        request_event=request_event,
        user=None,
        concurrency=POOL,
        network_timeout=TIMEOUT_S,
        connection_timeout=TIMEOUT_S,
        max_retries=0,  # a retried probe would be a second, late send
    )

    from runner.load.locustfiles.common import CONNECTION_HEADERS  # the cell's load.connections

    path = os.environ.get(PROBE_PATH_ENV) or HEALTH_PATH

    def send() -> None:
        rid = uuid.uuid4().hex
        session.request(
            "GET",
            path,
            headers={REQUEST_ID_HEADER: rid, **CONNECTION_HEADERS},
            context={"request_id": rid, "source": SOURCE_PROBE},
        )

    return send


def install(environment: Any) -> None:
    """Hook (from common.py's init listener): probe from test_start to test_stop."""
    from locust.runners import WorkerRunner

    hz = probe_hz(os.environ)
    if not hz or isinstance(environment.runner, WorkerRunner) or not environment.host:
        return
    state: dict[str, Probe] = {}

    def on_start(**_: Any) -> None:
        if "probe" not in state:
            send = health_sender(environment.host, environment.events.request)
            state["probe"] = Probe(send, hz).start()

    def on_stopping(**_: Any) -> None:
        if "probe" in state:
            state["probe"].halt()

    def on_stop(**_: Any) -> None:
        probe = state.pop("probe", None)
        if probe is not None:
            probe.stop(STOP_GRACE_S if os.environ.get(DRAIN_ENV, "1") != "0" else 0.0)

    environment.events.test_start.add_listener(on_start)
    environment.events.test_stopping.add_listener(on_stopping)  # run time over: no new probe
    environment.events.test_stop.add_listener(on_stop)  # users drained: wait for the probes
