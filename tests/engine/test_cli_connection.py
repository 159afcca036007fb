"""The commands that call the cloud check the connection first (one signed call, doctor's
credentials check) and say what is wrong in words, never as ``HTTPConnectionPool(...)``: a wrong SK
or project id exits 2 (the settings are wrong), an endpoint nothing listens on says where."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.sim import DEMO, BackgroundServer, Emulator

AKSK = {
    "HUAWEICLOUD_SDK_AK": DEMO.ak,
    "HUAWEICLOUD_SDK_SK": DEMO.sk,
    "HUAWEICLOUD_SDK_PROJECT_ID": DEMO.project_id,
}


@pytest.fixture(scope="module")
def url():
    with BackgroundServer(Emulator(scenario="demo", speed=0)) as served:
        yield served


def ecs_wizard(*args: str, state: Path, **env: str) -> subprocess.CompletedProcess:
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "OS_", "ECS_WIZARD_"))}
    variables.update(AKSK, ECS_WIZARD_STATE_DIR=str(state), PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    variables.update(env)
    return subprocess.run(
        [sys.executable, "-m", "wizard", *args], capture_output=True, text=True, env=variables, timeout=120
    )


def test_scan_on_a_good_connection_works(url, tmp_path):
    done = ecs_wizard("scan", state=tmp_path, ECS_WIZARD_ENDPOINT=url)
    assert done.returncode == 0, done.stderr
    assert "full-ECS images" in done.stdout


@pytest.mark.parametrize("command", [["scan"], ["diagnose", "some-image"], ["run", "some-image", "--yes"]])
def test_a_wrong_sk_is_said_in_words(url, tmp_path, command):
    done = ecs_wizard(*command, state=tmp_path, ECS_WIZARD_ENDPOINT=url, HUAWEICLOUD_SDK_SK="x" * 40)
    assert done.returncode == 2
    assert done.stderr.startswith("ecs-wizard: Not connected: ECS refused the credentials (APIGW.0301")
    assert "→ Check the access key and secret key (HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK)" in done.stderr
    assert "x" * 40 not in done.stderr and done.stdout == ""


def test_a_wrong_project_id_is_said_in_words(url, tmp_path):
    wrong = "0123456789abcdef0123456789abcdef"
    done = ecs_wizard("scan", state=tmp_path, ECS_WIZARD_ENDPOINT=url, HUAWEICLOUD_SDK_PROJECT_ID=wrong)
    assert done.returncode == 2
    assert f"Not connected: ECS does not know project {wrong} in region eu-de" in done.stderr
    assert "HUAWEICLOUD_SDK_PROJECT_ID" in done.stderr


def test_a_stopped_endpoint_is_said_in_words(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    done = ecs_wizard("scan", state=tmp_path, ECS_WIZARD_ENDPOINT=dead)
    assert done.returncode == 2
    assert f"Not connected: ECS: nothing listens at {dead} (connection refused)." in done.stderr
    assert "ecs-wizard sim serve" in done.stderr and "HTTPConnectionPool" not in done.stderr
