"""Endpoint paths of the app under test (no locust import: the runner reads these too)."""

from pathlib import Path

REGISTER_PATH = "/api/users/register/"
HEALTH_PATH = "/api/health/"
REQUEST_ID_HEADER = "X-Request-ID"
# The password every simulated user registers with comes from here (tests set their own).
PASSWORD_ENV = "SYNCBLOCK_LOAD_PASSWORD"
# Seconds the load generator waits for the target's health before its users start.
WAIT_FOR_TARGET_ENV = "SYNCBLOCK_WAIT_FOR_TARGET"

# Open-loop load (runner/locustfiles/open_loop.py): this process's share of the offered rate
# (requests/s), the arrival process, the endpoint mix and this process's in-flight cap.
OPEN_RATE_ENV = "SYNCBLOCK_OPEN_RATE"
OPEN_PROCESS_ENV = "SYNCBLOCK_OPEN_PROCESS"
OPEN_MIX_ENV = "SYNCBLOCK_OPEN_MIX"
OPEN_MAX_IN_FLIGHT_ENV = "SYNCBLOCK_OPEN_MAX_IN_FLIGHT"
DROPPED_GLOB = "dropped-*.jsonl"


def dropped_file(log_dir: Path, pid: int) -> Path:
    """Arrivals a load process dropped (cap full): one JSON line each, t_intended first."""
    return log_dir / f"dropped-{pid}.jsonl"
