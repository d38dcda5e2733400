"""The hypervisor's steal from /proc/stat's `cpu` line (pure), and the real file where there is
one."""

from __future__ import annotations

from pathlib import Path

from app.clocks import waited_s
from app.steal import mean_steal_ns, steal_ns

LINE = "cpu  1466000 203 88356 4738595 4288 0 11274 30889 0 0\n"


def test_the_eighth_number_is_the_steal_in_ticks_shared_by_the_vcpus() -> None:
    """30889 ticks of 10 ms over 2 vCPUs: 154.445 s per vCPU."""
    assert mean_steal_ns(LINE, tick_ns=10_000_000, cpus=2) == 154_445_000_000


def test_a_line_without_steal_or_not_the_aggregate_is_none() -> None:
    assert mean_steal_ns("cpu  1 2 3 4", tick_ns=10_000_000, cpus=2) is None
    assert mean_steal_ns("cpu0 1 2 3 4 5 6 7 8 9", tick_ns=10_000_000, cpus=2) is None
    assert mean_steal_ns("cpu  1 2 3 4 5 6 7 x 9", tick_ns=10_000_000, cpus=2) is None


def test_stolen_seconds_between_two_readings() -> None:
    assert waited_s(1_000_000_000, 1_250_000_000) == 0.25
    assert waited_s(None, 5) == 0.0 and waited_s(5, 4) == 0.0


def test_the_real_file_or_none(tmp_path: Path) -> None:
    """This machine's /proc/stat gives a count that never goes down; a missing file gives None."""
    a = steal_ns()
    b = steal_ns()
    if Path("/proc/stat").is_file():
        assert a is not None and b is not None and b >= a >= 0
    assert steal_ns(str(tmp_path / "nope")) is None
