"""Item 9's pure parts: the ABBA order and the figure against its 0.5 ms target."""

from __future__ import annotations

from benchmarks.connections import ConnectionCost, abba
from benchmarks.figures import connection_figures


def test_abba_alternates_the_arms() -> None:
    assert abba(3) == [
        ("persistent", "per_request"),
        ("per_request", "persistent"),
        ("persistent", "per_request"),
    ]


def test_cost_is_the_median_paired_difference() -> None:
    c = ConnectionCost(3, [1.0, 1.2, 0.9], [1.3, 1.5, 2.0], 900)
    assert c.cost_ms is not None and abs(c.cost_ms - 0.3) < 1e-9
    [f] = connection_figures(c)
    assert f.item == "9" and f.met is True and "3 ABBA pairs" in f.detail
    [slow] = connection_figures(ConnectionCost(1, [1.0], [2.0], 10))
    assert slow.met is False
