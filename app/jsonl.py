"""A buffered JSON-lines file: records pile up in memory and are written in batches.

`add` only appends to a list. When the buffer fills, the batch is handed to one
background thread that serializes and appends it (one thread keeps the order), so the
event loop never does file I/O. `close` writes what is left and waits for the thread.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any


def _append(path: Path, batch: list[dict[str, Any]]) -> None:
    text = "".join(json.dumps(record, separators=(",", ":")) + "\n" for record in batch)
    with path.open("a", encoding="utf-8") as f:
        f.write(text)


class JsonlBuffer:
    def __init__(self, path: Path, capacity: int) -> None:
        self.path = path
        self.capacity = capacity
        self._batch: list[dict[str, Any]] = []
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"jsonl-{path.stem}")
        self._closed = False
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()

    def add(self, record: dict[str, Any]) -> None:
        if self._closed:
            return
        self._batch.append(record)
        if len(self._batch) >= self.capacity:
            batch, self._batch = self._batch, []
            self._writer.submit(_append, self.path, batch)

    def close(self) -> None:
        """Write the rest and stop the writer thread (blocking: call it at shutdown)."""
        if self._closed:
            return
        self._closed = True
        batch, self._batch = self._batch, []
        if batch:
            self._writer.submit(_append, self.path, batch)
        self._writer.shutdown(wait=True)
