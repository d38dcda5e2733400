"""Shared fixtures: a settings factory for in-process apps and a real-uvicorn launcher."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.settings import Hashing, Settings
from runner.serve.server import UvicornServer
from runner.store.session import SWEEP_ARGV_ENV


def app_env(root: Path, hashing: Hashing, rounds: int = 12) -> dict[str, str]:
    """The SYNCBLOCK_* environment of a server whose database and logs live under `root`."""
    return {
        "SYNCBLOCK_HASHING": hashing,
        "SYNCBLOCK_DB_URL": f"sqlite:///{root / 'app.db'}",
        "SYNCBLOCK_LOG_DIR": str(root / "server"),
        "SYNCBLOCK_BCRYPT_ROUNDS": str(rounds),
    }


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings with a fresh SQLite file and log dir in the test's temp dir (cost 4: fast)."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "db_url": f"sqlite:///{tmp_path / 'app.db'}",
            "log_dir": tmp_path / "server",
            "bcrypt_rounds": 4,
        }
        return Settings(**(values | overrides))

    return make


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., UvicornServer]]:
    """Start real uvicorn servers on 127.0.0.1 (files under tmp_path); all stopped at teardown."""
    with contextlib.ExitStack() as stack:

        def start(*, hashing: Hashing, workers: int = 1, rounds: int = 12) -> UvicornServer:
            env = app_env(tmp_path, hashing, rounds)
            server = UvicornServer(workers=workers, env=env, log_path=tmp_path / "server.log")
            return stack.enter_context(server)

        yield start


@pytest.fixture
def cell_spec() -> Callable[..., Any]:
    """A CellSpec composed from conf/ the way Hydra composes it, with overrides."""
    from hydra import compose, initialize_config_dir

    from runner.plan.config import validate

    conf = Path(__file__).resolve().parents[1] / "conf"

    def make(*overrides: str) -> Any:
        with initialize_config_dir(config_dir=str(conf), version_base="1.3"):
            return validate(compose(config_name="config", overrides=list(overrides)))

    return make


@pytest.fixture(autouse=True)
def no_sweep_argv_left(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that claims a store in-process sets the sweep's command line in this process's
    environment (pytest's own argv); unset after it, or every later `python -m runner` would
    inherit it and record pytest's command as its sweep's."""
    monkeypatch.delenv(SWEEP_ARGV_ENV, raising=False)
