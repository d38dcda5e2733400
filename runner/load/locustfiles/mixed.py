"""Scenario `mixed`: register and health at 5:1, the original study's ratio."""

from locust import task

from runner.load.locustfiles.common import SyncblockUser


class MixedUser(SyncblockUser):
    @task(5)
    def register_task(self) -> None:
        self.register()

    @task(1)
    def health_task(self) -> None:
        self.health()
