"""The main-job overhead figures from a store's cell rows (pure)."""

from __future__ import annotations

from benchmarks.mainjob import (
    SECTION,
    MainJob,
    existing_section,
    figures,
    job_times,
    replace_section,
    section,
)


def _row(
    job: int, t0: float, first: float, end: float, t1: float, **kw: object
) -> dict[str, object]:
    return {
        "job_num": job,
        "scenario": "mixed",
        "status": "ok",
        "warmup_s": 3.0,
        "duration_s": 20.0,
        "t_start": t0,
        "t_end": t1,
        "t_load_start": first,
        "t_measure_end": end,
        "sweep_start": 0.0,
        "sweep_end": 100.0,
        "argv": "python -m runner -m users=1,5",
    } | kw


def test_span_load_and_parts() -> None:
    rows = [
        _row(0, 0.0, 2.0, 25.0, 27.0),  # before 2, after 2, next starts at 28 -> between 1
        _row(1, 28.0, 29.0, 52.0, 53.0, status="failed"),
        _row(2, 60.0, 61.0, 90.0, 92.0, scenario="sequential"),  # load = 90 - 61 = 29
    ]
    jobs = job_times(rows)
    assert [j.job_num for j in jobs] == [0, 2]
    a, b = jobs
    assert (a.load_s, a.span_s, a.overhead_s) == (23.0, 28.0, 5.0)
    assert (a.before_s, a.after_s, a.between_s) == (2.0, 2.0, 1.0)
    assert (b.load_s, b.span_s, b.between_s) == (29.0, 40.0, 8.0)  # last: to the sweep's end
    m = MainJob("argv", jobs, wall_s=119.0, wall_measured=True)
    over, wall = figures(m)
    assert over.value == 8.0 and over.met is False  # median of 5 and 11
    assert wall.met is True and "limit 120 s" in wall.detail  # 1.15 * 52 + 60 = 119.8


def test_section_is_replaced_and_kept() -> None:
    doc = "# Benchmarks\n\n| a |\n\n## Plan of this run\n\nx\n"
    m = MainJob("argv", job_times([_row(0, 0.0, 1.0, 24.0, 25.0)]), 30.0, False)
    text = section(figures(m), "Load average: 1.")
    once = replace_section(doc, text)
    assert once.count(SECTION) == 1 and once.startswith("# Benchmarks")
    twice = replace_section(once, text)
    assert twice == once
    assert existing_section(once) == text
    assert existing_section(doc) is None


def test_a_replaced_section_keeps_a_blank_line_before_the_next() -> None:
    """The main job's section goes in its place, a blank line before the next heading."""
    doc = "# B\n\n## Main job\nold\n## Open loop\nx\n"
    got = replace_section(doc, "## Main job\nnew\n")
    assert got == "# B\n\n## Main job\nnew\n\n## Open loop\nx\n"
