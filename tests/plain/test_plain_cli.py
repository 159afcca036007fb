"""The real command when it is not on a terminal: the plain-mode notice, numbered questions read
from standard input, and a clean stop (no traceback, no hang) when standard input is empty."""

import os
import subprocess
import sys

CMD = [sys.executable, "-m", "wizard", "demo"]


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "ECS_WIZARD_STATE_DIR")}
    env.update(ECS_WIZARD_STATE_DIR=str(tmp_path / "state"), **extra)
    return env


def test_no_stdin_prints_the_notice_and_stops_cleanly(tmp_path):
    proc = subprocess.run(
        CMD,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(tmp_path),
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    assert "not a full terminal, using plain mode" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "Standard input ended before this question was answered: Which image creates ECSs slowly?" in proc.stdout
    assert "Nothing was changed." in proc.stdout
    assert proc.returncode == 2


def test_piped_answers_with_no_color_have_no_escape_codes(tmp_path):
    # every default (the first affected image; its source ECS is gone, so a temporary ECS is made and
    # deleted), then yes to each confirmation
    proc = subprocess.run(
        CMD + ["--plain", "--speed", "6000"],
        input="\n" * 11 + "y\n" * 4,
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(tmp_path, NO_COLOR="1"),
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Repaired. New image:" in proc.stdout
    assert "\x1b" not in proc.stdout + proc.stderr
