"""The one-node SLURM cluster the cluster tests submit to: installed with apt when missing
(as root), else the tests are skipped with one line saying how to install it."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.cluster.slurm import HOW_TO_INSTALL, SlurmCluster, install, missing


def need_slurm() -> None:
    """Skip (one line) unless SLURM's daemons and clients are installed or installable."""
    if missing() and not install():
        pytest.skip(HOW_TO_INSTALL)


@pytest.fixture(scope="module")
def slurm() -> Iterator[SlurmCluster]:
    """A running one-node cluster for the module, its files in a fresh temp dir (job ids start
    at 1 in every new cluster: each test submits into a fresh sweep dir)."""
    need_slurm()
    with tempfile.TemporaryDirectory(prefix="slurm-") as root:
        with SlurmCluster(Path(root)) as cluster:
            print(f"SLURM cluster idle {cluster.start_s:.2f} s after start")
            yield cluster
        left = [p for p in cluster.pids if psutil.pid_exists(p)] + cluster.stepds()
        assert left == [], f"SLURM processes left after the cluster stopped: {left}"
