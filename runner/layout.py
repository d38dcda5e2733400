"""Cell file names: kept as a re-export of `app.contract`, where the shared names live."""

from app.contract import (  # noqa: F401
    APP_DB,
    CELL_JSON,
    CLIENT_DIR,
    CLIENT_LOG_ENV,
    LAG_GLOB,
    LOCUST_LOG,
    LOCUST_PREFIX,
    REQUESTS_GLOB,
    RESOURCES,
    SERVER_DIR,
    SERVER_LOG,
    STALLS_GLOB,
    WORK_GLOB,
    lag_file,
    locust_csv,
    requests_file,
    stalls_file,
    work_file,
)
