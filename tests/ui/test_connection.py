"""The welcome screen says "connected" only once a signed call has succeeded (doctor's credentials
check on one service); a wrong SK, a wrong project id or a stopped endpoint is said there in words,
with what to do, and the wizard does not go on to the image list."""

from __future__ import annotations

import socket
import time

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


async def test_a_demo_world_another_process_holds_is_waited_for_saying_who(session):
    """The TUI's world is the state directory's: while a CLI run holds it, the welcome screen says so
    (who, and how to go on) and connects once it is free."""
    from tests.engine.helpers import world_held

    session.sleep = lambda seconds: time.sleep(0.01)  # the holder is a real process: poll it briefly
    with world_held(session.journal.directory, "ecs-wizard run, since 10:00:00") as holder:
        app = WizardApp(session)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: "waiting" in text_of(app.screen.query_one("#connection")))
            line = text_of(app.screen.query_one("#connection"))
            assert f"in use by another ecs-wizard process (pid {holder.pid}: ecs-wizard run, since 10:00:00)" in line
            assert "--state-dir OTHER_DIR" in line
            holder.kill()
            holder.wait()
            connected = "Connection: connected (the cloud accepted a signed call)"
            await wait_for(pilot, lambda: text_of(app.screen.query_one("#connection")) == connected)


async def test_quitting_while_waiting_for_the_demo_world_stops_the_wait(session):
    from tests.engine.helpers import world_held

    session.sleep = lambda seconds: time.sleep(0.01)
    with world_held(session.journal.directory):
        app = WizardApp(session)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: "waiting" in text_of(app.screen.query_one("#connection")))
            await pilot.press("ctrl+q")
            await pilot.pause()
        assert not app.is_running and not session.connected


async def test_the_garbage_collector_paused_for_start_up_runs_again_once_connected(session):
    """`ecs-wizard`/`demo` turn the cyclic collector off while the app starts (a fifth of the time
    until connected went to its passes): it is on again once the welcome screen says connected, and the
    objects start-up made are frozen out of its passes."""
    import gc

    app = WizardApp(session)
    app.collector_off = True
    gc.disable()
    frozen_before = gc.get_freeze_count()
    try:
        async with app.run_test(size=SIZE) as pilot:
            await connection_line(app, pilot)
            assert gc.isenabled() and not app.collector_off
            assert gc.get_freeze_count() > frozen_before
    finally:
        gc.enable()
        gc.unfreeze()


async def test_the_garbage_collector_runs_again_when_the_connection_never_answers(session, monkeypatch):
    """A connection that hangs does not keep the collector off: START_UP_LIMIT seconds end start-up."""
    import gc

    import screens.app

    monkeypatch.setattr(screens.app, "START_UP_LIMIT", 0.05)
    monkeypatch.setattr(WizardApp, "connect_session", lambda self, target: None)  # never answers
    app = WizardApp(session)
    app.collector_off = True
    gc.disable()
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: gc.isenabled())
            assert "checking" in text_of(app.screen.query_one("#connection"))
    finally:
        gc.enable()
        gc.unfreeze()
