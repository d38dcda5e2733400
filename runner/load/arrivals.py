"""Open-loop arrival schedules (pure: no locust, no clock, no I/O).

An open-loop load sends each request at a time fixed in advance, whatever the server's answers
do (wrk2, k6 `constant-arrival-rate`). This module decides those times and which endpoint each
arrival calls; `runner/load/locustfiles/open_loop.py` keeps the appointments.

- `poisson`: a Poisson process at `rate`, given its count per span: a cell's warm-up and its
  measured window each get exactly round(rate x length) arrivals, at independent uniform times
  inside the span (the first one at the start). That is the law of a Poisson process's arrivals
  once their number is known, so the gaps are still exponential with mean 1/rate and bunch as
  Poisson arrivals do; what conditioning removes is the count's own noise (a standard
  deviation of 1/sqrt(n): 5.4 % for 340 arrivals in a 20 s window), so the rate offered over the
  window is the rate asked for. After the spans (the tail until locust stops, unmeasured),
  independent exponential gaps;
- `constant`: gaps of exactly 1/rate.

The register:health mix applies to arrivals: with `poisson`, each arrival draws its endpoint
independently (a thinned Poisson process stays Poisson, so each endpoint's stream is too); with
`constant`, a smooth weighted round robin keeps each endpoint's share exact and evenly spread.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from app.contract import ARRIVAL_PROCESSES as PROCESSES


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


def poisson_times(rate: float, spans: Sequence[float], rng: random.Random) -> Iterator[float]:
    """Arrival times from 0 of a Poisson process at `rate` given its count in each successive
    span: round(rate x length) uniform times per span (at least one in the first, at 0, where
    the measured window is anchored), then independent exponential gaps, forever."""
    if rate <= 0:
        raise ValueError("rate must be > 0")
    start = 0.0
    for i, length in enumerate(spans):
        n = round(rate * length)
        times = sorted(start + rng.random() * length for _ in range(n))
        if i == 0:
            times = [0.0] + times[1:] if times else [0.0]
        yield from times
        start += length
    t = start
    for gap in gaps(rate, "poisson", rng):
        t += gap
        yield t


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
    rate: float,
    process: str,
    mix: Mapping[str, int],
    rng: random.Random,
    *,
    first: float = 0.0,
    spans: Sequence[float] = (),
) -> Iterator[Arrival]:
    """Arrivals from time `first` on (the first one at `first`), forever; `poisson` arrivals are
    conditioned on their count in each of `spans` (seconds: the warm-up, the window)."""
    if process == "poisson":
        times: Iterator[float] = poisson_times(rate, spans, rng)
    else:
        times = itertools.accumulate(gaps(rate, process, rng), initial=0.0)
    for t, kind in zip(times, kinds(mix, process, rng), strict=False):
        yield Arrival(first + t, kind)


def parse_spans(text: str) -> tuple[float, ...]:
    """'2.0,20.0' -> (2.0, 20.0): the spans' env form ('' -> none)."""
    return tuple(float(x) for x in text.split(",") if x.strip())


def parse_mix(text: str) -> dict[str, int]:
    """'register:5,health:1' -> {'register': 5, 'health': 1} (the env form of a mix)."""
    out: dict[str, int] = {}
    for part in text.split(","):
        name, _, weight = part.partition(":")
        out[name.strip()] = int(weight)
    return out


def format_mix(mix: Mapping[str, int]) -> str:
    """{'register': 5, 'health': 1} -> 'register:5,health:1' (what `parse_mix` reads)."""
    return ",".join(f"{k}:{w}" for k, w in mix.items())
