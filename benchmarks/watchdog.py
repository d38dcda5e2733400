"""Item 10: what the stall watchdog costs.

The same ABBA health A/B as item 3 (benchmarks/instrument.py), both arms instrumented, one
with the stall watchdog (`SYNCBLOCK_WATCHDOG=true`, the default), one without. The watchdog
thread wakes about every 10-20 ms while the loop runs (it sleeps until the probe's next due
time plus `stall_ms`), so its cost is a few GIL hand-overs per probe tick.
"""

from __future__ import annotations

from pathlib import Path

from app.contract import WATCHDOG_ENV
from benchmarks.instrument import InstrumentCost, arm_env, measure_instrument_cost


def watchdog_env(root: Path, on: bool) -> dict[str, str]:
    """Both arms instrumented; the watchdog on or off (pure)."""
    return arm_env(root, True) | {WATCHDOG_ENV: "true" if on else "false"}


def measure_watchdog_cost(work: Path, *, pairs: int = 6, seconds: float = 2.0) -> InstrumentCost:
    return measure_instrument_cost(
        work, pairs=pairs, seconds=seconds, env_for=watchdog_env, name="watchdog"
    )
