"""Endpoint paths and env names the locustfiles use: a re-export of `app.contract`."""

from app.contract import (  # noqa: F401
    HEALTH_PATH,
    PASSWORD_ENV,
    REGISTER_PATH,
    REQUEST_ID_HEADER,
    WAIT_FOR_TARGET_ENV,
)
