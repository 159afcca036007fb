"""Fixtures of the reliability suite: ``ecs-wizard sim serve`` in a child process, and the wizard's
CLI in others (real processes, for SIGKILLs and concurrent resumes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tests.reliability.processes import ROOT
from wizard.sim.profiles import SERVICES


@pytest.fixture
def served():
    """``ecs-wizard sim serve`` at 600x: the environment a client needs, and the emulator's URL."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen(
        [sys.executable, "-m", "wizard", "sim", "serve", "--port", "0", "--speed", "600"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        last = f"ECS_WIZARD_ENDPOINT_{SERVICES[-1].upper()}"  # sim serve prints one endpoint line per service, last
        for line in child.stdout:
            name, _, value = line.removeprefix("export ").partition("=")
            env[name] = value.split("#", 1)[0].strip()  # "<url>  # in place of https://…"
            if name == last:
                break
        yield env, env[last]
    finally:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
