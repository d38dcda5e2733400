"""Config composed the way Hydra composes it (no CLI): defaults, validation, the cell key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from runner.plan.config import ConfigError, cell_key, validate

CONF = Path(__file__).resolve().parents[2] / "conf"


@pytest.fixture
def make_cfg() -> Callable[..., DictConfig]:
    def make(*overrides: str) -> DictConfig:
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            return compose(config_name="config", overrides=list(overrides))

    return make


def test_defaults_match_design(make_cfg: Callable[..., DictConfig]) -> None:
    """The default cell is 1 worker, 5 users, mixed, blocking, 20 s + 3 s warm-up, cost 12."""
    c = validate(make_cfg())
    assert (c.workers, c.users, c.duration, c.warmup) == (1, 5, 20, 3)
    assert (c.scenario, c.hashing, c.db, c.work) == ("mixed", "blocking", "sqlite", "bcrypt")
    assert c.bcrypt_rounds == 12 and c.resume is True and c.load_processes == 1
    assert str(c.store) == "outputs/results.duckdb" and c.target_url is None


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("workers=0", "workers"),
        ("users=-3", "users"),
        ("duration=-1", "duration"),
        ("warmup=-2", "warmup"),
        ("load.processes=0", "load.processes"),
        ("bcrypt_rounds=3", "bcrypt_rounds"),
        ("target_url=http://example.com:80", "target_url"),
    ],
)
def test_range_errors_are_one_line_naming_the_key(
    make_cfg: Callable[..., DictConfig], override: str, key: str
) -> None:
    """A value out of range raises ConfigError: one line that starts with the key."""
    with pytest.raises(ConfigError) as err:
        validate(make_cfg(override))
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"invalid config: {key}=")


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("duration=abc", "duration"),
        ("hashing=nope", "hashing"),
        ("workers=1.5", "workers"),
        ("wrkers=2", "wrkers"),
    ],
)
def test_type_and_group_errors_stop_at_compose(
    make_cfg: Callable[..., DictConfig], override: str, key: str
) -> None:
    """A wrong type, unknown option or typo fails composing; the first line names the key."""
    with pytest.raises(Exception) as err:
        make_cfg(override)
    assert key in str(err.value).strip().splitlines()[0]


def test_remote_target_needs_allow_remote(make_cfg: Callable[..., DictConfig]) -> None:
    """A non-loopback target_url is accepted only with allow_remote=true."""
    assert validate(make_cfg("target_url=http://127.0.0.1:8000")).target_url == (
        "http://127.0.0.1:8000"
    )
    with pytest.raises(ConfigError, match="allow_remote"):
        validate(make_cfg("target_url=http://example.com:80"))
    remote = validate(make_cfg("target_url=http://example.com:80", "allow_remote=true"))
    assert remote.target_url == "http://example.com:80"


def test_cell_key_depends_on_measurement_only(make_cfg: Callable[..., DictConfig]) -> None:
    """Equal settings give equal keys; repeat, users or hashing change it; store does not."""
    base = cell_key(make_cfg())
    assert base == cell_key(make_cfg("store=/elsewhere.duckdb", "resume=false"))
    others = {cell_key(make_cfg(o)) for o in ("repeat=2", "users=6", "hashing=threadpool")}
    assert base not in others and len(others) == 3


def test_sequential_is_one_user_one_process(make_cfg: Callable[..., DictConfig]) -> None:
    """Scenario sequential runs 1 user whatever `users` says, and refuses load.processes>1."""
    c = validate(make_cfg("scenario=sequential", "users=9"))
    assert c.effective_users == 1 and c.requests == 100
    assert cell_key(c) == cell_key(make_cfg("scenario=sequential", "users=3"))
    with pytest.raises(ConfigError, match="load.processes"):
        validate(make_cfg("scenario=sequential", "load.processes=2"))
