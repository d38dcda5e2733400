"""Figures of items 3 and 10: what the instrumentation and the stall watchdog cost."""

from __future__ import annotations

from benchmarks.figures import Figure, at_least
from benchmarks.instrument import InstrumentCost
from benchmarks.instrument_parts import InstrumentParts
from benchmarks.stats import median

WATCHDOG_MIN_RPS_RATIO = 0.97  # item 10: health rps with the stall watchdog on / off


def instrument_figures(c: InstrumentCost) -> list[Figure]:
    return [
        Figure(
            "3",
            "health rps, instrumentation on/off",
            c.rps_ratio,
            "",
            ">= 0.95",
            at_least(c.rps_ratio, 0.95),
            f"{c.pairs} ABBA pairs; median rps on {median(c.rps_on):.0f}, off "
            f"{median(c.rps_off):.0f}; {c.logged_requests:,} lines logged for "
            f"{c.served_on:,} served",
        ),
        Figure(
            "3",
            "server CPU per request, on/off",
            c.cpu_ratio,
            "",
            "(reported)",
            None,
            f"median {median(c.cpu_ms_on):.3f} vs {median(c.cpu_ms_off):.3f} ms",
        ),
    ]


def instrument_parts_figures(c: InstrumentParts) -> list[Figure]:
    """Where item 3's gap goes: the middleware layer against the recording behind it."""
    us = {a: c.cpu_median(a) or 0.0 for a in ("off", "middleware", "on")}
    layer, recording = c.cpu_extra_us("middleware", "off"), c.cpu_extra_us("on", "middleware")
    return [
        Figure(
            "3",
            "health rps, timing middleware alone (records dropped) / off",
            c.rps_ratio("middleware", "off"),
            "",
            "(reported)",
            None,
            f"{c.rounds} rotated rounds; server CPU per request {us['middleware']:.1f} vs "
            f"{us['off']:.1f} us: the middleware layer costs {layer or 0:.1f} us",
        ),
        Figure(
            "3",
            "health rps, instrumentation on / middleware alone",
            c.rps_ratio("on", "middleware"),
            "",
            "(reported)",
            None,
            f"server CPU per request {us['on']:.1f} vs {us['middleware']:.1f} us: buffering, "
            f"the writer thread's encoding and writes, lag probe and watchdog cost "
            f"{recording or 0:.1f} us",
        ),
    ]


def watchdog_figures(c: InstrumentCost) -> list[Figure]:
    return [
        Figure(
            "10",
            "health rps, stall watchdog on/off",
            c.rps_ratio,
            "",
            f">= {WATCHDOG_MIN_RPS_RATIO}",
            at_least(c.rps_ratio, WATCHDOG_MIN_RPS_RATIO),
            f"{c.pairs} ABBA pairs, both arms instrumented; median rps on "
            f"{median(c.rps_on):.0f}, off {median(c.rps_off):.0f}",
        ),
        Figure(
            "10",
            "server CPU per request, watchdog on/off",
            c.cpu_ratio,
            "",
            "(reported)",
            None,
            f"median {median(c.cpu_ms_on):.3f} vs {median(c.cpu_ms_off):.3f} ms",
        ),
    ]
