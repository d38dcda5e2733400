"""Scenario `register`: every user registers new accounts back to back."""

from locust import task

from runner.load.locustfiles.common import SyncblockUser


class RegisterUser(SyncblockUser):
    @task
    def register_task(self) -> None:
        self.register()
