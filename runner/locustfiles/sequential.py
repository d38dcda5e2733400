"""Scenario `sequential`: one user; warm up until the measured window opens, then N
consecutive requests to each endpoint (health, then register), then stop the runner.

Env: SYNCBLOCK_SEQUENTIAL_REQUESTS (N, default 100), SYNCBLOCK_MEASURE_START (epoch s).
"""

import os
import time

from locust import task

from runner.locustfiles.common import SyncblockUser


class SequentialUser(SyncblockUser):
    fixed_count = 1

    @task
    def run_sequence(self) -> None:
        n = int(os.environ.get("SYNCBLOCK_SEQUENTIAL_REQUESTS", "100"))
        measure_start = float(os.environ.get("SYNCBLOCK_MEASURE_START", "0"))
        while time.time() < measure_start:
            self.health()
        for _ in range(n):
            self.health()
        for _ in range(n):
            self.register()
        self.environment.runner.quit()
