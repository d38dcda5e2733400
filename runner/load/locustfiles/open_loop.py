"""Open-loop load (`load.arrival=open`): requests leave at their scheduled times, whatever the
answers do. One `OpenLoopUser` per locust process keeps a schedule (runner/load/arrivals.py) and
spawns one greenlet per arrival on its FastHttpSession; a gevent pool of
`max_in_flight` greenlets bounds concurrency, and an arrival that finds it full is dropped
(k6's `dropped_iterations`): its intended time goes to `dropped-<pid>.jsonl` in the client log
dir, and the runner counts those inside the measured window into `cells.dropped`.

Each request's context carries `t_intended` (epoch s), so its client row does too.
Env (set by the runner, names in app/contract.py): SYNCBLOCK_RATE (offered requests/s, all
processes together), SYNCBLOCK_ARRIVAL_PROCESS, SYNCBLOCK_ARRIVAL_MIX ('register:5,health:1'),
SYNCBLOCK_MAX_IN_FLIGHT, SYNCBLOCK_LOAD_PROCESSES: with `load.processes` N, each process keeps
its own schedule at rate/N with a cap of max_in_flight/N (at least 1); SYNCBLOCK_ARRIVAL_SPANS
('warmup,duration' in s): Poisson arrivals come in exactly rate x span per span.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path
from typing import Any

import gevent
from gevent.pool import Pool
from locust import constant, events, task
from locust.env import Environment
from locust.user.task import LOCUST_STATE_STOPPING

from app.contract import (
    ARRIVAL_MIX_ENV,
    ARRIVAL_PROCESS_ENV,
    ARRIVAL_SPANS_ENV,
    CLIENT_LOG_ENV,
    HEALTH_PATH,
    LOAD_PROCESSES_ENV,
    MAX_IN_FLIGHT_ENV,
    RATE_ENV,
    REGISTER_PATH,
    dropped_file,
)
from runner.load.arrivals import Arrival, parse_mix, parse_spans, schedule, split_rate
from runner.load.locustfiles.common import SyncblockUser

TICK_S = 0.05  # longest sleep between looks at the stop flag
# After the last arrival, requests in flight get this long to finish (below the runner's locust
# --stop-timeout of 30 s, after which locust would kill them unlogged); those still in flight
# then are logged as failed 'unfinished' rows (censored: their latency is at least this).
DRAIN_S = 25.0
ENDPOINTS = {"register": ("POST", REGISTER_PATH), "health": ("GET", HEALTH_PATH)}


class Unfinished(Exception):
    """A request still in flight when the load stopped and its drain time ran out."""


class DroppedLog:
    """Intended times of the arrivals that found the cap full; appended to a file at the end."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, arrival: Arrival) -> None:
        self.rows.append({"t_intended": arrival.t, "kind": arrival.kind, "pid": os.getpid()})

    def flush(self, **_: Any) -> None:
        log_dir = os.environ.get(CLIENT_LOG_ENV)
        if not log_dir or not self.rows:
            return
        rows, self.rows = self.rows, []
        Path(log_dir).mkdir(parents=True, exist_ok=True)
        with open(dropped_file(Path(log_dir), os.getpid()), "a", encoding="utf-8") as f:
            f.write("".join(json.dumps(r) + "\n" for r in rows))


DROPPED = DroppedLog()


@events.init.add_listener
def _register(environment: Environment, **_: Any) -> None:
    environment.events.test_stop.add_listener(DROPPED.flush)
    environment.events.quitting.add_listener(DROPPED.flush)


def _processes() -> int:
    return max(1, int(os.environ.get(LOAD_PROCESSES_ENV, "1")))


def _cap() -> int:
    """This process's share of load.max_in_flight."""
    return max(1, int(os.environ.get(MAX_IN_FLIGHT_ENV, "1000")) // _processes())


class OpenLoopUser(SyncblockUser):
    """Not a user: a scheduler. Its one task runs until locust stops it, then waits up to
    DRAIN_S for the requests in flight, so both sides log them."""

    concurrency = _cap()  # the session's connection pool never makes an arrival wait
    wait_time = constant(0)

    def stopping(self) -> bool:
        return self._state == LOCUST_STATE_STOPPING

    def sleep_until(self, t: float) -> bool:
        """Sleep until epoch time t; False if locust asked this user to stop meanwhile."""
        while not self.stopping():
            left = t - time.time()
            if left <= 0:
                return True
            gevent.sleep(min(left, TICK_S))
        return False

    def fire(self, arrival: Arrival, inflight: dict[int, tuple[Arrival, float]]) -> None:
        key = id(arrival)
        inflight[key] = (arrival, time.time())
        try:
            if arrival.kind == "register":
                self.register(t_intended=arrival.t)
            else:
                self.health(t_intended=arrival.t)
        finally:
            inflight.pop(key, None)

    def log_unfinished(self, inflight: dict[int, tuple[Arrival, float]]) -> None:
        """One failed request event per request still in flight (status 0, censored time)."""
        now = time.time()
        for arrival, sent in list(inflight.values()):
            method, path = ENDPOINTS[arrival.kind]
            self.environment.events.request.fire(
                request_type=method,
                name=path,
                url=path,
                response_time=(now - sent) * 1000,
                response_length=0,
                response=None,
                exception=Unfinished(f"unfinished: in flight {DRAIN_S:g} s after the load stopped"),
                context={"t_intended": arrival.t, "request_id": None},
                start_time=sent,
            )

    @task
    def keep_schedule(self) -> None:
        rate = split_rate(float(os.environ[RATE_ENV]), _processes())
        process = os.environ.get(ARRIVAL_PROCESS_ENV, "poisson")
        mix = parse_mix(os.environ.get(ARRIVAL_MIX_ENV, "register:5,health:1"))
        pool = Pool(_cap())
        inflight: dict[int, tuple[Arrival, float]] = {}
        spans = parse_spans(os.environ.get(ARRIVAL_SPANS_ENV, ""))
        arrivals = schedule(rate, process, mix, random.Random(), first=time.time(), spans=spans)
        for arrival in arrivals:
            if not self.sleep_until(arrival.t):
                break
            if pool.full():
                DROPPED.add(arrival)
            else:
                pool.spawn(self.fire, arrival, inflight)
        if not pool.join(timeout=DRAIN_S):
            self.log_unfinished(inflight)
            pool.kill()
