"""Fixtures of the Pilot tests: a demo session at high speed, and a temporary working directory.
The helpers that drive the wizard are in ``tests/ui/helpers.py``."""

from __future__ import annotations

import pytest

from wizard.config import resolve
from wizard.session import open_session


@pytest.fixture
def make_session(tmp_path):
    def make(speed: float = 6000, faults=(), state: str = "state"):
        return open_session(resolve(demo=True), state_dir=tmp_path / state, speed=speed, faults=list(faults))

    return make


@pytest.fixture
def session(make_session):
    return make_session()


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    # Nothing should be written to the current directory (reports go to the state directory); if
    # something is, it lands here, not in the checkout.
    monkeypatch.chdir(tmp_path)
