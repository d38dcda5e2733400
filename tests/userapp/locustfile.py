"""The user's own locustfile for tests/userapp/sleepy.py: mostly fast requests, some slow."""

from locust import HttpUser, constant, task


class SleepyUser(HttpUser):
    wait_time = constant(0)

    @task(3)
    def fast(self) -> None:
        self.client.get("/fast")

    @task(1)
    def slow(self) -> None:
        self.client.get("/slow")
