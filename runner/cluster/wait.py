"""Wait for a sweep's SLURM jobs with every wait bounded: each job either writes its result or
is seen ended (by `squeue`) without one, which is then waited for `result_grace_s` at most."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from runner.cluster import squeue


@dataclass(frozen=True)
class Lost:
    """A job that ended without a result: its SLURM state (GONE: no longer listed), its node
    and own id as squeue last listed them."""

    job_id: str
    state: str
    entry: squeue.Entry


def wait_for(
    jobs: Sequence[tuple[str, Path]],
    *,
    poll_s: float = 1.0,
    squeue_every_s: float = 5.0,
    result_grace_s: float = 30.0,  # submitit waits 15 s for a result file (30 s: no chmod)
    squeue_down_s: float = 600.0,
    states: Callable[[list[str]], dict[str, squeue.Entry] | None] = squeue.states,
) -> list[Lost]:
    """Return once every job (id, result file) has a result or is lost; the lost ones, in the
    jobs' order."""
    pending = dict(jobs)
    ended: dict[str, tuple[float, str]] = {}  # job id -> (seen ended at, state)
    seen: dict[str, squeue.Entry] = {}  # job id -> its last listing
    absent: dict[str, int] = {}  # job id -> consecutive answers without it
    lost: dict[str, Lost] = {}
    last_answer = last_asked = time.monotonic()
    first = True
    while pending:
        for job_id in [j for j, result in pending.items() if result.exists()]:
            del pending[job_id]
        now = time.monotonic()
        if pending and (first or now - last_asked >= squeue_every_s):
            first, last_asked = False, now
            answer = states(list(pending))
            if answer is None:
                if now - last_answer >= squeue_down_s:
                    for job_id in pending:
                        ended.setdefault(job_id, (now - result_grace_s, "SQUEUE_DOWN"))
            else:
                last_answer = now
                for job_id in pending:
                    entry = answer.get(job_id)
                    if entry is not None:
                        seen[job_id] = entry
                    absent[job_id] = 0 if entry else absent.get(job_id, 0) + 1
                    if entry is not None and entry.state in squeue.ENDED:
                        ended.setdefault(job_id, (now, entry.state))
                    elif absent[job_id] >= 2:
                        ended.setdefault(job_id, (now, "GONE"))
        for job_id, (since, state) in list(ended.items()):
            if job_id in pending and now - since >= result_grace_s:
                lost[job_id] = Lost(job_id, state, seen.get(job_id, squeue.Entry("", "", "")))
                del pending[job_id]
        if pending:
            time.sleep(poll_s)
    return [lost[job_id] for job_id, _ in jobs if job_id in lost]
