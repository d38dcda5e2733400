"""SLURM jobs' states from `squeue -t all`, which answers on every cluster.

submitit asks `sacct`, which fails on a cluster without an accounting database: the state is
then UNKNOWN forever and a job killed before writing its result is waited for forever. The
controller itself lists every job, ended ones included, for `MinJobAge` seconds (300 by
default) after its end: that is enough to see a job end while the sweep waits for it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from typing import NamedTuple

# Job states after which nothing more happens (squeue's long names).
ENDED = frozenset(
    {
        "BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED", "NODE_FAIL",
        "OUT_OF_MEMORY", "PREEMPTED", "SPECIAL_EXIT", "TIMEOUT",
    }
)  # fmt: skip
# job id (array tasks as <array>_<task>), its own id (SLURM_JOB_ID in the job), state, node
FORMAT = "%i|%A|%T|%N"


class Entry(NamedTuple):
    """One job as squeue lists it."""

    slurm_job_id: str  # the task's own id: what SLURM_JOB_ID is inside it
    state: str
    node: str


def parse(text: str) -> dict[str, Entry]:
    """`squeue -h -r -o '%i|%A|%T|%N'` output -> {job id: entry} (pure)."""
    found = {}
    for line in text.splitlines():
        parts = line.strip().split("|")
        if len(parts) == 4 and parts[0]:
            found[parts[0]] = Entry(*parts[1:])
    return found


def array_ids(job_ids: Iterable[str]) -> list[str]:
    """The distinct array (or plain) job ids of `12_0`, `12_1`, `13` (pure)."""
    return sorted({job_id.split("_")[0] for job_id in job_ids})


def states(job_ids: Iterable[str], timeout: float = 30.0) -> dict[str, Entry] | None:
    """The states of the arrays holding `job_ids`; None when squeue cannot answer."""
    ids = array_ids(job_ids)
    if not ids:
        return {}
    cmd = ["squeue", "-h", "-r", "-t", "all", "-o", FORMAT, "-j", ",".join(ids)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        # a job the controller has forgotten makes squeue fail when it is the only one asked
        return {} if "Invalid job id" in done.stderr else None
    return parse(done.stdout)


def cancel(job_ids: Iterable[str], timeout: float = 30.0) -> bool:
    """`scancel` the arrays holding `job_ids` (their pending and running tasks); True if it did."""
    ids = array_ids(job_ids)
    if not ids:
        return True
    try:
        done = subprocess.run(["scancel", *ids], capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
