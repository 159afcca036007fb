"""Fixtures shared by the engine and plain-mode suites: the demo emulator with a frozen virtual
clock that only the runner's sleeps advance, so whole repairs run in milliseconds and
deterministically. A suite's conftest imports them. The emulated cloud is ``otc``; a test runs on
each with ``@BOTH_CLOUDS`` (``emu`` parametrized with the profile's name)."""

import pytest

from wizard.config import resolve
from wizard.runner import PollPolicy
from wizard.session import open_session
from wizard.sim import Emulator

BOTH_CLOUDS = pytest.mark.parametrize("emu", ["otc", "hwc"], indirect=True)


@pytest.fixture
def emu(request):
    return Emulator(scenario="demo", speed=0, profile=getattr(request, "param", "otc"))


@pytest.fixture
def session(emu, tmp_path):
    s = open_session(resolve(demo=True, profile=emu.profile.name), state_dir=tmp_path / "state", emulator=emu)
    s.clock = emu.clock.now
    s.sleep = emu.clock.advance
    s.poll = PollPolicy()
    return s
