"""The interpreter as a dimension of the report: free-threaded ceilings, a matrix row per
(kind, interpreter), the sentence of what free threading changed, and the GIL-back-on flag."""

from __future__ import annotations

from typing import Any

from analysis.core.ceilings import gil_free, interpreter_of, pair
from analysis.sections.verdict.matrix import matrix
from analysis.sections.verdict.matrix_text import gil_flags, interpreter_sentences

S = 250.0
STD = {"python_version": "3.11.7", "free_threaded": False, "gil_enabled": True}
FT = {"python_version": "3.13.5", "free_threaded": True, "gil_enabled": False}
# (work, hashing, interpreter) -> (register rps, health p95 ms)
MEASURED = {
    ("pbkdf2_python", "blocking", "std"): (4.0, 245.0),
    ("pbkdf2_python", "threadpool", "std"): (4.1, 300.0),
    ("pbkdf2_python", "processpool", "std"): (7.6, 8.0),
    ("pbkdf2_python", "blocking", "ft"): (4.0, 250.0),
    ("pbkdf2_python", "threadpool", "ft"): (7.7, 9.0),
    ("pbkdf2_python", "processpool", "ft"): (7.5, 8.0),
}


def _rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cells, summary = [], []
    for i, ((work, hashing, interp), (rps, health)) in enumerate(MEASURED.items()):
        cid = f"c{i}"
        facts = STD if interp == "std" else FT
        cell = {
            "cell_id": cid, "status": "ok", "scenario": "mixed", "work": work,
            "hashing": hashing, "users": 8, "workers": 1, "cpu_count": 2, "hash_ms": S,
            "work_ms": S, "pool_size": None, "thread_limit": 40,
        } | facts  # fmt: skip
        cells.append(cell | {"interpreter": interpreter_of(cell)})
        summary.append({"cell_id": cid, "endpoint": "/api/users/register/", "rps": rps})
        summary.append({"cell_id": cid, "endpoint": "/api/health/", "p95_ms": health})
    return cells, summary


def test_free_threaded_gil_holding_calls_in_threads_use_every_core() -> None:
    """With the GIL off, pbkdf2_python and gil_c in threads are bounded by cores, loop free;
    blocking and processpool keep their rules."""
    for kind in ("pbkdf2_python", "gil_c"):
        p = pair(kind, "threadpool", workers=1, cores=2, free_threaded=True)
        assert (p.executors, p.loop) == (2, "free")
        assert pair(kind, "threadpool", workers=1, cores=2).executors == 1
    assert pair("pbkdf2_python", "blocking", workers=1, cores=2, free_threaded=True).executors == 1
    assert pair("sleep", "threadpool", workers=1, cores=2, free_threaded=True).executors == 40


def test_interpreter_labels_tell_builds_and_a_gil_back_on_apart() -> None:
    """'3.11.7', '3.13.5t', '3.13.5t GIL on'; None before the columns existed."""
    assert interpreter_of(STD) == "3.11.7"
    assert interpreter_of(FT) == "3.13.5t"
    assert interpreter_of(FT | {"gil_enabled": True}) == "3.13.5t GIL on"
    assert interpreter_of({}) is None
    assert gil_free(FT) and not gil_free(STD) and not gil_free(FT | {"gil_enabled": None})


def test_matrix_has_a_row_per_kind_and_interpreter_with_its_own_ceiling() -> None:
    """Two interpreters: six matrix cells; threadpool's ceiling is 1/S with the GIL and
    2/S (cores) free-threaded; rows name the interpreter, GIL ones first."""
    cells, summary = _rows()
    mc = matrix(cells, summary)
    assert [m.row for m in mc][:3] == ["pbkdf2_python · 3.11.7"] * 3
    by = {(m.interpreter, m.hashing): m for m in mc}
    assert by[("3.11.7", "threadpool")].ceiling_rps == 1000 / S
    assert by[("3.13.5t", "threadpool")].ceiling_rps == 2 * 1000 / S
    assert by[("3.13.5t", "threadpool")].loop == "free"


def test_one_interpreter_keeps_the_old_rows() -> None:
    """A sweep on one interpreter: rows are the kinds alone, as before."""
    cells, summary = _rows()
    std = [c for c in cells if c["free_threaded"] is False]
    assert {m.row for m in matrix(std, summary)} == {"pbkdf2_python"}


def test_the_sentence_says_what_free_threading_changed_with_numbers() -> None:
    """One sentence for the kind: threadpool's throughput in 1/S and health p95 on each, and
    the fix that works moving from processpool to threadpool."""
    cells, summary = _rows()
    (sentence,) = interpreter_sentences(matrix(cells, summary))
    assert sentence.startswith("Free threading changed pbkdf2_python (Python 3.13.5t")
    assert "threadpool 1.02/S to 1.93/S" in sentence
    assert "300 ms to 9" in sentence
    assert "processpool on 3.11.7, threadpool on 3.13.5t" in sentence


def test_a_free_threaded_cell_with_its_gil_on_is_flagged_with_the_module() -> None:
    """gil_enabled on a free-threaded build: one warning naming the module CPython named, and
    PYTHON_GIL=1 counted; nothing for GIL-free or standard cells."""
    on = FT | {"gil_enabled": True, "gil_enabled_by": "greenlet._greenlet"}
    forced = FT | {"gil_enabled": True, "python_gil": 1}
    (flag,) = gil_flags([on, forced, FT, STD])
    assert "2 cells" in flag and "'greenlet._greenlet'" in flag and "PYTHON_GIL=1" in flag
    assert gil_flags([FT, STD]) == []


def test_cells_from_before_the_columns_take_the_one_interpreter_known() -> None:
    """A reused old cell (no version) joins the sweep's one interpreter; with two known, it
    stays unlabelled; the fix table's interpreter is the GIL one."""
    from analysis.core.ceilings import first_interpreter
    from analysis.core.store import labelled

    assert [r["interpreter"] for r in labelled([{}, STD])] == ["3.11.7", "3.11.7"]
    assert [r["interpreter"] for r in labelled([{}, STD, FT])] == [None, "3.11.7", "3.13.5t"]
    rows = labelled([FT, STD])
    assert first_interpreter(rows) == "3.11.7"
