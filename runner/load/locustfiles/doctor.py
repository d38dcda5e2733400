"""The doctor's load: the routes of a call plan (`python -m runner.doctor.discover`), either
in an even mix under load or each alone, one request at a time.

- mix (default): every user sends the plan's routes in turn, from one rotation per locust
  process, so each route gets an equal share of the requests;
- sequential: one user warms up (SYNCBLOCK_WARMUP s from its first request, on the plan's
  probe path, else its first route), then sends N consecutive requests to each route in plan
  order (N: SYNCBLOCK_SEQUENTIAL_REQUESTS, default 100), then stops the runner.

Each request is named by its route's template ('GET /items/{item_id}'), so locust's stats group
by route, while the client rows (common.py's logger) keep the concrete path; each carries a
fresh X-Request-ID and the plan's headers.

Env: SYNCBLOCK_DOCTOR_PLAN (the plan JSON, required), SYNCBLOCK_DOCTOR_MODE (mix|sequential).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from locust import task

from app.contract import (
    DOCTOR_MODE_ENV,
    DOCTOR_MODES,
    DOCTOR_PLAN_ENV,
    REQUEST_ID_HEADER,
    SEQUENTIAL_REQUESTS_ENV,
    WARMUP_ENV,
)
from runner.doctor.plan import Call, Plan, PlannedRoute, from_json
from runner.doctor.rotation import Rotation, sequence, warmup_route
from runner.load.locustfiles.common import CONNECTION_HEADERS, SyncblockUser, new_request_id


def read_plan() -> Plan:
    """The call plan SYNCBLOCK_DOCTOR_PLAN names (a clear error if it names none)."""
    path = os.environ.get(DOCTOR_PLAN_ENV)
    if not path:
        raise RuntimeError(f"{DOCTOR_PLAN_ENV} is not set: the doctor's load needs a call plan")
    return from_json(Path(path).read_text(encoding="utf-8"))


MODE = os.environ.get(DOCTOR_MODE_ENV) or "mix"
if MODE not in DOCTOR_MODES:
    raise RuntimeError(f"{DOCTOR_MODE_ENV}={MODE!r}: must be one of {', '.join(DOCTOR_MODES)}")
PLAN = read_plan()
ROTATION = Rotation(PLAN.routes)  # one per locust process: its users share the turns


class DoctorUser(SyncblockUser):
    """Sends plan calls: the route's template as the request's name, the plan's headers."""

    abstract = True

    def send_call(self, route: PlannedRoute, call: Call) -> None:
        rid = new_request_id()
        headers = {**call.headers, REQUEST_ID_HEADER: rid, **CONNECTION_HEADERS}
        kwargs: dict[str, Any] = {} if call.json is None else {"json": call.json}
        context = {"request_id": rid, "t_intended": None}
        self.client.request(
            route.method, call.url, name=route.name, headers=headers, context=context, **kwargs
        )


class DoctorMixUser(DoctorUser):
    abstract = MODE != "mix"

    @task
    def next_route(self) -> None:
        self.send_call(*ROTATION.next())


class DoctorSequentialUser(DoctorUser):
    abstract = MODE != "sequential"
    fixed_count = 1

    @task
    def run_sequence(self) -> None:
        n = int(os.environ.get(SEQUENTIAL_REQUESTS_ENV, "100"))
        warm = warmup_route(PLAN)
        warm_until = time.time() + float(os.environ.get(WARMUP_ENV, "0"))
        while True:  # the first request opens the connection
            self.send_call(warm, warm.calls[0])
            if time.time() >= warm_until:
                break
        for route, call in sequence(PLAN, n):
            self.send_call(route, call)
        self.environment.runner.quit()
