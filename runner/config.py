"""The runner's configuration: structured-config schema, pure validation, and the cell key.

The dataclasses are registered with Hydra's ConfigStore as `syncblock_schema`, the first entry
of conf/config.yaml's defaults list, so a wrong type (`duration=abc`) or an unknown key stops at
compose time. Range checks live in `validate`, a pure function giving one line naming the key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

SCENARIOS = ("register", "health", "mixed", "sequential")
HASHINGS = ("blocking", "sync_def", "threadpool", "processpool")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class ConfigError(ValueError):
    """An invalid configuration value; the message is one line naming the key."""


@dataclass
class ScenarioConf:
    name: str = MISSING
    locustfile: str = MISSING
    requests: int | None = None  # sequential: consecutive requests per endpoint


@dataclass
class HashingConf:
    name: str = MISSING


@dataclass
class DbConf:
    name: str = MISSING
    url: str = MISSING  # may contain "{cell_dir}", filled in by the runner


@dataclass
class LoadConf:
    processes: int = 1
    deadline_margin: float = 90  # s locust may run past its run time before it is killed


@dataclass
class SyncblockConf:
    scenario: ScenarioConf = MISSING
    hashing: HashingConf = MISSING
    db: DbConf = MISSING
    workers: int = 1
    users: int = 5
    spawn_rate: float | None = None
    duration: float = 20
    warmup: float = 3
    repeat: int = 1
    bcrypt_rounds: int = 12
    store: str = "outputs/results.duckdb"
    port: int | None = None  # the server's port on 127.0.0.1 (None: a free one)
    target_url: str | None = None
    allow_remote: bool = False
    resume: bool = True
    load: LoadConf = field(default_factory=LoadConf)


def register_configs() -> None:
    """Make the schema known to Hydra (idempotent)."""
    ConfigStore.instance().store(name="syncblock_schema", node=SyncblockConf)


register_configs()


def _problems(c: dict[str, Any]) -> list[str]:
    """Every range problem of a resolved config, as 'key: message' lines (pure)."""
    out: list[str] = []

    def need(ok: bool, key: str, msg: str) -> None:
        if not ok:
            out.append(f"{key}={c_get(key)!r}: {msg}")

    def c_get(key: str) -> Any:
        node: Any = c
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node

    need(c["workers"] >= 1, "workers", "must be an integer >= 1")
    need(c["users"] >= 1, "users", "must be an integer >= 1")
    need(c["spawn_rate"] is None or c["spawn_rate"] > 0, "spawn_rate", "must be > 0 or null")
    need(c["duration"] > 0, "duration", "must be a number of seconds > 0")
    need(c["warmup"] >= 0, "warmup", "must be a number of seconds >= 0")
    need(c["repeat"] >= 1, "repeat", "must be an integer >= 1")
    need(4 <= c["bcrypt_rounds"] <= 31, "bcrypt_rounds", "must be between 4 and 31")
    need(c["load"]["processes"] >= 1, "load.processes", "must be an integer >= 1")
    need(c["load"]["deadline_margin"] > 0, "load.deadline_margin", "must be seconds > 0")
    need(c["port"] is None or 1 <= c["port"] <= 65535, "port", "must be 1..65535 or null")
    need(c["scenario"]["name"] in SCENARIOS, "scenario.name", f"must be one of {SCENARIOS}")
    need(c["hashing"]["name"] in HASHINGS, "hashing.name", f"must be one of {HASHINGS}")
    if c["scenario"]["name"] == "sequential":
        need(c["load"]["processes"] == 1, "load.processes", "must be 1 for scenario sequential")
    seq = c["scenario"].get("requests")
    need(seq is None or seq >= 1, "scenario.requests", "must be an integer >= 1 or null")
    url = c["target_url"]
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            out.append(f"target_url={url!r}: must be http(s)://host:port")
        elif parts.hostname not in LOOPBACK_HOSTS and not c["allow_remote"]:
            out.append(
                f"target_url={url!r}: host {parts.hostname} is not loopback; "
                "pass allow_remote=true to load a remote server"
            )
    return out


def as_dict(cfg: DictConfig | dict[str, Any]) -> dict[str, Any]:
    """The resolved config as plain containers, without Hydra's own `hydra` node."""
    if isinstance(cfg, DictConfig):
        mine = OmegaConf.masked_copy(cfg, [str(k) for k in cfg if k != "hydra"])
        data = OmegaConf.to_container(mine, resolve=True, throw_on_missing=True)
    else:
        data = {k: v for k, v in cfg.items() if k != "hydra"}
    assert isinstance(data, dict)
    return {str(k): v for k, v in data.items()}


def validate(cfg: DictConfig | dict[str, Any]) -> dict[str, Any]:
    """The resolved config, or ConfigError with the first problem as one line naming the key."""
    c = as_dict(cfg)
    problems = _problems(c)
    if problems:
        raise ConfigError(f"invalid config: {problems[0]}")
    return c


def effective_users(c: dict[str, Any]) -> int:
    """Users locust runs: the sequential scenario is always one user."""
    return 1 if c["scenario"]["name"] == "sequential" else int(c["users"])


def effective_spawn_rate(c: dict[str, Any]) -> float:
    """Users started per second: null means all at once (= users)."""
    rate = c["spawn_rate"]
    return float(effective_users(c) if rate is None else rate)


def measurement(c: dict[str, Any]) -> dict[str, Any]:
    """The settings that define a measurement (what `cell_key` hashes), repeat included.

    A locustfile other than the scenario's own (`<name>.py`) is a different load, so it is
    part of the key; the default adds nothing, so stored keys stay as they were."""
    locustfile = c["scenario"]["locustfile"]
    custom = {} if locustfile == f"{c['scenario']['name']}.py" else {"locustfile": locustfile}
    return custom | {
        "scenario": c["scenario"]["name"],
        "requests": c["scenario"].get("requests"),
        "hashing": c["hashing"]["name"],
        "db": c["db"]["name"],
        "db_url": c["db"]["url"],
        "workers": int(c["workers"]),
        "users": effective_users(c),
        "spawn_rate": effective_spawn_rate(c),
        "duration": float(c["duration"]),
        "warmup": float(c["warmup"]),
        "repeat": int(c["repeat"]),
        "bcrypt_rounds": int(c["bcrypt_rounds"]),
        "load_processes": int(c["load"]["processes"]),
        "target_url": c["target_url"],
    }


def cell_key(cfg: DictConfig | dict[str, Any]) -> str:
    """A stable hash of the measurement settings: equal keys mean the same measurement."""
    c = as_dict(cfg)
    blob = json.dumps(measurement(c), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
