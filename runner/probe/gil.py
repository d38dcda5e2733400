"""What the server's processes said about their interpreter, read after the cell.

Each server process writes `interp-<pid>.json` at start-up, after the app imported
(app/interpreter.py). On a free-threaded build, CPython turns the GIL back on when it imports
an extension module that has not declared it safe without it, and says so on stderr (the
server's log) with a RuntimeWarning naming the module: that name is `gil_enabled_by`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app import contract

# CPython (Python/import.c): "The global interpreter lock (GIL) has been enabled to load
# module 'greenlet._greenlet', which has not declared that it can run safely without the GIL."
_REENABLED = re.compile(r"GIL\) has been enabled to load module '([^']+)'")


def reenabled_by(log_text: str) -> list[str]:
    """The modules CPython named when it turned the GIL back on, in order, once each (pure)."""
    return list(dict.fromkeys(_REENABLED.findall(log_text)))


def observed(records: Sequence[dict[str, Any]], log_text: str) -> dict[str, Any]:
    """The `cells` columns the server's own records give (pure): its version and build, and
    whether the GIL was on in any of its processes. Empty without records (no server ran)."""
    if not records:
        return {}
    modules = reenabled_by(log_text)
    return {
        "python_version": records[0].get("python_version"),
        "free_threaded": any(bool(r.get("free_threaded")) for r in records),
        "gil_enabled": any(bool(r.get("gil_enabled", True)) for r in records),
        "gil_enabled_by": ", ".join(modules) if modules else None,
    }


def read(cell_dir: Path) -> dict[str, Any]:
    """`observed` of a cell directory's server records and log."""
    records = []
    for path in sorted((cell_dir / contract.SERVER_DIR).glob(contract.INTERP_GLOB)):
        try:
            records.append(json.loads(path.read_text()))
        except (OSError, ValueError):
            continue  # a process killed while writing: the others still tell
    try:
        log = (cell_dir / contract.SERVER_LOG).read_text(errors="replace")
    except FileNotFoundError:
        log = ""
    return observed(records, log)
