"""Checks for a user's own app and locustfile (`server.app`, `scenario.locustfile`), run by
`validate()` so a typo stops with one line naming the key before any process starts."""

from __future__ import annotations

import importlib.util

from app.contract import DEFAULT_APP
from runner.load.loadgen import find_locustfile


def module_found(module: str) -> bool:
    """Whether `module` can be imported from here (its parent packages are imported to look)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def user_app_problems(server_app: str, locustfile: str) -> list[str]:
    """'key=value: message' lines for an app that cannot be found or a missing locustfile."""
    out: list[str] = []
    module, _, attr = server_app.partition(":")
    if server_app != DEFAULT_APP and attr and not module_found(module):
        out.append(f"server.app={server_app!r}: no module {module!r} on the Python path")
    if find_locustfile(locustfile) is None:
        out.append(
            f"scenario.locustfile={locustfile!r}: no such file in runner/load/locustfiles/ "
            "nor at that path"
        )
    return out
