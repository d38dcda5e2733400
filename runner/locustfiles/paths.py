"""Endpoint paths of the app under test (no locust import: the runner reads these too)."""

REGISTER_PATH = "/api/users/register/"
HEALTH_PATH = "/api/health/"
REQUEST_ID_HEADER = "X-Request-ID"
# The password every simulated user registers with comes from here (tests set their own).
PASSWORD_ENV = "SYNCBLOCK_LOAD_PASSWORD"
# Seconds the load generator waits for the target's health before its users start.
WAIT_FOR_TARGET_ENV = "SYNCBLOCK_WAIT_FOR_TARGET"
