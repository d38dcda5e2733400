"""The sweep's wait for its SLURM jobs, without a cluster: squeue's answers are given, every wait
ends (a result, or the job seen ended and its grace over), and the lost jobs are named."""

from __future__ import annotations

from pathlib import Path

from omegaconf import OmegaConf

from hydra_plugins.syncblock_launcher.slurm import PLUGIN_TARGET, TARGET, use_ours
from runner.cluster.lost import reason
from runner.cluster.squeue import Entry, array_ids, parse
from runner.cluster.wait import Lost, wait_for

FAST = {"poll_s": 0.01, "squeue_every_s": 0.01, "result_grace_s": 0.05}


def test_squeue_lines_become_entries_by_array_task() -> None:
    """`%i|%A|%T|%N` lines: array tasks by `<array>_<task>`, with their own id and node."""
    text = "7_0|8|CANCELLED|vm\n7_1|7|RUNNING|vm\n9|9|PENDING|\ngarbage\n"
    assert parse(text) == {
        "7_0": Entry("8", "CANCELLED", "vm"),
        "7_1": Entry("7", "RUNNING", "vm"),
        "9": Entry("9", "PENDING", ""),
    }
    assert array_ids(["7_0", "7_1", "9"]) == ["7", "9"]


def test_a_job_with_its_result_is_not_lost_and_one_ended_without_is(tmp_path: Path) -> None:
    """7_0 wrote its result; 7_1 was CANCELLED without one: only 7_1 is lost, with its entry."""
    done, missing = tmp_path / "a.pkl", tmp_path / "b.pkl"
    done.touch()
    answer = {"7_1": Entry("8", "CANCELLED", "vm")}
    lost = wait_for([("7_0", done), ("7_1", missing)], states=lambda ids: answer, **FAST)
    assert lost == [Lost("7_1", "CANCELLED", Entry("8", "CANCELLED", "vm"))]


def test_a_job_no_longer_listed_is_lost_as_gone(tmp_path: Path) -> None:
    """Listed RUNNING once, then absent from squeue (past MinJobAge): lost as GONE."""
    answers = iter([{"3": Entry("3", "RUNNING", "vm")}])
    lost = wait_for([("3", tmp_path / "r.pkl")], states=lambda ids: next(answers, {}), **FAST)
    assert [(x.job_id, x.state, x.entry.node) for x in lost] == [("3", "GONE", "vm")]


def test_a_result_written_in_the_grace_after_the_end_counts(tmp_path: Path) -> None:
    """COMPLETED before its result is visible (a shared filesystem's delay): not lost."""
    result = tmp_path / "r.pkl"
    calls = []

    def states(ids: list[str]) -> dict[str, Entry]:
        calls.append(ids)
        if len(calls) == 2:
            result.touch()
        return {"3": Entry("3", "COMPLETED", "vm")}

    assert wait_for([("3", result)], states=states, **FAST | {"result_grace_s": 5.0}) == []


def test_squeue_unanswered_past_its_bound_ends_the_wait(tmp_path: Path) -> None:
    """squeue failing every time: the wait ends after squeue_down_s, the job lost."""
    lost = wait_for([("3", tmp_path / "r.pkl")], states=lambda ids: None, squeue_down_s=0.1, **FAST)
    assert [x.state for x in lost] == ["SQUEUE_DOWN"]


def test_the_reason_names_the_job_its_state_and_node() -> None:
    lost = Lost("7_0", "TIMEOUT", Entry("8", "TIMEOUT", "vm"))
    assert reason(lost) == "SLURM job 7_0 ended TIMEOUT on vm before its cell was stored"


def test_submitit_slurm_is_started_as_syncblock_s_launcher_and_others_are_left() -> None:
    """The sweeper swaps the plugin's SLURM launcher for ours, and only that one."""
    cfg = OmegaConf.create({"hydra": {"launcher": {"_target_": PLUGIN_TARGET, "partition": "p"}}})
    OmegaConf.set_readonly(cfg, True)
    use_ours(cfg)
    assert cfg.hydra.launcher._target_ == TARGET and cfg.hydra.launcher.partition == "p"
    local = OmegaConf.create({"hydra": {"launcher": {"_target_": "x.LocalLauncher"}}})
    use_ours(local)
    assert local.hydra.launcher._target_ == "x.LocalLauncher"
