"""The hypervisor's steal: time this virtual machine's vCPUs had work but the host ran other
guests instead (`/proc/stat`, the 8th number of the `cpu` line, in clock ticks).

A thread on a stolen vCPU neither runs nor waits for a core in its own accounting (its CPU
clock and schedstat stop together), so on a busy host a CPU-bound call looks partly idle and
every sleep wakes late. The watchdog takes the machine's mean steal per vCPU out of its
windows and of its captures' lateness. The steal is uniform across vCPUs here (two vCPUs read
over 5 s: 128 and 126 ticks); its clock tick (10 ms) is coarse against one 5 ms capture but
unbiased over many.
"""

from __future__ import annotations

import os

PROC_STAT = "/proc/stat"
_TICK_NS = 1_000_000_000 // (os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100)
_CPUS = os.cpu_count() or 1


def mean_steal_ns(line: str, tick_ns: int = _TICK_NS, cpus: int = _CPUS) -> int | None:
    """The mean stolen time per vCPU (ns) from /proc/stat's aggregate `cpu` line (pure); None
    when the line has no steal field."""
    fields = line.split()
    if len(fields) < 9 or fields[0] != "cpu":
        return None
    try:
        return int(fields[8]) * tick_ns // cpus
    except ValueError:
        return None


def steal_ns(path: str = PROC_STAT) -> int | None:
    """The machine's mean stolen time per vCPU so far (ns); None where /proc/stat is not."""
    try:
        with open(path) as f:
            return mean_steal_ns(f.readline())
    except OSError:
        return None
