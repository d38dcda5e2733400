"""The fix matrix: cells at the comparison load, the pair's ceiling, works/fails sentences."""

from __future__ import annotations

from typing import Any

import pytest

from analysis.sections.verdict import heatmap, table
from analysis.sections.verdict.matrix import matrix, works_and_fails
from analysis.sections.verdict.matrix_text import sentences

S = 250.0
# (work, hashing) -> (register rps, health p95 ms, lag p99 ms): shaped like the physics.
MEASURED = {
    ("bcrypt", "blocking"): (4.0, 240.0, 250.0),
    ("bcrypt", "threadpool"): (7.8, 6.0, 3.0),
    ("bcrypt", "processpool"): (7.7, 7.0, 3.0),
    ("pbkdf2_python", "blocking"): (4.0, 245.0, 250.0),
    ("pbkdf2_python", "threadpool"): (4.1, 30.0, 12.0),
    ("pbkdf2_python", "processpool"): (7.6, 8.0, 3.0),
    ("gil_c", "blocking"): (4.0, 250.0, 250.0),
    ("gil_c", "threadpool"): (4.0, 240.0, 240.0),
    ("gil_c", "processpool"): (7.6, 9.0, 4.0),
    ("sleep", "blocking"): (4.0, 250.0, 250.0),
    ("sleep", "threadpool"): (31.0, 4.0, 2.0),
    ("sleep", "processpool"): (7.9, 5.0, 2.0),
}


def _rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cells, summary = [], []
    for i, ((work, hashing), (rps, health, lag)) in enumerate(MEASURED.items()):
        cid = f"c{i}"
        cells.append(
            {
                "cell_id": cid,
                "status": "ok",
                "scenario": "mixed",
                "work": work,
                "hashing": hashing,
                "users": 8,
                "workers": 1,
                "cpu_count": 2,
                "hash_ms": S,
                "work_ms": S * 1.04,
                "pool_size": None,
                "thread_limit": 40,
            }
        )
        reg = {"cell_id": cid, "endpoint": "/api/users/register/", "rps": rps}
        summary.append(reg | {"loop_lag_p99_ms": lag, "p95_ms": 2 * S})
        summary.append({"cell_id": cid, "endpoint": "/api/health/", "p95_ms": health, "rps": 1.0})
    return cells, summary


def test_matrix_uses_each_pairs_ceiling() -> None:
    """Fractions are of min(users, c)/S with S the kind's own time (bcrypt's: the report's one
    S): sleep under threadpool has c = 40 (ceiling 8/S), pbkdf2_python under threadpool c = 1."""
    cells, summary = _rows()
    m = {(c.work, c.hashing): c for c in matrix(cells, summary)}
    assert len(m) == len(MEASURED)
    s = S * 1.04 / 1000
    assert m[("sleep", "threadpool")].ceiling_rps == pytest.approx(8 / s)
    assert m[("pbkdf2_python", "threadpool")].ceiling_rps == pytest.approx(1 / s)
    assert m[("bcrypt", "threadpool")].ceiling_rps == pytest.approx(2 / (S / 1000))
    assert m[("gil_c", "threadpool")].loop == "starved"
    assert m[("bcrypt", "threadpool")].calibration_error == pytest.approx(0.0)
    assert m[("sleep", "threadpool")].calibration_error == pytest.approx(0.04)
    assert m[("gil_c", "threadpool")].health_p95_ms == 240.0


def test_works_and_fails_pick_the_lesson_of_each_kind() -> None:
    """bcrypt: a pool works, blocking fails; pbkdf2_python and gil_c: processpool works,
    threadpool fails; sleep: threadpool works, blocking fails."""
    cells, summary = _rows()
    mc = matrix(cells, summary)
    picks = {}
    for kind in ("bcrypt", "pbkdf2_python", "gil_c", "sleep"):
        good, bad = works_and_fails([c for c in mc if c.work == kind])
        assert good is not None and bad is not None
        picks[kind] = (good.hashing, bad.hashing)
    assert picks["bcrypt"] == ("threadpool", "blocking")
    assert picks["pbkdf2_python"] == ("processpool", "threadpool")
    assert picks["gil_c"] == ("processpool", "threadpool")
    assert picks["sleep"][0] == "threadpool"
    assert picks["sleep"][1] in ("blocking", "processpool")


def test_sentences_state_the_numbers() -> None:
    """One sentence per kind, with throughput in 1/S and health p95 for every strategy."""
    cells, summary = _rows()
    out = sentences(matrix(cells, summary))
    assert len(out) == 4
    gil = next(s for s in out if s.startswith("gil_c"))
    assert "processpool works" in gil and "threadpool fails" in gil
    assert "240 ms" in gil
    slp = next(s for s in out if s.startswith("sleep"))
    assert "threadpool 8.1/S" in slp  # 31/s x 0.26 s


def test_figures_build() -> None:
    """The heatmap has a row per kind and a column per strategy; the table a row per pair."""
    cells, summary = _rows()
    mc = matrix(cells, summary)
    hm, tb = heatmap(mc), table(mc)
    assert hm is not None and tb is not None
    assert list(hm.data[0].y) == ["bcrypt", "pbkdf2_python", "gil_c", "sleep"]
    assert list(hm.data[0].x) == ["blocking", "threadpool", "processpool"]
    assert len(tb.data[0].cells.values[0]) == len(MEASURED)
    assert heatmap([]) is None and matrix([], []) == []
