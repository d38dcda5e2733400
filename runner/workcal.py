"""The work kind's calibration, runner side: the target S the app calibrates to, and the
measured time per call the app wrote at start-up (`server/work-<pid>.json`).

The runner owns S (`cells.hash_ms`, bcrypt at `bcrypt_rounds`, measured before any server
starts), so every kind is calibrated to the same S the model and the report use: it passes S
as SYNCBLOCK_WORK_MS unless `work.ms` sets another target. bcrypt needs no target.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from app import contract


def target_env(work: str, work_ms: float | None, hash_ms: float) -> dict[str, str]:
    """SYNCBLOCK_WORK_MS for the app (pure): `work.ms` when given, else S; none for bcrypt."""
    if work_ms is not None:
        return {contract.WORK_MS_ENV: repr(float(work_ms))}
    if work == "bcrypt":
        return {}
    return {contract.WORK_MS_ENV: repr(float(hash_ms))}


def measured_ms(server_dir: Path) -> float | None:
    """Median over the server's processes of the calibrated time per call (None if absent)."""
    values = []
    for path in sorted(server_dir.glob(contract.WORK_GLOB)):
        try:
            ms = json.loads(path.read_text()).get("ms")
        except (OSError, ValueError):
            continue
        if isinstance(ms, int | float) and ms > 0:
            values.append(float(ms))
    return statistics.median(values) if values else None
