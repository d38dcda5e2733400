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


def test_only_splices_its_rows_into_the_existing_file() -> None:
    from benchmarks.cli import step_items
    from benchmarks.document import markdown, splice
    from benchmarks.figures import Figure

    assert step_items("4, 5, 7 strategies") == {"4", "5", "7"}
    assert step_items("9 per_request vs persistent connections") == {"9"}
    old = markdown(
        [
            Figure("1", "overhead", 4.0, "s", "<= 1.5 s", False),
            Figure("9", "cost", 0.9, "ms", "<= 0.5 ms", False),
        ],
        machine={"git": "abc"},
        command="python -m benchmarks",
        date="then",
        plan={},
    )
    new = splice(old, connection_figures(ConnectionCost(1, [1.0], [1.2], 5)), "items 9 again")
    assert "| 1 | overhead | 4.00 s |" in new  # another item's row is kept as it was
    assert "0.90 ms" not in new and "| 9 | health client mean" in new
    assert "- items 9 again" in new
    assert "1 of 2 figures meet or report their target; missed: 1." in new
