"""`with thing:` for what the runner starts and stops (servers, samplers, recorders, child
processes): started on entry, always stopped on exit, whatever ended the block."""

from __future__ import annotations

from typing import Self


class Lifecycle:
    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> object:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
