"""A buffered JSON-lines file: records pile up in memory and are written in batches.

`add` only appends a record (any object, typically a tuple) to a list. When the buffer
fills, the batch is handed to one background thread that turns each record into its line
with the buffer's `encode` and appends them (one thread keeps the order), so the event loop
neither formats nor writes. `close` writes what is left and waits for the thread.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Generic, TypeVar

R = TypeVar("R")


def json_line(record: Any) -> str:
    """The default encoding: compact JSON and a newline."""
    return json.dumps(record, separators=(",", ":")) + "\n"


def _append(path: Path, batch: list[R], encode: Callable[[R], str]) -> None:
    text = "".join(map(encode, batch))
    with path.open("a", encoding="utf-8") as f:
        f.write(text)


class JsonlBuffer(Generic[R]):
    def __init__(self, path: Path, capacity: int, encode: Callable[[R], str] = json_line) -> None:
        self.path = path
        self.capacity = capacity
        self.encode = encode
        self._batch: list[R] = []
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"jsonl-{path.stem}")
        self._closed = False
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()

    def add(self, record: R) -> None:
        if self._closed:
            return
        self._batch.append(record)
        if len(self._batch) >= self.capacity:
            batch, self._batch = self._batch, []
            self._writer.submit(_append, self.path, batch, self.encode)

    def close(self) -> None:
        """Write the rest and stop the writer thread (blocking: call it at shutdown)."""
        if self._closed:
            return
        self._closed = True
        batch, self._batch = self._batch, []
        if batch:
            self._writer.submit(_append, self.path, batch, self.encode)
        self._writer.shutdown(wait=True)
