"""app.jsonl: buffered JSON-lines writing, batch flush off the caller's thread."""

from __future__ import annotations

import json
from pathlib import Path

from app.jsonl import JsonlBuffer
from runner.processes.proc import wait_until


def _lines(path: Path) -> list[dict[str, int]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_nothing_is_written_before_the_buffer_fills(tmp_path: Path) -> None:
    """Below capacity, records stay in memory (the file exists but is empty)."""
    buffer = JsonlBuffer(tmp_path / "a.jsonl", capacity=10)
    for i in range(9):
        buffer.add({"i": i})
    assert (tmp_path / "a.jsonl").read_text() == ""
    buffer.close()
    assert [r["i"] for r in _lines(tmp_path / "a.jsonl")] == list(range(9))


def test_a_full_buffer_is_flushed_in_the_background_in_order(tmp_path: Path) -> None:
    """Each full batch reaches the file without close(), and order is kept."""
    path = tmp_path / "b.jsonl"
    buffer = JsonlBuffer(path, capacity=5)
    for i in range(12):
        buffer.add({"i": i})
    wait_until(lambda: len(_lines(path)) == 10, timeout=10, what="two batches on disk")
    buffer.close()
    assert [r["i"] for r in _lines(path)] == list(range(12))
    buffer.add({"i": 99})  # after close: dropped, no error
    assert len(_lines(path)) == 12
