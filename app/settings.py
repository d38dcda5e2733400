"""Settings of the app under test, read from `SYNCBLOCK_*` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

Hashing = Literal["blocking", "sync_def", "threadpool", "processpool"]
HASHING_STRATEGIES: tuple[Hashing, ...] = ("blocking", "sync_def", "threadpool", "processpool")


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
    process_pool_size: int | None = Field(default=None, ge=1)  # None: os.cpu_count()
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)
    stall_ms: float = Field(default=20.0, gt=0)  # the loop stood still longer: a stall
    stall_sample_ms: float = Field(default=5.0, gt=0)  # the watchdog's sampling period


def get_settings() -> Settings:
    """Build the settings from the environment (never at import time)."""
    return Settings()
