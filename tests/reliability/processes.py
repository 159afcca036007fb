"""The wizard's CLI in child processes, as a user (or two users at once) would run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from wizard.sim import Emulator

ROOT = Path(__file__).resolve().parents[2]
IDS = Emulator(scenario="demo", speed=0).ids


def wizard(env: dict[str, str], state_dir: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "wizard", *args, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(env, ECS_WIZARD_STATE_DIR=str(state_dir)),
    )
