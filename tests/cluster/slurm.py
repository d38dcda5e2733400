"""A one-node SLURM cluster on 127.0.0.1 for the tests: Debian's `munged`, `slurmctld` and
`slurmd`, configured for a container (no cgroups, no accounting database), every file in one
temporary directory.

`SlurmCluster(root)` is a context manager: it writes the keys and `slurm.conf`, starts the three
daemons in the foreground (each a child of this process), waits until the node is idle, and on
exit cancels every job, stops the daemons and waits for every `slurmstepd` to end. Clients
(`sbatch`, `squeue`, submitit) find it through `SLURM_CONF`: `cluster.env`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType

import psutil

from runner.processes.proc import free_port, wait_until

DAEMONS = ("munged", "slurmctld", "slurmd")
PACKAGES = ("slurm-wlm", "munge")
PARTITION = "debug"
HOW_TO_INSTALL = "apt-get install slurm-wlm munge (as root) to run the SLURM tests"
# Jobs SLURM ended are listed by `squeue -t all` this long: the launcher's answer without sacct.
MIN_JOB_AGE_S = 300


def missing() -> list[str]:
    """The daemons and clients of the cluster not on PATH."""
    return [name for name in (*DAEMONS, "sbatch", "squeue", "scancel") if not shutil.which(name)]


def install() -> bool:
    """Install the packages with apt-get when root (True when everything is then on PATH)."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *PACKAGES]):
        if subprocess.run(cmd, env=env, capture_output=True, check=False).returncode != 0:
            return False
    return not missing()


def node_line() -> str:
    """This machine's node definition as `slurmd -C` reports it (NodeName=... CPUs=...)."""
    out = subprocess.run(["slurmd", "-C"], capture_output=True, text=True, check=True).stdout
    return out.splitlines()[0].strip()


def slurm_conf(root: Path, node: str, ports: tuple[int, int]) -> str:
    """The cluster's slurm.conf: one node, one partition, state and logs under `root` (pure)."""
    name = node.split()[0].removeprefix("NodeName=")
    return "\n".join(
        [
            "ClusterName=syncblock",
            f"SlurmctldHost={name}(127.0.0.1)",
            "SlurmUser=root",
            "SlurmdUser=root",
            f"SlurmctldPort={ports[0]}",
            f"SlurmdPort={ports[1]}",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={root / 'munge' / 'munge.socket'}",
            f"StateSaveLocation={root / 'ctld'}",
            f"SlurmdSpoolDir={root / 'd'}",
            f"SlurmctldPidFile={root / 'slurmctld.pid'}",
            f"SlurmdPidFile={root / 'slurmd.pid'}",
            f"SlurmctldLogFile={root / 'slurmctld.log'}",
            f"SlurmdLogFile={root / 'slurmd.log'}",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_CPU",
            "MpiDefault=none",
            "SwitchType=switch/none",
            "MailProg=/bin/true",
            "ReturnToService=2",
            "KillWait=10",
            f"MinJobAge={MIN_JOB_AGE_S}",
            "InactiveLimit=0",
            f"{node} NodeAddr=127.0.0.1 State=UNKNOWN",
            f"PartitionName={PARTITION} Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
            "",
        ]
    )


class SlurmCluster:
    """`with SlurmCluster(root) as cluster:` a one-node cluster, idle; `cluster.env` for clients."""

    def __init__(self, root: Path, start_timeout: float = 60.0) -> None:
        self.root = root
        self.start_timeout = start_timeout
        self.conf = root / "slurm.conf"
        self.env = os.environ | {"SLURM_CONF": str(self.conf)}
        self.procs: list[subprocess.Popen[bytes]] = []
        self.start_s: float | None = None  # daemons started -> node idle

    def _spawn(self, name: str, *args: str) -> None:
        log = open(self.root / f"{name}.out", "wb")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen([name, *args], env=self.env, stdout=log, stderr=log)
        log.close()
        self.procs.append(proc)

    def _write_files(self) -> None:
        for sub in ("munge", "ctld", "d"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "munge").chmod(0o700)
        key = self.root / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o600)
        ports = (free_port(), free_port())
        self.conf.write_text(slurm_conf(self.root, node_line(), ports))

    def node_state(self) -> str:
        out = subprocess.run(
            ["sinfo", "-h", "-N", "-o", "%T"], env=self.env, capture_output=True, text=True
        )
        return out.stdout.strip()

    def __enter__(self) -> SlurmCluster:
        self._write_files()
        munge = self.root / "munge"
        t0 = time.monotonic()
        self._spawn(
            "munged", "-F", "--force", f"--socket={munge / 'munge.socket'}",
            f"--key-file={munge / 'munge.key'}", f"--pid-file={munge / 'munged.pid'}",
            f"--log-file={munge / 'munged.log'}", f"--seed-file={munge / 'munged.seed'}",
        )  # fmt: skip
        try:
            wait_until(
                lambda: (munge / "munge.socket").exists(), timeout=self.start_timeout, what="munged"
            )
            self._spawn("slurmctld", "-D", "-f", str(self.conf))
            self._spawn("slurmd", "-D", "-f", str(self.conf))
            wait_until(
                lambda: self.node_state() == "idle" or self._died(),
                timeout=self.start_timeout,
                what="the SLURM node to be idle",
                interval=0.1,
            )
            if self._died():
                raise RuntimeError(f"a SLURM daemon exited: {self.tail_logs()}")
        except BaseException:
            self.stop()
            raise
        self.start_s = time.monotonic() - t0
        return self

    def _died(self) -> bool:
        return any(p.poll() is not None for p in self.procs)

    def tail_logs(self) -> str:
        parts = []
        for name in ("slurmctld.log", "slurmd.log", "munged.out", "slurmctld.out", "slurmd.out"):
            path = self.root / name
            if path.exists():
                parts.append(f"--- {name}\n" + "\n".join(path.read_text().splitlines()[-15:]))
        return "\n".join(parts)

    def jobs(self) -> list[str]:
        """Every job the controller lists, array tasks one a line: `id|state`."""
        out = subprocess.run(
            ["squeue", "-h", "-r", "-t", "all", "-o", "%i|%T"],
            env=self.env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        return out.stdout.split()

    def stepds(self) -> list[psutil.Process]:
        """The job step daemons still running (they outlive slurmd by design)."""
        found = []
        for proc in psutil.process_iter(["name", "cmdline"]):
            if "slurmstepd" in (proc.info["name"] or "") or any(
                "slurmstepd" in part for part in proc.info["cmdline"] or []
            ):
                found.append(proc)
        return found

    def stop(self) -> None:
        """Cancel every job, wait for their steps, stop the daemons (TERM, then KILL)."""
        if self.procs and self.procs[0].poll() is None and len(self.procs) == len(DAEMONS):
            subprocess.run(["scancel", "--full", "-u", "root"], env=self.env, check=False)
            try:
                wait_until(lambda: not self.stepds(), timeout=30, what="job steps", interval=0.2)
            except TimeoutError:
                pass
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for step in self.stepds():  # a step the controller could no longer reach
            try:
                step.kill()
            except psutil.Error:
                pass

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]
