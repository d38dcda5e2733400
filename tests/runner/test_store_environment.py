"""The sweeps row: what the sweep ran on, read from the real machine and checkout."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path

import duckdb
import psutil

from runner.store.environment import collect_sweep, parse_cpu_model, requirement_names

REPO = Path(__file__).resolve().parents[2]


def test_parse_cpu_model() -> None:
    """The first x86 'model name' wins; ARM's 'Model' is the fallback; nothing gives ''."""
    x86 = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\nmodel name\t: other\n"
    assert parse_cpu_model(x86) == "AMD EPYC 7B13"
    assert parse_cpu_model("processor : 0\nModel : Raspberry Pi 4 Model B\n") == (
        "Raspberry Pi 4 Model B"
    )
    assert parse_cpu_model("processor : 0\n") == ""


def test_requirement_names() -> None:
    """Extras and version specifiers are stripped; test-only extras are left out."""
    reqs = ["uvicorn[standard]>=0.30", "duckdb-cli>=1.1", 'pytest>=8; extra == "test"']
    assert requirement_names(reqs) == ["uvicorn", "duckdb-cli"]


def test_collect_sweep_describes_this_machine() -> None:
    """cpu, memory, versions and git sha are this machine's and this checkout's."""
    sweep = collect_sweep("s1", ["python", "-m", "runner", "users=1,5"])
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert sweep.argv == "python -m runner users=1,5"
    assert sweep.git_sha == head
    assert 1 <= sweep.cpu_count <= (psutil.cpu_count() or 1)
    assert sweep.mem_total_bytes == psutil.virtual_memory().total
    assert sweep.package_versions["duckdb"] == duckdb.__version__
    assert sweep.package_versions["locust"] == metadata.version("locust")
    assert sweep.cpu_model and sweep.hostname and sweep.python_version.startswith("3.")


def test_command_line_reads_as_typed() -> None:
    """argv[0] of `python -m runner` (the __main__.py path) is stored as `python -m runner`."""
    from runner.store.environment import command_line

    line = command_line(["/x/runner/__main__.py", "-m", "workers=1,2", "users=1 5"])
    assert line == "python -m runner -m workers=1,2 'users=1 5'"
