"""Import a user's ASGI app from 'package.module:attr' and find the router inside it.

The user runs the doctor from the directory that holds their package, so that directory goes
on `sys.path` first. Every failure is a `DoctorInputError` with one line naming `server.app`.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from runner.doctor.plan import DoctorInputError

MAX_WRAPPERS = 32  # middleware layers followed through `.app` before giving up


def _fail(import_string: str, why: str) -> DoctorInputError:
    return DoctorInputError(f"server.app={import_string!r}: {why}")


def import_module(import_string: str, module_name: str) -> Any:
    """The module, from the current directory first; a missing module says where to run."""
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        missing = e.name or module_name
        if module_name == missing or module_name.startswith(missing + "."):
            why = f"no module {missing!r} (run from the directory that holds it)"
        else:
            why = f"importing {module_name!r} failed: no module {missing!r}"
        raise _fail(import_string, why) from None
    except Exception as e:  # the user's module raised while importing: say what, no traceback
        first = str(e).splitlines()[0] if str(e) else ""
        why = f"importing {module_name!r} raised {type(e).__name__}: {first}".rstrip(": ")
        raise _fail(import_string, why) from None


def load_app(import_string: str) -> Any:
    """The object 'module:attr.sub' names, checked to be callable (an ASGI app)."""
    module_name, sep, attrs = import_string.partition(":")
    if not sep or not module_name or not attrs:
        raise _fail(import_string, "expected 'package.module:attribute'")
    obj = import_module(import_string, module_name)
    for part in attrs.split("."):
        if not hasattr(obj, part):
            raise _fail(import_string, f"{module_name!r} has no attribute {attrs!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise _fail(import_string, f"a {type(obj).__name__}, not an ASGI app")
    return obj


def has_routes(obj: Any) -> bool:
    """Whether `obj` is a router we can walk (Starlette, FastAPI, a Router)."""
    return isinstance(getattr(obj, "routes", None), list)


def find_router(app: Any) -> Any | None:
    """The Starlette/FastAPI object inside `app`, following middleware's `.app` attributes."""
    obj = app
    for _ in range(MAX_WRAPPERS):
        if has_routes(obj):
            return obj
        obj = getattr(obj, "app", None)
        if obj is None:
            return None
    return None
