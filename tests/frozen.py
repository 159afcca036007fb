"""Fixtures shared by the engine and plain-mode suites: the demo emulator with a frozen virtual
clock that only the runner's sleeps advance, so whole repairs run in milliseconds and
deterministically. A suite's conftest imports them."""

import pytest

from wizard.config import resolve
from wizard.runner import PollPolicy
from wizard.session import open_session
from wizard.sim import Emulator


@pytest.fixture
def emu():
    return Emulator(scenario="demo", speed=0)


@pytest.fixture
def session(emu, tmp_path):
    s = open_session(resolve(demo=True), state_dir=tmp_path / "state", emulator=emu)
    s.clock = emu.clock.now
    s.sleep = emu.clock.advance
    s.poll = PollPolicy()
    return s
