"""Fixtures of the reliability suite: ``ecs-wizard sim serve`` in a child process (``tests/served.py``),
and the wizard's CLI in others (real processes, for SIGKILLs and concurrent resumes)."""

from __future__ import annotations

import pytest

from tests.served import LAST_LINE, sim_serve


@pytest.fixture
def served():
    """``ecs-wizard sim serve`` at 600x: the environment a client needs, and the emulator's URL."""
    with sim_serve("--speed", "600") as server:
        yield server.env, server.exports[LAST_LINE]
