"""Pure: which stored sweep a command-line reference names (an id, a unique prefix of one,
`latest` or `latest~N`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from analysis.core.store import ReportError


def resolve(ref: str, newest_first: Sequence[str]) -> str:
    """The sweep id `ref` names among the stored ids (newest first); one line when none or
    more than one does."""
    if not newest_first:
        raise ReportError("the store holds no sweeps yet (run `python -m runner -m ...` first)")
    back = re.fullmatch(r"latest(?:~(\d+))?", ref)
    if back:
        k = int(back.group(1) or 0)
        if k >= len(newest_first):
            raise ReportError(f"{ref}: the store holds only {len(newest_first)} sweep(s)")
        return newest_first[k]
    if ref in newest_first:
        return ref
    found = [s for s in newest_first if s.startswith(ref)] if ref else []
    if len(found) == 1:
        return found[0]
    shown = ", ".join(newest_first[:5]) + (" ..." if len(newest_first) > 5 else "")
    if found:
        raise ReportError(f"ambiguous sweep id {ref!r}: {', '.join(found[:5])}")
    raise ReportError(f"unknown sweep id {ref!r}; known: {shown}")
