"""Names of the files one cell writes: the contract between the runner, the app and ingest.

A cell directory (Hydra's job dir, or a temp dir in tests) holds:

    cell.json                 what the runner knows about the cell (config, timings, status)
    server/                   SYNCBLOCK_LOG_DIR of the app under test
        requests-<pid>.jsonl  one line per request: request_id, method, path, status,
                              t_start (epoch s), duration_ms, pid
        lag-<pid>.jsonl       one line per probe wake-up: pid, t (epoch s), lag_ms
    client/                   SYNCBLOCK_CLIENT_LOG_DIR of the locustfile
        requests-<pid>.jsonl  one line per client request: request_id, method, path, status,
                              t_start (epoch s), duration_ms, pid, ok (bool), error
    locust_stats.csv, locust_stats_history.csv, locust_failures.csv, locust_exceptions.csv
                              locust's own CSVs (`--csv <dir>/locust --csv-full-history`)
    resources.jsonl           psutil samples: t, role, pid, cpu_percent, rss_bytes
    app.db                    the app's SQLite database (fresh per cell)
    server.log, locust.log    the processes' stdout+stderr
"""

from __future__ import annotations

from pathlib import Path

CELL_JSON = "cell.json"
SERVER_DIR = "server"
CLIENT_DIR = "client"
REQUESTS_GLOB = "requests-*.jsonl"
LAG_GLOB = "lag-*.jsonl"
LOCUST_PREFIX = "locust"
RESOURCES = "resources.jsonl"
APP_DB = "app.db"
SERVER_LOG = "server.log"
LOCUST_LOG = "locust.log"

# Environment variable the locustfiles read to know where to write client rows.
CLIENT_LOG_ENV = "SYNCBLOCK_CLIENT_LOG_DIR"


def requests_file(log_dir: Path, pid: int) -> Path:
    return log_dir / f"requests-{pid}.jsonl"


def lag_file(log_dir: Path, pid: int) -> Path:
    return log_dir / f"lag-{pid}.jsonl"


def locust_csv(cell_dir: Path, kind: str) -> Path:
    """kind: 'stats', 'stats_history', 'failures' or 'exceptions'."""
    return cell_dir / f"{LOCUST_PREFIX}_{kind}.csv"
