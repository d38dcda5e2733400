"""The work kind's calibration, runner side.

The runner owns S (`cells.hash_ms`, bcrypt at `bcrypt_rounds`, measured once per runner
process before any server starts). Right after it, and as quietly, it calibrates each work
kind once per (kind, target, rounds) with app/calibrate.py and passes the cost to every
cell's server (SYNCBLOCK_WORK_COST), so all cells of a kind in a sweep run the same call
(a server calibrating itself while other cells' leftovers or other jobs load the CPU found
costs 2.5x apart here). `cells.work_ms` is that calibration's measured median per call.
On another interpreter (`server.python`) the calibration runs in it, in a child process:
a pure-Python loop's speed is the interpreter's, so each interpreter's call takes about S.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys

from app import contract
from app.calibrate import Calibration, calibrate
from app.contract import REPO_ROOT, WORKS, Work

_IN_CHILD = (
    "import json, sys; from dataclasses import asdict; from app.calibrate import calibrate; "
    "print(json.dumps(asdict(calibrate(sys.argv[1], float(sys.argv[2]), int(sys.argv[3])))))"
)


def target_ms(work_ms: float | None, hash_ms: float) -> float:
    """What the kind is calibrated to (pure): `work.ms` when given, else S."""
    return float(work_ms) if work_ms is not None else float(hash_ms)


@functools.cache
def calibration_for(
    work: str, target: float, rounds: int, python: str = sys.executable
) -> Calibration:
    """The kind's cost and measured ms, once per (kind, target, rounds, interpreter): in this
    runner process, or in a child run by `python`. bcrypt is not searched: its cost is
    `rounds` and its time is S (`target`)."""
    kind: Work = next(k for k in WORKS if k == work)
    if kind == "bcrypt":
        return Calibration(kind, rounds, None, target, 0, 0.0, os.getpid())
    if python == sys.executable:
        return calibrate(kind, target, rounds)
    return _calibrate_in(python, kind, target, rounds)


def _calibrate_in(python: str, kind: Work, target: float, rounds: int) -> Calibration:
    """`calibrate` run by another interpreter (the repository on its path)."""
    argv = [python, "-c", _IN_CHILD, kind, repr(target), str(rounds)]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"calibrating {kind} in {python} failed: {last[:300]}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return Calibration(**found)


def server_env(cal: Calibration) -> dict[str, str]:
    """SYNCBLOCK_WORK_MS and SYNCBLOCK_WORK_COST for the app (pure)."""
    env = {contract.WORK_COST_ENV: str(cal.cost)}
    if cal.target_ms is not None:
        env[contract.WORK_MS_ENV] = repr(float(cal.target_ms))
    return env


def work_ms(cal: Calibration, hash_ms: float) -> float:
    """`cells.work_ms`: bcrypt's is S itself (the same call); the others' their median."""
    return float(hash_ms) if cal.kind == "bcrypt" else float(cal.ms)
