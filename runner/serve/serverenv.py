"""The server's own venv for an interpreter other than the runner's: made once, then reused.

It holds only what the server imports: pyproject's `server` extra (all of it, wheels only, or
the venv is not made), then its `server-optional` extra, wheels only: all in one install, or,
when that fails, each on its own, skipped where that interpreter has none (argon2 on 3.13t).
The repository is not installed: the launchers put it on `sys.path` (`--app-dir`, or the
working directory).

The venv lives at `<cache>/<digest>/`, the digest over the interpreter's path, version and
build and the requirements, so a new interpreter or a changed extra gets a new one. A file
lock orders concurrent cells; `ready.json`, written last, marks a finished venv and records
which optional modules import there.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.contract import REPO_ROOT

READY = "ready.json"
OPTIONAL_MODULES = ("argon2", "psycopg", "uvloop", "httptools")  # what the probe looks for
PIP_TIMEOUT_S = 900.0


class ServerEnvError(RuntimeError):
    """The venv could not be made; the message is one line, `pip.log` in it has the rest."""


@dataclass(frozen=True)
class ServerVenv:
    python: Path
    modules: dict[str, bool]  # optional module -> importable


def requirements(pyproject: Path = REPO_ROOT / "pyproject.toml") -> tuple[list[str], list[str]]:
    """The `server` and `server-optional` extras of pyproject.toml."""
    extras = tomllib.loads(pyproject.read_text())["project"]["optional-dependencies"]
    return list(extras["server"]), list(extras["server-optional"])


def digest(base: str, info: dict[str, Any], reqs: Sequence[str]) -> str:
    """The venv's folder name (pure)."""
    blob = json.dumps([base, info["version"], info["free_threaded"], list(reqs)])
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def _run(argv: list[str], log: Path) -> bool:
    """Run `argv`, appending its output to `log`; True when it succeeded."""
    with log.open("a") as out:
        out.write(f"$ {' '.join(argv)}\n")
        out.flush()
        try:
            done = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, timeout=PIP_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            out.write(f"{exc}\n")
            return False
    return done.returncode == 0


def _last_error(log: Path) -> str:
    lines = [x.strip() for x in log.read_text(errors="replace").splitlines() if x.strip()]
    errors = [x for x in lines if x.startswith("ERROR")]
    return (errors or lines or ["no output"])[-1][:300]


def _modules(python: Path) -> dict[str, bool]:
    code = (
        "import importlib.util, json, sys; "
        "print(json.dumps({m: importlib.util.find_spec(m) is not None for m in sys.argv[1:]}))"
    )
    out = subprocess.run(
        [str(python), "-c", code, *OPTIONAL_MODULES], capture_output=True, text=True, timeout=60
    )
    found: dict[str, bool] = json.loads(out.stdout) if out.returncode == 0 else {}
    return {m: bool(found.get(m)) for m in OPTIONAL_MODULES}


def _build(base: str, where: Path, core: list[str], optional: list[str]) -> ServerVenv:
    """Make the venv at `where` (a half-made one is replaced)."""
    print(f"syncblock: making the server's venv for {base} in {where} (once)", file=sys.stderr)
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    log = where / "pip.log"
    python = where / "bin" / "python"
    wheels = ["--only-binary=:all:", "--disable-pip-version-check", "--quiet"]
    # no ensurepip needed (Debian's python3.X lacks it): the runner's pip installs a current
    # pip into the venv, which then knows the interpreter's wheel tags (cp313t and the like)
    steps = [
        [base, "-m", "venv", "--without-pip", str(where)],
        [sys.executable, "-m", "pip", "--python", str(python), "install", *wheels, "pip"],
        [str(python), "-m", "pip", "install", *wheels, *core],
    ]
    for argv in steps:
        if not _run(argv, log):
            raise ServerEnvError(
                f"server venv for {base} not made: {_last_error(log)} (log: {log})"
            )
    # all at once (one resolve), else each alone: one without a wheel here stops no other
    if not _run([str(python), "-m", "pip", "install", *wheels, *optional], log):
        for req in optional:
            _run([str(python), "-m", "pip", "install", *wheels, req], log)
    venv = ServerVenv(python, _modules(python))
    tmp = where / (READY + ".tmp")
    tmp.write_text(json.dumps({"base": base, "modules": venv.modules}))
    tmp.replace(where / READY)
    return venv


def server_venv(base: str, info: dict[str, Any], cache: Path) -> ServerVenv:
    """The venv of interpreter `base` (described by `info`) under `cache`: made if missing."""
    core, optional = requirements()
    where = cache / digest(base, info, core + optional)
    with _locked(cache / f"{where.name}.lock"):
        ready = where / READY
        if ready.exists():
            return ServerVenv(where / "bin" / "python", json.loads(ready.read_text())["modules"])
        return _build(base, where, core, optional)
