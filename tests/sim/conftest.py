import pytest

from tests.sim.helpers import Api
from wizard.sim import Emulator


@pytest.fixture
def emu():
    return Emulator(scenario="demo", speed=0)


@pytest.fixture
def api(emu):
    return Api(emu)
