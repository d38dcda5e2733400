"""What uvicorn serves for `server.app=<import string>`: the user's ASGI app, instrumented.

The runner sets `SYNCBLOCK_APP` to the user's import string ('package.module:attribute') and
serves `app.user_app:app`: the user's app wrapped by `app.instrumentation.instrument`, so it
gets the timing middleware, the lag probe and the stall watchdog like our own app.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from app.contract import APP_ENV
from app.instrumentation import instrument


def load(import_string: str) -> Any:
    """The object an import string 'module:attr.sub' names."""
    module_name, _, attrs = import_string.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attrs.split("."):
        obj = getattr(obj, part)
    return obj


app = instrument(load(os.environ[APP_ENV]))
