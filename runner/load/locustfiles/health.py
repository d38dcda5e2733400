"""Scenario `health`: every user calls the health endpoint back to back."""

from locust import task

from runner.load.locustfiles.common import SyncblockUser


class HealthUser(SyncblockUser):
    @task
    def health_task(self) -> None:
        self.health()
