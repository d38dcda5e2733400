"""server.python for real: a sweep over the runner's own interpreter and a second standard
CPython on the machine, each cell's server run by its interpreter and recorded as such."""

from __future__ import annotations

import glob
import os
import sys
from pathlib import Path

import pytest

from runner.serve.interpreter import InterpreterError, describe
from tests.runner.helpers import PLAIN, leftovers, query, run_runner

# in the default run: its first run on a clone builds the second interpreter's venv (pip)
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

CANDIDATES = (
    "/usr/bin/python3.11",
    "/usr/bin/python3.12",
    "/usr/bin/python3.13",
    *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[1-9]*/bin/python3"))),
)


def second_python() -> tuple[str, str] | None:
    """(path, version) of a standard CPython >= 3.11 other than the runner's own, if any."""
    for path in CANDIDATES:
        if not os.access(path, os.X_OK):
            continue
        try:
            info = describe(path)
        except InterpreterError:
            continue
        other = info["prefix"] not in (sys.prefix, sys.base_prefix)  # another install
        if other and tuple(info["version_info"]) >= (3, 11) and not info["free_threaded"]:
            return path, info["version"]
    return None


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    found = second_python()
    if found is None:
        pytest.skip("no second standard CPython >= 3.11 on this machine (e.g. /usr/bin/python3.11)")
    path, version = found
    root = tmp_path_factory.mktemp("interp")
    store = root / "i.duckdb"
    done = run_runner(
        "-m",
        f"server.python=null,{path}",
        "hashing=threadpool",
        "users=2",
        "duration=2",
        "warmup=0.5",
        "bcrypt_rounds=8",
        *PLAIN,
        f"store={store}",
        f"hydra.sweep.dir={root / 'sweep'}",
        timeout=600,  # the first run on a machine makes the second interpreter's venv
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert leftovers(root) == []
    return store, path, version


def test_each_cell_runs_on_its_interpreter_and_says_so(two: tuple[Path, str, str]) -> None:
    """Two ok cells: the default records the runner's own path and version; the other the
    path given and the version its server reported from inside, GIL on, not free-threaded."""
    import platform

    store, path, version = two
    rows = query(
        store,
        "SELECT server_python, python_version, free_threaded, gil_enabled, status "
        "FROM cells ORDER BY job_num",
    )
    assert rows == [
        (sys.executable, platform.python_version(), False, True, "ok"),
        (path, version, False, True, "ok"),
    ]


def test_the_second_cell_was_served_by_the_second_interpreter(two: tuple[Path, str, str]) -> None:
    """The server process's own record names the venv made from the given interpreter."""
    import json

    store, path, _ = two
    (cell_dir,) = query(store, "SELECT dir FROM cells WHERE server_python = ?", [path])[0]
    records = [json.loads(p.read_text()) for p in Path(cell_dir).glob("server/interp-*.json")]
    assert records and all("outputs/interpreters/" in r["executable"] for r in records)
