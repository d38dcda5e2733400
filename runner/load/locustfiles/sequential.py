"""Scenario `sequential`: one user; warm up until the measured window opens, then N
consecutive requests to each endpoint (health, then register), then stop the runner.

Env: SYNCBLOCK_SEQUENTIAL_REQUESTS (N, default 100), SYNCBLOCK_WARMUP (s, from the first
request: the runner anchors the measured window the same way).
"""

import os
import time

from locust import task

from app.contract import SEQUENTIAL_REQUESTS_ENV, WARMUP_ENV
from runner.load.locustfiles.common import SyncblockUser


class SequentialUser(SyncblockUser):
    fixed_count = 1

    @task
    def run_sequence(self) -> None:
        n = int(os.environ.get(SEQUENTIAL_REQUESTS_ENV, "100"))
        warm_until = time.time() + float(os.environ.get(WARMUP_ENV, "0"))
        while True:  # health until the warm-up is over (the first one opens the connection)
            self.health()
            if time.time() >= warm_until:
                break
        for _ in range(n):
            self.health()
        for _ in range(n):
            self.register()
        self.environment.runner.quit()
