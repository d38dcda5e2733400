"""The runner's side of calibration: one calibration per kind and target, passed to the app."""

from __future__ import annotations

from app import contract
from app.calibrate import ACCEPTED, Calibration
from runner.serve.workcal import calibration_for, server_env, target_ms, work_ms


def test_target_is_s_unless_work_ms_is_given() -> None:
    """Kinds calibrate to the runner's S, or to work.ms when set."""
    assert target_ms(None, 250.0) == 250.0
    assert target_ms(40, 250.0) == 40.0


def test_bcrypt_is_s_itself_and_others_pass_their_cost() -> None:
    """bcrypt needs no search (cost = rounds, ms = S); a kind's cost and target reach the app."""
    cal = calibration_for("bcrypt", 251.0, 12)
    assert (cal.cost, cal.ms, cal.target_ms) == (12, 251.0, None)
    assert server_env(cal) == {contract.WORK_COST_ENV: "12"}
    assert work_ms(cal, 251.0) == 251.0
    other = Calibration("sleep", 250_000, 250.0, 252.0, 3, 1.0, 1)
    env = server_env(other)
    assert env == {contract.WORK_COST_ENV: "250000", contract.WORK_MS_ENV: "250.0"}
    assert work_ms(other, 249.0) == 252.0


def test_calibration_is_done_once_per_kind_and_target() -> None:
    """The same (kind, target, rounds) is measured once per runner process."""
    first = calibration_for("sleep", 30.0, 4)
    assert calibration_for("sleep", 30.0, 4) is first
    assert abs(first.ms / 30.0 - 1) <= ACCEPTED and first.cost > 0  # the code's own bound
