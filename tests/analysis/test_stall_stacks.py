"""The stalls section: ranking stall stacks and the section's text (pure); a section about an
app the cells did not serve says it does not apply."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from analysis.core.section import Section, applies, not_applicable
from analysis.sections.stalls import figures_and_text
from analysis.sections.stalls.stacks import (
    caller_of,
    function_of,
    label_of,
    rank,
    sentence,
    trimmed,
)

LOOP = ("uvicorn.main:run:1", "asyncio.runners:run:2")
HASH = (*LOOP, "app.routes:register:40", "app.offload:Offload.hash:80", "app.passwords:hash:17")
DB = (*LOOP, "app.routes:register:44", "app.crud:create_user:12")


def _row(stack: tuple[str, ...], ms: float, **kw: Any) -> dict[str, Any]:
    return {
        "hashing": "blocking",
        "work": "bcrypt",
        "server_app": "app.main:app",
        "source": "watchdog",
        "duration_ms": ms,
        "stack": list(stack),
        "late": False,
    } | kw


def test_rank_orders_stacks_by_total_time_per_strategy() -> None:
    rows = [_row(HASH, 200), _row(DB, 30), _row(HASH, 190), _row(DB, 25, hashing="threadpool")]
    blocking, threadpool = rank(rows)
    assert blocking.name == "blocking" and threadpool.name == "threadpool"
    assert [s.stack for s in blocking.stacks] == [HASH, DB]
    assert blocking.stacks[0].total_ms == 390 and blocking.stacks[0].stalls == 2
    assert blocking.total_ms == 420 and blocking.stalls == 3


def test_sentence_names_the_leaf_its_share_and_its_caller() -> None:
    (g,) = rank([_row(HASH, 900), _row(DB, 100)])
    text = sentence(g)
    assert "90 %" in text and "1.00 s" in text and "(2 stalls)" in text
    assert "`app.passwords:hash:17`" in text and "called from `app.offload:Offload.hash:80`" in text
    assert "entered at `app.routes:register:40`" in text


def test_frames_helpers() -> None:
    assert function_of("app.passwords:hash_password:17") == "app.passwords:hash_password"
    assert caller_of(HASH) == "app.offload:Offload.hash:80"
    cut = trimmed(rank([_row(HASH, 1), _row(DB, 1)])[0].stacks)
    assert cut[0].stack[0] == "app.routes:register:40"  # the app's first frame on top
    assert cut[0].hidden == LOOP  # the server's and the loop's frames, for the hover


def test_a_stack_starts_at_the_app_and_names_it() -> None:
    """Framework frames above the app's code are cut, and a stack whose innermost frame is the
    framework's is named by the app's deepest frame first."""
    mw = (*LOOP, "starlette.middleware.errors:ServerErrorMiddleware.__call__:9")
    handler = (*mw, "app.routes:health:3", "starlette.responses:JSONResponse.render:5")
    (only,) = trimmed(rank([_row(handler, 10)])[0].stacks)
    assert only.stack[0] == "app.routes:health:3" and len(only.hidden) == 3
    assert label_of(handler) == "app.routes:health → starlette.responses:JSONResponse.render"
    assert label_of(HASH) == "app.passwords:hash"
    (loop_only,) = trimmed(rank([_row(LOOP, 10)])[0].stacks)
    assert loop_only.stack == ("asyncio.runners:run:2",)  # all framework: its innermost frame


def test_late_captures_are_said_and_the_sampler_named() -> None:
    """A stack captured after its stall ended is said to be late, naming the py-spy sampler."""
    _, text = figures_and_text([_row(HASH, 300, late=True, work="gil_c", hashing="threadpool")])
    assert any("captured late" in p and "stalls.sampler=pyspy" in p for p in text)
    _, quiet = figures_and_text([_row(HASH, 300)])
    assert not any("captured late" in p for p in quiet)


def test_no_capture_and_no_stall() -> None:
    """A stall without a stack still gets figures; no stall at all gets one sentence and none."""
    figs, text = figures_and_text([_row((), 120, late=True)])
    assert len(figs) == 2 and any("none of the" in p for p in text)
    figs, text = figures_and_text([])
    assert figs == [] and len(text) == 1
    assert text[0].startswith("No stall was recorded") and "`stalls.stall_ms`" in text[0]


def test_study_sections_do_not_apply_to_a_users_app() -> None:
    """Study-only sections are named once, as not applying, when no cell served the study's
    app; a section about any app, or a sweep that also served ours, keeps its text."""
    mine, both = ["mine.api:app"], ["app.main:app", "mine.api:app"]
    assert applies("any", mine) and applies("study", both) and applies("study", [])
    assert not applies("study", mine)
    left = [(Section("R", "?", [(go.Figure(), "c")], ["x"]), "study"), (Section("Q", "?"), "study")]
    s = not_applicable(left, mine)  # type: ignore[arg-type]
    assert (
        len(s.paragraphs) == 1 and "Does not apply: \u201cR\u201d, \u201cQ\u201d" in s.paragraphs[0]
    )
    assert "`mine.api:app`" in s.paragraphs[0] and s.figures == [] and s.table is None
    assert applies("user", both) and not applies("user", ["app.main:app"])


def test_a_stall_in_the_loops_own_code_is_explained() -> None:
    (g,) = rank([_row(LOOP, 60, hashing="threadpool")])
    assert "event loop's own code" in sentence(g) and "waiting for a core" in sentence(g)
