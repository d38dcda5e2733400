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


def test_only_adds_a_dated_section_below_the_untouched_main_table() -> None:
    """`--only` leaves the main table as its one run wrote it and puts the re-measured rows in
    a dated section after the main run's own sections, newest first, before other sections."""
    from benchmarks.cli import step_items
    from benchmarks.document import add_remeasured, markdown, remeasured_section
    from benchmarks.figures import Figure
    from benchmarks.mainjob import SECTION, replace_section

    assert step_items("4, 5, 7 strategies") == {"4", "5", "7"}
    assert step_items("9 per_request vs persistent connections") == {"9"}
    main = markdown(
        [
            Figure("1", "overhead", 4.0, "s", "<= 1.5 s", False),
            Figure("9", "cost", 0.9, "ms", "<= 0.5 ms", False),
        ],
        machine={"git": "abc"},
        command="python -m benchmarks",
        date="then",
        plan={"rounds": 10},
    )
    again = connection_figures(ConnectionCost(1, [1.0], [1.2], 5))
    first = remeasured_section(
        again, date="later", command="python -m benchmarks --only 9", about={"git": "def"}
    )
    second = remeasured_section(
        again, date="latest", command="python -m benchmarks --only 9", about={"git": "fed"}
    )
    doc = add_remeasured(add_remeasured(main, first), second)
    assert doc.startswith(main.rstrip("\n"))  # the main table, its summary and plan as written
    assert "| 9 | cost | 0.90 ms |" in doc and "0 of 2 figures meet" in doc
    assert first.splitlines()[0] == "## Re-measured on later: item 9"
    assert doc.index("## Plan of this run") < doc.index("on latest") < doc.index("on later")
    assert doc.count("| 9 | health client mean") == 2 and "- git: def" in doc
    with_main_job = add_remeasured(replace_section(main, SECTION + "\n\nrows\n"), first)
    assert with_main_job.index("on later") < with_main_job.index(SECTION)
    assert add_remeasured(main, first).endswith("\n") and "\n\n\n" not in doc
