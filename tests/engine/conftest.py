"""An emulator with a frozen virtual clock: the runner's sleeps advance it, so whole repairs run in
milliseconds and deterministically; ``served`` puts an emulator behind a loopback HTTP server."""

import pytest

import wizard.session
from tests.frozen import emu, session  # noqa: F401  (fixtures)
from wizard.sim import BackgroundServer, Emulator


@pytest.fixture
def opened(monkeypatch):
    """The sessions the CLI opens (the demo world carries over between them), with ``opened.faults``
    given to the next one."""
    real_open = wizard.session.open_session

    class Opened:
        faults: list[str] = []
        sessions: list = []

    def opening(*args, **kw):
        opened_now = real_open(*args, faults=Opened.faults, **kw)
        Opened.faults = []
        Opened.sessions.append(opened_now)
        return opened_now

    monkeypatch.setattr(wizard.session, "open_session", opening)
    return Opened


@pytest.fixture
def served():
    """``served(emulator)`` -> its loopback URL, for as long as the test runs."""
    servers = []

    def serve(emulator: Emulator) -> str:
        server = BackgroundServer(emulator)
        servers.append(server)
        return server.__enter__()

    yield serve
    for server in servers:
        server.__exit__(None, None, None)
