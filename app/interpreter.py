"""What interpreter this server process runs on, written once at start-up from inside it.

`facts()` reads the running process: its Python version, whether the build is free-threaded
(`Py_GIL_DISABLED`), and whether the GIL is off right now (`sys._is_gil_enabled()`, 3.13+;
True where it does not exist). Read after the app imported, so an extension module that turned
the GIL back on at import shows here. `write(log_dir)` stores them as `interp-<pid>.json`.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
import sysconfig
from pathlib import Path
from typing import Any

from app.contract import interp_file


def gil_enabled() -> bool:
    """Is the GIL on in this process now (always True before 3.13 and on GIL builds)?"""
    probe = getattr(sys, "_is_gil_enabled", None)
    return True if probe is None else bool(probe())


def _event_loop() -> str | None:
    """The running loop's module ('asyncio.unix_events', 'uvloop'), None off a loop."""
    try:
        return type(asyncio.get_running_loop()).__module__
    except RuntimeError:
        return None


def facts() -> dict[str, Any]:
    """This process's interpreter, as the runner stores it per cell (pure read)."""
    return {
        "pid": os.getpid(),
        "executable": sys.executable,
        "python_version": platform.python_version(),
        "implementation": sys.implementation.name,
        "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "gil_enabled": gil_enabled(),
        "python_gil_env": os.environ.get("PYTHON_GIL"),
        "event_loop": _event_loop(),
    }


def write(log_dir: Path) -> None:
    """`interp-<pid>.json` in `log_dir`: this process's `facts()`."""
    log_dir.mkdir(parents=True, exist_ok=True)
    interp_file(log_dir, os.getpid()).write_text(json.dumps(facts()))
