"""server.python: found or refused with one line, keyed only when set, what the server
reports about its GIL read back (pure parts and the runner's own interpreter)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runner.probe.gil import observed, reenabled_by
from runner.serve.interpreter import Interpreter, InterpreterError, prepare, refusal
from runner.serve.serverenv import digest, requirements

# CPython's own warning (Python/import.c), as a free-threaded server logs it.
WARNING = (
    "<frozen importlib._bootstrap>:488: RuntimeWarning: The global interpreter lock (GIL) has "
    "been enabled to load module 'greenlet._greenlet', which has not declared that it can run "
    "safely without the GIL. To override this behavior and keep the GIL disabled (at your own "
    "risk), run with PYTHON_GIL=0 or -Xgil=0."
)


def test_the_default_and_the_runners_own_path_are_the_runners_interpreter(
    tmp_path: Path,
) -> None:
    """None and sys.executable both give the runner's own interpreter, no venv made."""
    for given in (None, sys.executable):
        interp = prepare(given, tmp_path)
        assert interp.own and interp.python == sys.executable
    assert not (tmp_path).joinpath("x").exists() and list(tmp_path.iterdir()) == []


def test_an_unknown_interpreter_is_one_line(tmp_path: Path) -> None:
    """A name not on PATH: InterpreterError naming the key, one line."""
    with pytest.raises(InterpreterError, match=r"^server.python='no-such-python3': not found"):
        prepare("no-such-python3", tmp_path)


def test_an_old_or_foreign_interpreter_is_refused(tmp_path: Path) -> None:
    """An executable that reports CPython 3.9 is refused: must be CPython >= 3.11."""
    fake = tmp_path / "python3.9"
    fake.write_text(
        '#!/bin/sh\necho \'{"executable": "x", "prefix": "/nowhere", '
        '"implementation": "cpython", "version": "3.9.18", "version_info": [3, 9], '
        '"free_threaded": false}\'\n'
    )
    fake.chmod(0o755)
    with pytest.raises(InterpreterError, match="must be CPython >= 3.11") as err:
        prepare(str(fake), tmp_path / "cache")
    assert "\n" not in str(err.value)


def _interp(free_threaded: bool, **modules: bool) -> Interpreter:
    return Interpreter(
        "py", "/opt/py/bin/python3", "/venv/bin/python", "3.13.5", free_threaded, modules
    )


def test_refusals_name_the_key() -> None:
    """argon2id without argon2, postgres without psycopg, PYTHON_GIL=0 on a GIL build."""
    ft = _interp(True, argon2=False, psycopg=True)
    why = refusal(ft, work="argon2id", db="sqlite", python_gil=None)
    assert why is not None and why.startswith("work=argon2id:") and "no argon2" in why
    assert refusal(ft, work="bcrypt", db="sqlite", python_gil=0) is None
    assert refusal(ft, work="pbkdf2_python", db="postgres", python_gil=None) is None
    no_pg = refusal(_interp(True, psycopg=False), work="bcrypt", db="postgres", python_gil=None)
    assert no_pg is not None and no_pg.startswith("db=postgres:")
    gil = refusal(_interp(False), work="bcrypt", db="sqlite", python_gil=0)
    assert gil is not None and gil.startswith("server.python_gil=0:")


def test_server_python_and_python_gil_are_keyed_only_when_set(
    cell_spec: Callable[..., Any],
) -> None:
    """The default keeps today's cell key; a given interpreter or PYTHON_GIL changes it, and
    python_gil reaches the server's environment."""
    base = cell_spec()
    other = cell_spec("server.python=/usr/bin/python3.11")
    gil = cell_spec("server.python_gil=0")
    assert "server_python" not in base.measurement()
    assert len({base.key, other.key, gil.key}) == 3
    assert gil.server_env(Path("/tmp/c"))["PYTHON_GIL"] == "0"
    assert "PYTHON_GIL" not in base.server_env(Path("/tmp/c"))


def test_a_bad_python_gil_is_one_line(cell_spec: Callable[..., Any]) -> None:
    """server.python_gil=2 stops at validation, naming the key."""
    from runner.plan.config import ConfigError

    with pytest.raises(ConfigError, match="server.python_gil=2"):
        cell_spec("server.python_gil=2")


def test_the_module_that_turned_the_gil_on_is_read_from_cpythons_warning() -> None:
    """The module CPython named, once; the GIL is on when any process says so."""
    assert reenabled_by(f"a\n{WARNING}\n{WARNING}\n") == ["greenlet._greenlet"]
    records = [
        {"python_version": "3.13.5", "free_threaded": True, "gil_enabled": False},
        {"python_version": "3.13.5", "free_threaded": True, "gil_enabled": True},
    ]
    seen = observed(records, WARNING)
    assert seen == {
        "python_version": "3.13.5",
        "free_threaded": True,
        "gil_enabled": True,
        "gil_enabled_by": "greenlet._greenlet",
    }
    assert observed([], WARNING) == {}
    assert observed(records[:1], "")["gil_enabled"] is False


def test_the_venv_digest_follows_interpreter_and_requirements() -> None:
    """A new interpreter, version or requirement list gets a new venv; the extras exist."""
    core, optional = requirements()
    assert any(r.startswith("bcrypt") for r in core) and any("argon2" in r for r in optional)
    info = {"version": "3.13.5", "free_threaded": True}
    one = digest("/opt/a/python3", info, core)
    assert one == digest("/opt/a/python3", dict(info), list(core))
    assert one != digest("/opt/b/python3", info, core)
    assert one != digest("/opt/a/python3", info | {"version": "3.13.6"}, core)
    assert one != digest("/opt/a/python3", info, [*core, "x"])


def test_the_app_reports_its_interpreter_from_inside(tmp_path: Path) -> None:
    """interp-<pid>.json holds this process's version, build and GIL state."""
    import json
    import platform

    from app import interpreter

    interpreter.write(tmp_path)
    (path,) = tmp_path.glob("interp-*.json")
    got = json.loads(path.read_text())
    assert got["pid"] == os.getpid() and got["python_version"] == platform.python_version()
    assert got["gil_enabled"] is True and got["free_threaded"] is False
