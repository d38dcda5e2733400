"""Passwords in database URLs never reach a log, the store or the report.

`redact(text)` masks the password of every `scheme://user:password@host` in a text (pure);
the runner applies it where a URL can land: the config it stores (`cells.config`, cell.json),
error lines (`cells.error`), the command line (`sweeps.argv`), Hydra's files of a job
(`.hydra/*.yaml`, the sweep's `multirun.yaml`) and Hydra's log lines (`RedactFilter`, set on
its console and file handlers in conf/hydra/default.yaml). The app gets the real URL through
its environment only.
"""

from __future__ import annotations

import contextlib
import logging
import re
from pathlib import Path
from typing import Any

MASK = "***"
# user:password@ right after '//' (SQLAlchemy's own URL grammar: the password ends at '@').
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s'\"]*:)[^@\s'\"]*(?=@)")

_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)[^&\s'\"]*")


def redact(text: str) -> str:
    """`text` with the password of every URL in it (`user:pw@`, `?password=`) replaced by ***."""
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + MASK, text)
    return _QUERY_PASSWORD.sub(lambda m: m.group("head") + MASK, text)


def redact_data(data: Any) -> Any:
    """A JSON-like value with every string redacted (dict keys kept)."""
    if isinstance(data, str):
        return redact(data)
    if isinstance(data, dict):
        return {k: redact_data(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [redact_data(v) for v in data]
    return data


def scrub_files(paths: list[Path]) -> None:
    """Rewrite each existing text file with its URL passwords masked (never raises)."""
    for path in paths:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            text = path.read_text()
            clean = redact(text)
            if clean != text:
                path.write_text(clean)


def hydra_files(job_dir: Path, sweep_dir: Path | None) -> list[Path]:
    """The files Hydra writes a job's config and overrides to."""
    files = sorted((job_dir / ".hydra").glob("*.yaml"))
    if sweep_dir is not None:
        files.append(sweep_dir / "multirun.yaml")
    return files


class RedactFilter(logging.Filter):
    """A logging filter that masks URL passwords in each record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True
