"""`python -m analysis compare` on hand-made stores: bad input is one line and exit 2; two
sweeps give a table, the unpaired cells, a page, and exit 1 on a regression when asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.cli import main
from tests.analysis.handmade import Cell, make_store


def _two_sweeps(tmp_path: Path, new_register_ms: float = 100.0) -> Path:
    cells = [
        Cell(sweep_id="s1", requests=40),
        Cell(sweep_id="s1", requests=40, users=4),
        Cell(
            sweep_id="s2",
            hashing="threadpool",
            requests=40,
            client_ms={"register": new_register_ms, "health": 50.0},
        ),
    ]
    return make_store(tmp_path / "s.duckdb", cells, sweeps=("s1", "s2"))


@pytest.mark.parametrize(
    ("refs", "said"),
    [
        (["zzz", "latest"], "unknown sweep id 'zzz'"),
        (["s", "latest"], "ambiguous sweep id 's'"),
        (["latest~5", "latest"], "latest~5"),
        (["s1", "s2"], "no cells of s1 and s2 measured the same parameters"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], refs: list[str], said: str
) -> None:
    """Unknown, ambiguous or out-of-range sweeps, or nothing to pair: one line, exit 2."""
    store = _two_sweeps(tmp_path)
    assert main(["compare", *refs, "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and said in err and "Traceback" not in err
    assert not list(tmp_path.glob("compare-*.html"))


def test_no_store_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing store: one line naming it, exit 2."""
    assert main(["compare", "a", "b", "--store", str(tmp_path / "nope.duckdb")]) == 2
    assert "nope.duckdb" in capsys.readouterr().err


def test_compare_by_hashing_writes_table_and_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Equal constant times: every metric indistinguishable, exit 0 even with --fail-on; the
    4-user cell without a partner is listed; the page holds the table and one figure a
    metric."""
    store = _two_sweeps(tmp_path)
    args = ["compare", "s1", "latest", "--by", "hashing", "--store", str(store)]
    assert main([*args, "--fail-on", "regression"]) == 0
    out = capsys.readouterr().out
    assert "pair hashing blocking→threadpool: BASE 1 cell(s), repeat 1" in out
    assert "register p95" in out and "loop lag p99" in out and "indistinguishable" in out
    assert "without a partner in BASE: scenario=mixed hashing=blocking workers=1 users=4" in out
    page = (tmp_path / "compare-s1-s2.html").read_text()
    assert "s1 → s2" in page and "Cells without a partner" in page
    assert page.count('class="plotly-graph-div"') >= 5 and "border-collapse" in page


def test_a_regression_fails_with_its_name_last(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Registrations 3x slower in NEW: worse beyond noise; --fail-on regression exits 1 and
    the last line names the worst metric."""
    store = _two_sweeps(tmp_path, new_register_ms=300.0)
    args = ["compare", "s1", "s2", "--by", "hashing", "--store", str(store)]
    assert main(args) == 0
    capsys.readouterr()
    assert main([*args, "--fail-on", "regression"]) == 1
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("regression: register") and "×3" in last


def test_a_faster_machine_is_put_back_on_base_speed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A/A where NEW's cell timed its own hash 20 % faster and registered 20 % faster: the first
    line names the drift and the registrations are indistinguishable; --no-drift judges them
    raw and calls them better."""
    cells = [
        Cell(sweep_id="s1", requests=40),
        Cell(sweep_id="s2", requests=40, hash_ms=80.0, client_ms={"register": 80.0}),
    ]
    store = make_store(tmp_path / "s.duckdb", cells, sweeps=("s1", "s2"))
    args = ["compare", "s1", "s2", "--store", str(store)]

    def register_mean(out: str) -> str:
        return next(line for line in out.splitlines() if "register mean" in line)

    assert main(args) == 0
    out = capsys.readouterr().out
    assert "machine speed: the cells' own bcrypt cost 12 took ×0.8 in NEW" in out
    assert "indistinguishable" in register_mean(out)
    assert main([*args, "--no-drift"]) == 0
    out = capsys.readouterr().out
    assert "machine speed: not corrected (--no-drift)" in out
    assert "better" in register_mean(out)
