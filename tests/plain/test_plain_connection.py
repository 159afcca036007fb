"""Plain mode says "Connected" only after a signed call has succeeded; a wrong SK, a wrong project id
or a stopped endpoint is said in words, with what to do, before any question (exit 2 for wrong
settings, 1 when nothing answers), and nothing is changed."""

from __future__ import annotations

import socket

import pytest

from wizard.cloud.secrets import Secret
from wizard.config import resolve
from wizard.session import open_session
from wizard.sim import DEMO

from .helpers import ENTER, drive_keys, move


def a_dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_connected_is_said_after_the_signed_call(session, emu, keys):
    code, out = drive_keys(session, keys, [move(session, emu.ids["image_cbr"]) + ENTER])
    assert code == 4, out  # not affected: nothing to repair
    lines = out.splitlines()
    connected = lines.index("Connected: the cloud accepted a signed call.")
    assert connected < next(n for n, line in enumerate(lines) if "Scanning" in line)


@pytest.mark.parametrize(
    "what, words, code",
    [
        ("sk", "Not connected: ECS refused the credentials (APIGW.0301", 2),
        ("project", "Not connected: ECS does not know project 0123456789abcdef0123456789abcdef in region eu-de", 2),
        ("endpoint", "Not connected: ECS: nothing listens at http://127.0.0.1:", 2),
    ],
)
def test_a_broken_connection_is_said_in_words_before_any_question(tmp_path, emu, keys, what, words, code):
    settings = resolve(demo=True)
    if what == "sk":
        settings.credentials.sk = Secret("WRONG" + DEMO.sk[5:])
    elif what == "project":
        settings.project_id = "0123456789abcdef0123456789abcdef"
    else:
        settings.endpoints["ecs"] = a_dead_url()
    session = open_session(settings, state_dir=tmp_path / "state", emulator=emu)
    returned, out = drive_keys(session, keys, [])
    assert returned == code, out
    assert words in out and "What to do: " in out and "Nothing was changed." in out
    assert "Connected:" not in out and "Scanning" not in out and "HTTPConnectionPool" not in out
    assert not session.journal.runs_dir.exists()
