"""Settings of the app under test, read from `SYNCBLOCK_*` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.contract import HASHINGS, Hashing, Work

HASHING_STRATEGIES: tuple[Hashing, ...] = HASHINGS


class Settings(BaseSettings):
    """Everything the app reads at start-up; immutable once built."""

    model_config = SettingsConfigDict(env_prefix="SYNCBLOCK_", frozen=True, extra="ignore")

    hashing: Hashing = "blocking"
    db_url: str = "sqlite:///./outputs/app.db"
    bcrypt_rounds: int = Field(default=12, ge=4, le=31)
    instrument: bool = True
    log_dir: Path = Path("outputs/app-logs")
    lag_interval_ms: float = Field(default=10.0, gt=0)
    log_buffer_lines: int = Field(default=5000, ge=1)
    max_body_bytes: int = Field(default=64 * 1024, ge=1)
    pool_size: int | None = Field(default=None, ge=1)  # process pool; None: os.cpu_count()
    thread_limit: int = Field(default=40, ge=1)  # anyio's default limiter: threads per worker
    work: Work = "bcrypt"  # the synchronous call under study
    work_ms: float | None = Field(default=None, gt=0)  # target time of one call (None: bcrypt's)
    work_cost: int | None = Field(default=None, ge=1)  # calibrated cost given (None: calibrate)
    db_pool_size: int | None = Field(default=None, ge=1)  # SQLAlchemy pool per worker
    stall_ms: float = Field(default=20.0, gt=0)  # the watchdog names stalls longer than this
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)
    stall_sample_ms: float = Field(default=5.0, gt=0)  # the watchdog's sampling period
    watchdog: bool = True  # the stall watchdog runs with the instrumentation (false: off)


def get_settings() -> Settings:
    """Build the settings from the environment (never at import time)."""
    return Settings()
