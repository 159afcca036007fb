"""The welcome screen says "connected" only once a signed call has succeeded (doctor's credentials
check on one service); a wrong SK, a wrong project id or a stopped endpoint is said there in words,
with what to do, and the wizard does not go on to the image list."""

from __future__ import annotations

import socket

import pytest

from screens.app import WizardApp
from tests.ui.helpers import SIZE, screen_name, text_of, wait_for
from wizard.cloud.secrets import Secret
from wizard.config import resolve
from wizard.session import open_session
from wizard.sim import DEMO


def a_dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def broken(settings, what: str):
    if what == "wrong SK":
        settings.credentials.sk = Secret("WRONG" + DEMO.sk[5:])
    elif what == "wrong project id":
        settings.project_id = "0123456789abcdef0123456789abcdef"
    else:  # a stopped endpoint: nothing listens where ECS is sent
        settings.endpoints["ecs"] = a_dead_url()
    return settings


async def connection_line(app, pilot) -> str:
    await wait_for(pilot, lambda: "checking" not in text_of(app.screen.query_one("#connection")))
    return text_of(app.screen.query_one("#connection"))


async def test_connected_only_after_the_signed_call(session):
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert screen_name(app) == "WelcomeScreen"
        line = await connection_line(app, pilot)
        assert line == "Connection: connected (the cloud accepted a signed call)"
        assert session.check_connection() is None


@pytest.mark.parametrize(
    "what, words",
    [
        ("wrong SK", "NOT connected: ECS refused the credentials (APIGW.0301"),
        ("wrong project id", "NOT connected: ECS does not know project 0123456789abcdef0123456789abcdef"),
        ("stopped endpoint", "NOT connected: ECS: nothing listens at http://127.0.0.1:"),
    ],
)
async def test_what_is_wrong_is_said_in_words_and_the_wizard_stops_there(tmp_path, what, words):
    session = open_session(broken(resolve(demo=True), what), state_dir=tmp_path / "state", speed=6000)
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        line = await connection_line(app, pilot)
        assert words in line and "What to do:" in line
        assert "HTTPConnectionPool" not in line and "Traceback" not in line
        await pilot.press("enter")  # no image list on a cloud that refuses us
        await pilot.pause()
        assert screen_name(app) == "WelcomeScreen"
