"""runner/processes/interrupt.py's pure parts: the exit code and the line a stopped run prints."""

from __future__ import annotations

import signal

import pytest

from runner.processes.interrupt import Interrupted, exit_code, message


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (KeyboardInterrupt(), 130),
        (Interrupted(signal.SIGTERM), 143),
        (Interrupted(signal.SIGHUP), 129),
    ],
)
def test_exit_code_is_128_plus_the_signal(exc: KeyboardInterrupt, code: int) -> None:
    """Ctrl-C exits 130, SIGTERM 143, SIGHUP 129: what a shell reports for that signal."""
    assert exit_code(exc) == code


@pytest.mark.parametrize(
    ("exc", "name"),
    [
        (KeyboardInterrupt(), "SIGINT"),
        (Interrupted(signal.SIGTERM), "SIGTERM"),
        (Interrupted(signal.SIGHUP), "SIGHUP"),
    ],
)
def test_message_names_the_signal_and_how_to_resume(exc: KeyboardInterrupt, name: str) -> None:
    """The one line names the signal that stopped the run and says a rerun resumes it."""
    line = message(exc)
    assert f"interrupted ({name})" in line
    assert "\n" not in line
    assert "finished cells are stored" in line and "resume=true" in line


def test_interrupted_is_a_keyboard_interrupt_named_after_its_signal() -> None:
    """SIGTERM/SIGHUP take Ctrl-C's path: Interrupted is a KeyboardInterrupt carrying signum."""
    exc = Interrupted(signal.SIGTERM)
    assert isinstance(exc, KeyboardInterrupt)
    assert exc.signum == signal.SIGTERM and str(exc) == "SIGTERM"
