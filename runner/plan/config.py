"""The runner's configuration: pure validation into a `CellSpec`, and the cell key.

Types are checked when Hydra composes (the schema in runner/plan/schema.py); ranges and values here,
by `validate`, a pure function giving one line naming the key. This is the only module that
reads the config by string keys.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from omegaconf import DictConfig, OmegaConf

from app import contract
from runner.plan.schema import register_configs
from runner.plan.spec import AXIS, DOCTOR_LOCUSTFILE, CellSpec, axes
from runner.plan.userapp import user_app_problems

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

__all__ = ["ConfigError", "cell_key", "register_configs", "validate"]


class ConfigError(ValueError):
    """An invalid configuration value; the message is one line naming the key."""


def _problems(c: dict[str, Any]) -> list[str]:
    """Every range problem of a resolved config, as 'key: message' lines (pure)."""
    out: list[str] = []

    def need(ok: bool, key: str, msg: str) -> None:
        if not ok:
            out.append(f"{key}={c_get(key)!r}: {msg}")

    def c_get(key: str) -> Any:
        return _at(c, key)

    def one_of(key: str, allowed: tuple[str, ...]) -> None:
        need(c_get(key) in allowed, key, f"must be one of {', '.join(allowed)}")

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
    one_of("scenario.name", contract.SCENARIOS)
    one_of("hashing.name", contract.HASHINGS)
    one_of("work.name", contract.WORKS)
    one_of("db.name", contract.DB_NAMES)
    one_of("load.connections", contract.CONNECTIONS)
    one_of("load.arrival", contract.ARRIVALS)
    one_of("load.process", contract.ARRIVAL_PROCESSES)
    one_of("server.balance", contract.BALANCES)
    one_of("stalls.sampler", contract.STALL_SAMPLERS)
    for name in c["compare"]["hashing"]:
        need(name in contract.HASHINGS, "compare.hashing", f"{name!r} is not a hashing strategy")
    need(c["work"]["ms"] is None or c["work"]["ms"] > 0, "work.ms", "must be ms > 0 or null")
    need(c["load"]["probe_hz"] >= 0, "load.probe_hz", "must be probes/s >= 0 (0: off)")
    need(c["load"]["max_in_flight"] >= 1, "load.max_in_flight", "must be an integer >= 1")
    rate = c["load"]["rate"]
    need(rate is None or rate > 0, "load.rate", "must be requests/s > 0")
    if c["load"]["arrival"] == "open":
        need(rate is not None, "load.rate", "must be set (requests/s) when load.arrival=open")
    need(":" in c["server"]["app"], "server.app", "must be an import string 'module:attribute'")
    out.extend(user_app_problems(c["server"]["app"], c["scenario"]["locustfile"]))
    out.extend(_distributed_problems(c))  # load.workers, load.remote_workers, load.master_*
    pool = c["server"]["pool_size"]
    need(pool is None or pool >= 1, "server.pool_size", "must be an integer >= 1 or null")
    need(c["server"]["thread_limit"] >= 1, "server.thread_limit", "must be an integer >= 1")
    python = c["server"].get("python")
    need(python is None or bool(str(python).strip()), "server.python", "must be a path or a name")
    need(c["server"].get("python_gil") in (None, 0, 1), "server.python_gil", "must be 0, 1 or null")
    if python is not None or c["server"].get("python_gil") is not None:
        need(not c["target_url"], "server.python", "no server is started with target_url")
    need(c["stalls"]["stall_ms"] > 0, "stalls.stall_ms", "must be ms > 0")
    db_pool = c["db"]["pool_size"]
    need(db_pool is None or db_pool >= 1, "db.pool_size", "must be an integer >= 1 or null")
    if c["db"]["name"] == "sqlite":
        need(bool(c["db"]["url"]), "db.url", "must be set for db=sqlite")
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


def _distributed_problems(c: dict[str, Any]) -> list[str]:
    """Config problems of the distributed-load keys, one line each naming the key (pure)."""
    load = c["load"]
    out: list[str] = []
    workers, remote = load.get("workers", 0), load.get("remote_workers", 0)
    if workers < 0:
        out.append(f"load.workers={workers}: must be an integer >= 0")
    if remote < 0:
        out.append(f"load.remote_workers={remote}: must be an integer >= 0")
    port = load.get("master_port")
    if port is not None and not 1 <= port <= 65535:
        out.append(f"load.master_port={port}: must be 1..65535 or null")
    if workers + remote > 0:
        if load["processes"] != 1:
            out.append("load.processes: must be 1 when load.workers or load.remote_workers is set")
        if c["scenario"]["name"] == "sequential":
            out.append("load.workers: must be 0 for scenario sequential (one user, one process)")
        bind = load.get("master_bind", "127.0.0.1")
        if bind not in LOOPBACK_HOSTS and not c.get("allow_remote"):
            out.append(
                f"load.master_bind={bind!r}: not loopback; pass allow_remote=true to accept "
                "workers from other machines"
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


_CASTS: dict[str, Callable[[Any], Any]] = {
    "int": int,
    "float": float,
    "bool": bool,
    "str": str,
    "Path": Path,
}


def _cast(type_name: str, value: Any) -> Any:
    """A config value as its CellSpec field's type (None stays None where the type allows it)."""
    base = [t for t in type_name.split(" | ") if t != "None"][0]
    if value is None and "None" in type_name:
        return None
    if base.startswith("tuple"):
        return tuple(value)
    return _CASTS.get(base, lambda v: v)(value)


def _at(c: dict[str, Any], path: str) -> Any:
    node: Any = c
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _spec(c: dict[str, Any]) -> CellSpec:
    """The CellSpec of a config that passed `_problems` (pure): each axis read at its path."""
    values = {f.name: _cast(str(f.type), _at(c, f.metadata[AXIS]["conf"])) for f in axes()}
    # Open loop applies to the load scenarios; the sequential baseline is always one closed-loop
    # user, and a closed-loop cell has no rate (so neither changes its cell key).
    if c["load"]["arrival"] != "open" or c["scenario"]["name"] == "sequential":
        values |= {"arrival": "closed", "rate": None}
    if values["doctor"]:  # the doctor's locustfile calls the routes it found, in either scenario
        values["locustfile"] = DOCTOR_LOCUSTFILE
    return CellSpec(**values, config=c)


def validate(cfg: DictConfig | dict[str, Any] | CellSpec) -> CellSpec:
    """The cell's CellSpec, or ConfigError with the first problem as one line naming the key."""
    if isinstance(cfg, CellSpec):
        return cfg
    c = as_dict(cfg)
    problems = _problems(c)
    if problems:
        raise ConfigError(f"invalid config: {problems[0]}")
    return _spec(c)


def cell_key(cfg: DictConfig | dict[str, Any] | CellSpec) -> str:
    """A stable hash of the measurement settings: equal keys mean the same measurement."""
    return validate(cfg).key
