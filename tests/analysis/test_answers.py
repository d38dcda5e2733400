"""The answers block at the top of the page, health by who asked, and cells a foreign load
disturbed: on the fixture store (real captured cells) and on small hand-built stores."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from analysis import build_report
from analysis.core.section import Answer, Section
from analysis.render import NUMBER, with_answers
from tests.analysis.handmade import Cell, make_store
from tests.fixtures import DOCTOR_DIRS, build_fixture_store

QUESTIONS = (
    "The blocked loop",
    "Responsiveness under load",
    "Health during registrations",
    "Register vs concurrency",
    "CPU and memory",
    "Which fix works",
)


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def answers(page: str) -> list[tuple[str, str, str]]:
    """(question, text, linked anchor) of each paragraph of the answers block."""
    block = re.search(r"<section id='answers'>(.*?)</section>", page, re.S)
    assert block, "no answers block"
    found = re.findall(r"<p><b>(.*?)\.</b> (.*?) <a href='#(\w+)'>", block.group(1), re.S)
    return [(_text(q), _text(t), a) for q, t, a in found]


def section_text(page: str, anchor: str) -> str:
    m = re.search(rf"<section id='{anchor}'>(.*?)</section>", page, re.S)
    assert m, f"no section {anchor}"
    return _text(m.group(1))


@pytest.fixture(scope="module")
def fixture_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("answers")
    store = build_fixture_store(tmp / "results.duckdb")
    return build_report(store=store, out=tmp / "r.html").read_text(encoding="utf-8")


def test_the_answers_open_the_page(fixture_page: str) -> None:
    """The answers come before the run's metadata and any figure, one paragraph per question
    in the study's order, each linked to a section on the page."""
    start = fixture_page.index("<section id='answers'>")
    assert start < fixture_page.index("What was run") < fixture_page.index("<figure>")
    got = answers(fixture_page)
    asked = [q for q, _, _ in got]
    assert [q for q in asked if q in QUESTIONS] == list(QUESTIONS), asked
    for _, _, anchor in got:
        assert f"<section id='{anchor}'>" in fixture_page


def test_every_number_in_the_answers_is_in_the_section_it_links_to(fixture_page: str) -> None:
    """The answers repeat their sections' figures, never numbers of their own."""
    for question, text, anchor in answers(fixture_page):
        where = section_text(fixture_page, anchor)
        missing = [n for n in NUMBER.findall(text) if n not in where]
        assert not missing, f"{question}: {missing} not in section {anchor}"


def test_health_is_shown_by_who_asked(tmp_path: Path) -> None:
    """At 1 worker x 1 user the users' health is fast and the probe's is not; the report says
    both, with n, and puts the seed's 4 w x 5 u figure beside ours with the cores it had."""
    cells = [
        Cell(users=1, client_ms={"register": 100.0, "health": 1.3}, probe_ms=110.0),
        Cell(
            workers=4,
            users=5,
            server_pids=(100, 101, 102, 103),
            client_ms={"register": 583.0, "health": 151.0},
            probe_ms=181.0,
        ),
    ]
    page = build_report(store=make_store(tmp_path / "s.duckdb", cells), out=tmp_path / "r.html")
    text = page.read_text(encoding="utf-8")
    load = section_text(text, "load")
    assert "the users' health requests took 1.3 ms on average" in load
    assert "the steady probe's 110 ms" in load and "n = 10" in load
    assert "The seed reports 4 w × 5 u blocking health at 13 ms" in load
    assert "users' mean is 151 ms" in load and "probe's 181 ms" in load
    assert "this machine gave the cell 2 cores, its 4 workers could have hashed on 4" in load
    health = section_text(text, "health")
    assert "users' p95 1.3 ms (n = 10), probe's 110 ms (n = 10)" in health


def test_a_cell_beside_foreign_load_is_left_out_of_the_verdict_and_named(tmp_path: Path) -> None:
    """The verdict and the model leave a flagged cell out and say which; the sections that
    keep it flag it where they quote it."""
    cells = [
        Cell(users=5, client_ms={"register": 500.0, "health": 300.0}),
        Cell(
            users=5,
            repeat=2,
            client_ms={"register": 5000.0, "health": 3000.0},
            foreign_cpu_pct=35.0,
        ),
        Cell(hashing="threadpool", users=5, client_ms={"register": 250.0, "health": 4.0}),
    ]
    page = build_report(store=make_store(tmp_path / "s.duckdb", cells), out=tmp_path / "r.html")
    text = page.read_text(encoding="utf-8")
    verdict = section_text(text, "verdict")
    assert "Left out: 1 cell that ran beside another process's load" in verdict
    assert "blocking 1 w × 5 u r2 (35 % foreign CPU)" in verdict
    assert "users' /api/health/ p95 at 5 users" in verdict and "300 ms" in verdict
    assert "3.00 s" not in verdict  # the flagged repeat's health is not in the fix table
    assert "Left out: 1 cell" in section_text(text, "register")
    assert "beside foreign load: 35 % of a core" in section_text(text, "load")


def test_the_doctors_ranking_takes_the_answers_place(tmp_path: Path) -> None:
    """For a user's app the answers are the doctor's ranking: the worst route first."""
    store = build_fixture_store(tmp_path / "d.duckdb", cell_dirs=DOCTOR_DIRS)
    page = build_report(store=store, out=tmp_path / "r.html").read_text(encoding="utf-8")
    got = answers(page)
    assert [(q, a) for q, _, a in got] == [("Which route blocks the loop", "doctor")]
    assert got[0][1].startswith("Worst first: 1. ")


def test_a_number_shown_only_in_a_figure_leads_its_section() -> None:
    """An answer quoting a number its section's text lacks (a figure's point) leads that
    section's paragraphs as "In short: ..."; one whose numbers are all there does not."""
    s = Section(
        "Load",
        "?",
        paragraphs=["health p95 52 ms at 20 users."],
        answers=[Answer("Responsiveness", "health p95 52 ms (from 6.1 ms at 1)")],
    )
    assert with_answers(s) == [
        "In short: health p95 52 ms (from 6.1 ms at 1)",
        "health p95 52 ms at 20 users.",
    ]
    s.answers = [Answer("Responsiveness", "health p95 52 ms")]
    assert with_answers(s) == ["health p95 52 ms at 20 users."]
