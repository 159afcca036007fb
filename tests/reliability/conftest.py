"""Fixtures of the reliability suite: ``ecs-wizard sim serve`` in a child process, and the wizard's
CLI in others (real processes, for SIGKILLs and concurrent resumes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tests.reliability.processes import ROOT


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
        for line in child.stdout:
            name, _, value = line.removeprefix("export ").strip().partition("=")
            env[name] = value
            if name == "HUAWEICLOUD_SDK_PROJECT_ID":
                break
        yield env, env["ECS_WIZARD_ENDPOINT"]
    finally:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
