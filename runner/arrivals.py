"""Open-loop arrival schedules (pure: no locust, no clock, no I/O).

An open-loop load sends each request at a time fixed in advance, whatever the server's answers
do (wrk2, k6 `constant-arrival-rate`). This module decides those times and which endpoint each
arrival calls; `runner/locustfiles/open_loop.py` keeps the appointments.

- `poisson`: independent exponential gaps of mean 1/rate (a Poisson process);
- `constant`: gaps of exactly 1/rate.

The register:health mix applies to arrivals: with `poisson`, each arrival draws its endpoint
independently (a thinned Poisson process stays Poisson, so each endpoint's stream is too); with
`constant`, a smooth weighted round robin keeps each endpoint's share exact and evenly spread.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from app.contract import ARRIVAL_PROCESSES as PROCESSES
from app.contract import LOAD_MIX


@dataclass(frozen=True)
class Arrival:
    """One scheduled request: when it is due (seconds from the schedule's start) and what."""

    t: float
    kind: str


def split_rate(rate: float, processes: int) -> float:
    """Each load-generating process's share of the offered rate (requests/s)."""
    if processes < 1:
        raise ValueError("processes must be >= 1")
    return rate / processes


def gaps(rate: float, process: str, rng: random.Random) -> Iterator[float]:
    """Inter-arrival gaps in seconds, forever."""
    if rate <= 0:
        raise ValueError("rate must be > 0")
    if process == "poisson":
        while True:
            yield rng.expovariate(rate)
    elif process == "constant":
        while True:
            yield 1.0 / rate
    else:
        raise ValueError(f"process must be one of {PROCESSES}")


def kinds(mix: Mapping[str, int], process: str, rng: random.Random) -> Iterator[str]:
    """The endpoint of each successive arrival, in the mix's proportions, forever."""
    names = [k for k, w in mix.items() if w > 0]
    if not names:
        raise ValueError("the mix needs a positive weight")
    weights = [mix[k] for k in names]
    if len(names) == 1:
        while True:
            yield names[0]
    if process == "poisson":
        while True:
            yield rng.choices(names, weights)[0]
    total = sum(weights)
    credit = [0] * len(names)
    while True:  # smooth weighted round robin (nginx): exact shares, evenly interleaved
        for i, w in enumerate(weights):
            credit[i] += w
        best = max(range(len(names)), key=lambda i: credit[i])
        credit[best] -= total
        yield names[best]


def schedule(
    rate: float, process: str, mix: Mapping[str, int], rng: random.Random, *, first: float = 0.0
) -> Iterator[Arrival]:
    """Arrivals from time `first` on (the first one at `first`), forever."""
    t = first
    for gap, kind in zip(gaps(rate, process, rng), kinds(mix, process, rng), strict=False):
        yield Arrival(t, kind)
        t += gap


def scenario_mix(scenario: str) -> dict[str, int]:
    """The endpoint weights of a scenario's arrivals; KeyError for one without (sequential)."""
    return dict(LOAD_MIX[scenario])


def parse_mix(text: str) -> dict[str, int]:
    """'register:5,health:1' -> {'register': 5, 'health': 1} (the env form of a mix)."""
    out: dict[str, int] = {}
    for part in text.split(","):
        name, _, weight = part.partition(":")
        out[name.strip()] = int(weight)
    return out


def format_mix(mix: Mapping[str, int]) -> str:
    return ",".join(f"{k}:{w}" for k, w in mix.items())
