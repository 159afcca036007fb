"""Plain mode on the demo emulator with a frozen virtual clock (the runner's sleeps advance it), so
whole repairs run in well under a second."""

import io
import threading

import pytest
from prompt_toolkit.input import create_pipe_input

from tests.frozen import emu, session  # noqa: F401  (fixtures)


@pytest.fixture
def keys():
    """A prompt_toolkit pipe input. It closes itself after 20 s, so a prompt waiting for a key that
    never comes ends with "no more input" instead of hanging the suite."""
    with create_pipe_input() as inp:
        timer = threading.Timer(20, inp.close)
        timer.daemon = True
        timer.start()
        yield inp
        timer.cancel()


class TtyStringIO(io.StringIO):
    """Captured output that says it is a terminal (so colour would be used unless NO_COLOR)."""

    def isatty(self):
        return True
