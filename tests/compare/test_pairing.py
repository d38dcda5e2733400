"""Pairing two sweeps' cells by what they measured, and naming the sweeps."""

from __future__ import annotations

from typing import Any

import pytest

from analysis.compare import pairing, refs
from analysis.core.store import ReportError


def cell(**kw: Any) -> dict[str, Any]:
    base = {c: None for c in pairing.measurement_columns()}
    base |= {"scenario": "mixed", "hashing": "blocking", "workers": 1, "users": 2}
    base |= {"status": "ok", "repeat": 1, "cell_id": "x", "git_sha": "aaa"}
    return base | kw


def test_measurement_columns_leave_out_ids_times_and_repeat() -> None:
    """The pairing keys are the cell's parameters: no ids, times, status or repeat."""
    cols = pairing.measurement_columns()
    assert {"scenario", "hashing", "work", "db", "workers", "users", "bcrypt_rounds"} <= set(cols)
    assert {"connections", "balance", "arrival", "rate"} <= set(cols)
    assert not {"sweep_id", "cell_id", "cell_key", "job_num", "status", "repeat"} & set(cols)
    assert "git_sha" in pairing.by_choices()


def test_same_parameters_pair_and_repeats_pool() -> None:
    """A/A: equal parameters pair; the repeats of each side pool into one pair."""
    base = [cell(cell_id="b1"), cell(cell_id="b2", repeat=2), cell(cell_id="b3", users=4)]
    new = [cell(cell_id="n1"), cell(cell_id="n3", users=4), cell(cell_id="n4", status="failed")]
    got = pairing.pair(base, new)
    assert [p.cell_ids for p in got.pairs] == [(["b1", "b2"], ["n1"]), (["b3"], ["n3"])]
    assert [p.label for p in got.pairs] == ["users=2", "users=4"]
    assert "BASE 2 cell(s), repeat 1,2; NEW 1 cell(s), repeat 1" == pairing.repeats(got.pairs[0])
    assert got.base_only == [] and got.new_only == []  # the failed cell is no partner


def test_by_hashing_pairs_across_the_change_and_lists_the_rest() -> None:
    """--by hashing: blocking pairs with threadpool at equal other parameters; a cell with no
    partner is kept in the listing, not dropped."""
    base = [cell(cell_id="b1"), cell(cell_id="b2", workers=2)]
    new = [cell(cell_id="n1", hashing="threadpool"), cell(cell_id="n9", users=9)]
    assert pairing.pair(base, new).pairs == []  # without --by nothing matches
    got = pairing.pair(base, new, by="hashing")
    [p] = got.pairs
    assert p.cell_ids == (["b1"], ["n1"]) and p.label == "hashing blocking→threadpool"
    assert [c["cell_id"] for c in got.base_only] == ["b2"]
    assert [c["cell_id"] for c in got.new_only] == ["n9"]
    assert "workers=2" in pairing.describe(got.base_only[0])


def test_by_a_sweep_parameter_and_an_unknown_one() -> None:
    """--by git_sha pairs on every cell parameter and names the shas; an unknown --by raises."""
    got = pairing.pair([cell(cell_id="b")], [cell(cell_id="n", git_sha="bbb")], by="git_sha")
    assert got.pairs[0].label == "git_sha aaa→bbb"
    with pytest.raises(ValueError, match="--by nope"):
        pairing.pair([], [], by="nope")


def test_sweep_references() -> None:
    """Ids, unique prefixes, latest and latest~N resolve; the rest is one clear line."""
    ids = ["sweep-b-222", "sweep-a-111"]  # newest first
    assert refs.resolve("latest", ids) == "sweep-b-222"
    assert refs.resolve("latest~1", ids) == "sweep-a-111"
    assert refs.resolve("sweep-a", ids) == "sweep-a-111"
    assert refs.resolve("sweep-b-222", ids) == "sweep-b-222"
    for ref, msg in (
        ("sweep", "ambiguous"),
        ("zzz", "unknown sweep id 'zzz'"),
        ("latest~2", "only 2"),
    ):
        with pytest.raises(ReportError, match=msg):
            refs.resolve(ref, ids)


def test_cells_beside_foreign_load_are_set_aside_and_named() -> None:
    """A disturbed cell is left out of its pair, named, and its partner listed as without one;
    quiet_only=False pairs it as any other."""
    base = [cell(cell_id="b1", users=5), cell(cell_id="b2", users=10)]
    new = [cell(cell_id="n1", users=5, foreign_load=True), cell(cell_id="n2", users=10)]
    got = pairing.pair(base, new)
    assert [p.cell_ids for p in got.pairs] == [(["b2"], ["n2"])]
    assert [c["cell_id"] for c in got.disturbed] == ["n1"]
    assert [c["cell_id"] for c in got.base_only] == ["b1"]
    assert len(pairing.pair(base, new, quiet_only=False).pairs) == 2
