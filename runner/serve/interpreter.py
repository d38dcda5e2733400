"""`server.python`: the interpreter that runs the cell's server, found, checked and made ready.

The runner and locust stay on the runner's own interpreter. The server runs on the one named:
the runner's own when none is (or when the name leads back to the runner's environment), else
a venv made from it that holds only the server's dependencies (runner/serve/serverenv.py),
created once per interpreter and kept under `outputs/interpreters/`.

Every problem is one line naming the key: not found, not CPython >= 3.11, `PYTHON_GIL=0` on a
build that has a GIL, a work kind whose package has no wheel there. `prepare` runs before any
process of a cell starts (and for a sweep, for every interpreter before the first cell).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.plan.spec import CellSpec
from runner.serve.serverenv import ServerEnvError, server_venv

MIN_VERSION = (3, 11)
# The module a work kind (or the database) imports that the server's core dependencies lack.
WORK_MODULES = {"argon2id": "argon2"}
DB_MODULES = {"postgres": "psycopg"}
_PROBE = (
    "import json, platform, sys, sysconfig; print(json.dumps({"
    "'executable': sys.executable, 'prefix': sys.prefix, "
    "'implementation': sys.implementation.name, 'version': platform.python_version(), "
    "'version_info': list(sys.version_info[:2]), "
    "'free_threaded': bool(sysconfig.get_config_var('Py_GIL_DISABLED'))}))"
)


class InterpreterError(ValueError):
    """server.python (or a setting it rules out) is unusable; the message is one line."""


@dataclass(frozen=True)
class Interpreter:
    """The interpreter a cell's server runs on."""

    given: str | None  # server.python as configured (None: the runner's own)
    base: str  # the interpreter found (the venv's base when one is made)
    python: str  # what starts the server: the runner's own executable, or the venv's python
    version: str
    free_threaded: bool
    modules: dict[str, bool] = field(default_factory=dict)  # optional modules importable

    @property
    def own(self) -> bool:
        return self.python == sys.executable

    @property
    def label(self) -> str:
        """'Python 3.13.5 free-threaded'."""
        return f"Python {self.version}" + (" free-threaded" if self.free_threaded else "")


def describe(python: str) -> dict[str, Any]:
    """What `python` says about itself (it is run once, for a few ms)."""
    try:
        out = subprocess.run(
            [python, "-c", _PROBE], capture_output=True, text=True, timeout=60, check=True
        )
        info: dict[str, Any] = json.loads(out.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise InterpreterError(f"server.python={python!r}: does not run ({exc})") from None
    return info


def find(given: str) -> str:
    """The absolute path of `given`: a path, or a name looked up on PATH."""
    found = shutil.which(given)
    if found is None:
        raise InterpreterError(f"server.python={given!r}: not found (no such file or name on PATH)")
    return os.path.abspath(found)


def own() -> Interpreter:
    """The runner's own interpreter (the default)."""
    return Interpreter(
        None,
        sys.executable,
        sys.executable,
        platform.python_version(),
        bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        {m: _importable(m) for m in (*WORK_MODULES.values(), *DB_MODULES.values())},
    )


def _importable(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@functools.cache
def prepare(given: str | None, cache: Path) -> Interpreter:
    """The interpreter `given` names, ready to serve (its venv made under `cache` if needed)."""
    if given is None:
        return own()
    info = describe(find(given))
    base = os.path.realpath(info["executable"])  # the interpreter itself, not a shim or link
    if info["implementation"] != "cpython" or tuple(info["version_info"]) < MIN_VERSION:
        raise InterpreterError(
            f"server.python={given!r}: {base} is {info['implementation']} {info['version']}; "
            "must be CPython >= 3.11"
        )
    if info["prefix"] == sys.prefix:  # the runner's own environment, by whatever name
        return own()
    try:
        venv = server_venv(base, info, cache)
    except ServerEnvError as exc:
        raise InterpreterError(f"server.python={given!r}: {exc}") from None
    return Interpreter(
        given, base, str(venv.python), info["version"], info["free_threaded"], venv.modules
    )


def refusal(interp: Interpreter, *, work: str, db: str, python_gil: int | None) -> str | None:
    """Why a cell cannot run on `interp`, as one line naming the key, or None (pure)."""
    at = f"server.python={interp.given or sys.executable} ({interp.label})"
    needed = WORK_MODULES.get(work)
    if needed and not interp.modules.get(needed, False):
        return f"work={work}: {at} has no {needed} (no wheel for this interpreter)"
    needed = DB_MODULES.get(db)
    if needed and not interp.modules.get(needed, False):
        return f"db={db}: {at} has no {needed} (no wheel for this interpreter)"
    if python_gil == 0 and not interp.free_threaded:
        return f"server.python_gil=0: {at} is not a free-threaded build"
    return None


def ready(spec: CellSpec, cache: Path) -> Interpreter:
    """The cell's interpreter, prepared and checked; InterpreterError with one line if not."""
    interp = prepare(spec.server_python, cache)
    why = refusal(interp, work=spec.work, db=spec.db, python_gil=spec.python_gil)
    if why:
        raise InterpreterError(why)
    return interp


CACHE = Path("outputs") / "interpreters"


def cache_dir() -> Path:
    """Where server venvs live: `outputs/interpreters/` of the directory the run started in
    (where the runner's outputs go), whatever store a sweep writes to."""
    return CACHE.resolve()
