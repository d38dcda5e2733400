"""Sweeps submitted through a real one-node SLURM cluster (hydra/launcher=submitit_slurm):
every cell a SLURM job, the store and sweep dir on the (local, shared) path; and the ways a job
ends early: scancel, its time limit, SIGTERM to the sweep. Real slurmctld, slurmd, munged,
runner, uvicorn and locust on 127.0.0.1."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from runner.processes.proc import wait_until
from tests.cluster.conftest import need_slurm
from tests.cluster.slurm import PARTITION, SlurmCluster
from tests.runner.helpers import ENV_KEYS, REPO, default_signals, query, under_load

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

QUICK = ["duration=5", "warmup=1", "bcrypt_rounds=4", "baseline=false", "compare.hashing=[]"]


def args(store: Path, sweep_dir: Path, *extra: str, parallel: int = 1) -> list[str]:
    return [
        sys.executable, "-m", "runner", "-m", "hydra/launcher=submitit_slurm",
        f"hydra.launcher.partition={PARTITION}", f"hydra.launcher.array_parallelism={parallel}",
        "hydra.launcher.timeout_min=10", f"store={store}", f"hydra.sweep.dir={sweep_dir}",
        *QUICK, *extra,
    ]  # fmt: skip


def run(slurm: SlurmCluster, cmd: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, cwd=REPO, env=slurm.env, capture_output=True, text=True, timeout=timeout, check=False
    )


def cell_pids(root: Path) -> list[int]:
    """Live processes of a cell under `root`: its servers and locust (their log dirs say so)."""
    found = []
    for proc in psutil.process_iter():
        try:
            env = proc.environ()
        except psutil.Error:
            continue
        if any(env.get(k, "").startswith(str(root)) for k in ENV_KEYS):
            found.append(proc.pid)
    return found


def alive(pids: list[int]) -> list[int]:
    return [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]


def array_task(slurm: SlurmCluster, task: int) -> str:
    """The job id (`<array>_<task>`) of a running array task."""
    for line in slurm.jobs():
        job_id, state = line.split("|")
        if job_id.endswith(f"_{task}") and state == "RUNNING":
            return job_id
    raise AssertionError(f"no running array task {task}: {slurm.jobs()}")


def test_the_cluster_is_idle_in_seconds_and_leaves_no_process() -> None:
    """The fixture's cluster: the node idle within 30 s of start, and after it stops none of
    its daemons (by pid) and no job step is left."""
    need_slurm()
    with tempfile.TemporaryDirectory(prefix="slurm-") as root:
        with SlurmCluster(Path(root)) as cluster:
            assert cluster.start_s is not None and cluster.start_s < 30
            assert cluster.node_state() == "idle"
            pids = cluster.pids
            print(f"SLURM cluster idle {cluster.start_s:.2f} s after start, daemons {pids}")
        assert alive(pids) == [] and cluster.stepds() == []


@pytest.mark.timeout(900)
@pytest.mark.parametrize("parallel", [1, 2])
def test_a_sweep_through_slurm_stores_each_cell_once_with_its_job(
    slurm: SlurmCluster, tmp_path: Path, parallel: int
) -> None:
    """workers=1,2 users=1,5 as 4 SLURM array tasks: 4 ok cells, each stored once with the
    SLURM_JOB_ID it ran under, one report; with array_parallelism=1 no cell overlapped
    another, with 2 some did (and are flagged)."""
    store, sweep_dir = tmp_path / "r.duckdb", tmp_path / "sweep"
    t0 = time.monotonic()
    done = run(slurm, args(store, sweep_dir, "workers=1,2", "users=1,5", parallel=parallel), 800)
    wall = time.monotonic() - t0
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    cells = query(
        store,
        "SELECT job_num, status, slurm_job_id, overlapped_on_host, cell_key FROM cells "
        "ORDER BY job_num",
    )
    print(f"array_parallelism={parallel}: sweep wall {wall:.1f} s; (job, status, SLURM_JOB_ID, "
          f"overlapped) {[c[:4] for c in cells]}")  # fmt: skip
    assert [c[:2] for c in cells] == [(0, "ok"), (1, "ok"), (2, "ok"), (3, "ok")], cells
    assert len({c[4] for c in cells}) == 4  # each cell stored once
    job_ids = [c[2] for c in cells]
    assert all(job_ids) and len(set(job_ids)) == 4, job_ids
    assert done.stdout.count("report written to") == 1
    assert (tmp_path / "report.html").stat().st_size > 0
    overlapped = [c[0] for c in cells if c[3]]
    if parallel == 1:
        assert overlapped == []
    else:
        assert len(overlapped) >= 2, cells
    script = next((sweep_dir / ".submitit").rglob("*_submission.sh"))
    print(f"--- {script.name}\n{script.read_text()}")


@pytest.mark.timeout(900)
def test_scancel_of_a_running_cell_stores_it_failed_and_a_resume_runs_only_it(
    slurm: SlurmCluster, tmp_path: Path
) -> None:
    """scancel of array task 0 while locust loads its server: the sweep goes on, the cell is
    stored failed with the job's state, the other ok; no server or locust process of the cell
    is left (by pid); the same command again runs only the cancelled cell."""
    store = tmp_path / "r.duckdb"
    cmd = args(store, tmp_path / "a", "users=1,2", "duration=30")
    runner = subprocess.Popen(cmd, cwd=REPO, env=slurm.env, text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, preexec_fn=default_signals)  # fmt: skip
    try:
        wait_until(lambda: under_load(tmp_path / "a" / "0"), timeout=180, what="cell 0 loaded")
        pids = cell_pids(tmp_path / "a" / "0")
        job = array_task(slurm, 0)
        t0 = time.monotonic()
        subprocess.run(["scancel", job], env=slurm.env, check=True)
        wait_until(lambda: not alive(pids), timeout=60, what="the cell's processes to end")
        print(f"scancel {job}: the cell's {len(pids)} processes {pids} gone after "
              f"{time.monotonic() - t0:.1f} s")  # fmt: skip
        out, err = runner.communicate(timeout=600)
    finally:
        if runner.poll() is None:
            runner.kill()
    assert runner.returncode == 1, err[-3000:]
    cells = query(store, "SELECT job_num, status, error FROM cells ORDER BY job_num")
    print(f"stored after scancel: {cells}")
    assert [c[:2] for c in cells] == [(0, "failed"), (1, "ok")], cells
    assert f"SLURM job {job} ended CANCELLED" in cells[0][2]
    assert out.count("report written to") == 1
    assert "1 of 2 cells failed" in out + err
    assert alive(pids) == []

    again = run(slurm, args(store, tmp_path / "b", "users=1,2", "duration=30"), 600)
    assert again.returncode == 0, again.stderr[-3000:]
    ran = query(store, "SELECT job_num, status FROM cells WHERE dir LIKE ?", [f"{tmp_path / 'b'}%"])
    print(f"resume after scancel ran: {ran}")
    assert ran == [(0, "ok")]


@pytest.mark.timeout(1200)
def test_a_job_past_its_time_limit_stores_its_cell_failed_and_a_resume_runs_only_it(
    slurm: SlurmCluster, tmp_path: Path
) -> None:
    """timeout_min=1, a 5 s cell then a 100 s one, no early warning signal: SLURM ends the
    second job at its limit (TIMEOUT), its cell is stored failed with that reason, the first ok,
    no process of it is left (by pid), and the sweep ends with its report. The same sweep again
    with room for the long cell (timeout_min=4) runs only that one."""
    store = tmp_path / "r.duckdb"

    def timed(sweep_dir: Path, minutes: int) -> list[str]:
        cmd = args(store, sweep_dir, "duration=5,100", f"hydra.launcher.timeout_min={minutes}",
                   "hydra.launcher.signal_delay_s=0")  # fmt: skip
        return [a for a in cmd if a not in ("duration=5", "hydra.launcher.timeout_min=10")]

    runner = subprocess.Popen(timed(tmp_path / "a", 1), cwd=REPO, env=slurm.env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              preexec_fn=default_signals)  # fmt: skip
    t0 = time.monotonic()
    pids: list[int] = []
    try:
        wait_until(lambda: under_load(tmp_path / "a" / "1"), timeout=240, what="cell 1 loaded")
        pids = cell_pids(tmp_path / "a" / "1")
        out, err = runner.communicate(timeout=600)
    finally:
        if runner.poll() is None:
            runner.kill()
    cells = query(store, "SELECT job_num, status, error FROM cells ORDER BY job_num")
    print(f"timeout: sweep ended after {time.monotonic() - t0:.1f} s, stored {cells}, "
          f"the cell's pids {pids} alive: {alive(pids)}")  # fmt: skip
    assert runner.returncode == 1, err[-3000:]
    assert [c[:2] for c in cells] == [(0, "ok"), (1, "failed")], cells
    assert "ended TIMEOUT" in cells[1][2]
    assert out.count("report written to") == 1
    assert alive(pids) == []

    again = run(slurm, timed(tmp_path / "b", 4), 900)
    assert again.returncode == 0, again.stderr[-3000:]
    ran = query(store, "SELECT job_num, status FROM cells WHERE dir LIKE ?", [f"{tmp_path / 'b'}%"])
    print(f"resume after the time limit ran: {ran}")
    assert ran == [(1, "ok")]


@pytest.mark.timeout(900)
def test_sigterm_to_the_sweep_cancels_its_jobs_and_a_resume_runs_them(
    slurm: SlurmCluster, tmp_path: Path
) -> None:
    """SIGTERM to the submitting process while its first job loads: one line saying the jobs
    were cancelled, exit 143, nothing stored, no process of the cell left (by pid), no job left
    in the queue; the same command again runs both cells."""
    store = tmp_path / "r.duckdb"
    cmd = args(store, tmp_path / "a", "users=1,2", "duration=30")
    runner = subprocess.Popen(cmd, cwd=REPO, env=slurm.env, text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, preexec_fn=default_signals)  # fmt: skip
    try:
        wait_until(lambda: under_load(tmp_path / "a" / "0"), timeout=180, what="cell 0 loaded")
        pids = cell_pids(tmp_path / "a" / "0")
        array = array_task(slurm, 0).split("_")[0]
        runner.send_signal(signal.SIGTERM)
        _, err = runner.communicate(timeout=120)
    finally:
        if runner.poll() is None:
            runner.kill()
    print(f"SIGTERM: exit {runner.returncode}; {err.strip().splitlines()[-2:]}")
    assert runner.returncode == 128 + signal.SIGTERM, err[-3000:]
    assert "cancelled the sweep's SLURM jobs" in err
    wait_until(lambda: not alive(pids), timeout=60, what="the cell's processes to end")
    wait_until(
        lambda: (
            {line.split("|")[1] for line in slurm.jobs() if line.startswith(f"{array}_")}
            == {"CANCELLED"}
        ),
        timeout=60,
        what="every job cancelled",
    )
    assert query(store, "SELECT count(*) FROM cells") == [(0,)]

    again = run(slurm, args(store, tmp_path / "b", "users=1,2", "duration=30"), 600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert query(store, "SELECT job_num, status FROM cells ORDER BY 1") == [(0, "ok"), (1, "ok")]
