"""What a sweep ran on: machine, Python, package versions and code revision (the `sweeps` row)."""

from __future__ import annotations

import os
import platform
import re
import shlex
import socket
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import psutil

from app.contract import REPO_ROOT
from runner.store.records import SweepRecord
from runner.store.redact import redact

PROJECT = "syncblock"


def parse_cpu_model(cpuinfo: str) -> str:
    """The first 'model name' (x86) or 'Model'/'Hardware' (ARM) value of /proc/cpuinfo text."""
    for key in ("model name", "Model", "Hardware"):
        match = re.search(rf"^{key}\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        if match:
            return match.group(1).strip()
    return ""


def requirement_names(requirements: Sequence[str]) -> list[str]:
    """Distribution names of the non-extra requirements ('uvicorn[standard]>=0.30' -> 'uvicorn')."""
    names = []
    for req in requirements:
        if "extra ==" in req:
            continue
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", req.strip())
        if match:
            names.append(match.group(0))
    return names


def package_versions() -> dict[str, str]:
    """Installed versions of this project and its runtime dependencies."""
    try:
        names = [PROJECT, *requirement_names(metadata.requires(PROJECT) or [])]
    except metadata.PackageNotFoundError:
        names = []
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def cpu_model() -> str:
    try:
        return parse_cpu_model(Path("/proc/cpuinfo").read_text()) or platform.processor()
    except OSError:
        return platform.processor()


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity), else the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def git_sha(repo: Path = REPO_ROOT) -> str | None:
    """HEAD of the checkout the code runs from, or None outside a git checkout."""
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    sha = done.stdout.strip()
    return sha if done.returncode == 0 and re.fullmatch(r"[0-9a-f]{40}", sha) else None


def command_line(argv: Sequence[str]) -> str:
    """The command as typed: `python -m runner ...` rather than the path of __main__.py."""
    args = list(argv)
    if args and Path(args[0]).name == "__main__.py" and Path(args[0]).parent.name == "runner":
        args[0:1] = ["python", "-m", "runner"]
    return shlex.join(args)


def collect_sweep(sweep_id: str, argv: Sequence[str]) -> SweepRecord:
    """The sweeps row of a sweep starting now."""
    return SweepRecord(
        sweep_id=sweep_id,
        started_at=datetime.now(UTC),
        argv=redact(command_line(argv)),  # a db.url may hold a password
        git_sha=git_sha(),
        hostname=socket.gethostname(),
        cpu_model=cpu_model(),
        cpu_count=usable_cpus(),
        mem_total_bytes=int(psutil.virtual_memory().total),
        python_version=platform.python_version(),
        package_versions=package_versions(),
    )
