"""Snapshots (100x30) of the screens a user sees. Deterministic: the emulator's ids are seeded, the
run id is fixed, the app runs ``frozen`` (no wall-clock times, animations on a MockClock), and the
mid-run execution screen is a fixed state fed with runner events rather than a live run.
Update with: pytest tests/ui/test_snapshots.py --snapshot-update"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pytest

from screens.app import WizardApp
from screens.execution import ExecutionScreen
from tests.ui.helpers import (
    RUN_ID,
    SIZE,
    run_to_end,
    screen_name,
    text_of,
    to_diagnosis,
    to_overview,
    to_picker,
    to_questions,
    wait_for,
)
from wizard.diagnose import diagnose
from wizard.plan import build_plan
from wizard.questions import Answers
from wizard.runner import RunEvent
from wizard.sim.durations import SERVER_BUILD_FAST, SERVER_BUILD_SLOW


@pytest.fixture
def session():
    """A demo session whose state directory's path has the same length in every run: the summary shows
    where the report goes, and a path that wraps differently moves the scrollbar (pytest's tmp_path
    grows with its run counter and with xdist's worker name)."""
    from wizard.config import resolve
    from wizard.session import open_session

    state = Path(tempfile.mkdtemp(prefix="ecs-wizard-snapshot-", dir="/tmp"))
    yield open_session(resolve(demo=True), state_dir=state / "state", speed=6000, faults=[])
    shutil.rmtree(state, ignore_errors=True)


def frozen_app(session) -> WizardApp:
    return WizardApp(session, frozen=True, run_id=RUN_ID)


def test_welcome(snap_compare, session):
    async def before(pilot):  # once the connection is checked (one signed call)
        await wait_for(pilot, lambda: any("connected (" in text_of(w) for w in pilot.app.screen.query("#connection")))

    assert snap_compare(frozen_app(session), terminal_size=SIZE, run_before=before)


def test_picker(snap_compare, session):
    async def before(pilot):
        await to_picker(pilot.app, pilot)

    assert snap_compare(frozen_app(session), terminal_size=SIZE, run_before=before)


def test_diagnosis(snap_compare, session):
    async def before(pilot):
        await to_diagnosis(pilot.app, pilot, session.emulator.ids["image_old_csbs_server_exists"])

    assert snap_compare(frozen_app(session), terminal_size=SIZE, run_before=before)


def test_questions_source_gone(snap_compare, session):
    async def before(pilot):
        await to_questions(pilot.app, pilot, session.emulator.ids["image_old_csbs_server_deleted"])
        pilot.app.screen.query_one("#questions").scroll_to(y=8, animate=False)
        await pilot.pause()

    assert snap_compare(frozen_app(session), terminal_size=SIZE, run_before=before)


def test_overview_with_api_calls(snap_compare, session):
    async def before(pilot):
        await to_overview(pilot.app, pilot, session.emulator.ids["image_old_csbs_server_exists"])
        await pilot.press("d")

    assert snap_compare(frozen_app(session), terminal_size=SIZE, run_before=before)


def test_execution_mid_run(snap_compare, session):
    """A fixed moment: step 1 done, step 2 at 42 %, the rest pending."""
    ids = session.emulator.ids
    diagnosis = diagnose(session.clients, ids["image_old_csbs_server_exists"])
    answers = Answers()
    plan = build_plan(session.clients, diagnosis, answers, run_id=RUN_ID)
    run = session.new_run(diagnosis.image_id, diagnosis, answers, plan)
    t = time.time()
    vault, backup = plan.steps[0], plan.steps[1]

    def ev(kind, step=None, **kw):
        return RunEvent(kind, RUN_ID, step.name if step else None, step.title if step else None, at=t, **kw)

    events = [
        ev("run-started", status="running", data={"resumed": False}),
        ev("step-started", vault, status="running"),
        ev("output", vault, status="running", data={"outputs": {"vault_id": "5ca1ab1e-006a-4000-8000-00000000beef"}}),
        ev(
            "step-succeeded",
            vault,
            status="succeeded",
            progress=None,
            message="ECS is in vault ecs-wizard-01234567",
            data={"seconds": 3.0},
        ),
        ev("step-started", backup, status="running"),
        ev("message", backup, status="running", message="backup ecs-wizard-01234567 requested"),
        ev("progress", backup, status="running", progress=42.0, message="backup protecting", data={"elapsed": 95.0}),
    ]

    async def before(pilot):
        app = pilot.app
        screen = ExecutionScreen(run, start=False)
        await app.push_screen(screen)
        await pilot.pause()
        for event in events:
            screen.apply_event(event)
        screen.running = True  # as if its worker were going: the cancel key shows
        screen.refresh_bindings()
        await pilot.pause()

    assert snap_compare(frozen_app(session), terminal_size=SIZE, run_before=before)


def test_summary(snap_compare, session):
    async def before(pilot):
        app = pilot.app
        await to_overview(app, pilot, session.emulator.ids["image_old_csbs_server_exists"])
        await pilot.press("s")
        await run_to_end(app, pilot)
        assert screen_name(app) == "SummaryScreen"

    assert snap_compare(frozen_app(session), terminal_size=SIZE, run_before=before)


def test_summary_before_and_after(snap_compare, session):
    """The before/after chart: the temporary ECS from the old image against the test launch's ECS."""

    async def before(pilot):
        from screens.summary import SummaryScreen

        app = pilot.app
        await to_overview(app, pilot, session.emulator.ids["image_old_csbs_server_deleted"], test_launch=True)
        await pilot.press("s")
        await run_to_end(app, pilot)
        assert screen_name(app) == "SummaryScreen"
        # The cloud's records are to the second ("created") and microsecond ("launched_at") of an emulator whose
        # clock runs on while the run does (600.2 s, 600.7 s): its build times keep the picture the same in every run.
        run = app.screen.run
        run.plan.first("create_temp_server").outputs["launch_seconds"] = SERVER_BUILD_SLOW
        run.plan.first("test_launch").outputs["launch_seconds"] = SERVER_BUILD_FAST
        app.switch_screen(SummaryScreen(run))
        await wait_for(pilot, lambda: bool(app.screen.query("#before-after")))
        # from the checks down: the chart in view, the report's path (a temporary directory) below it
        app.screen.query_one("#summary").scroll_to_widget(app.screen.query_one("#checks"), top=True, animate=False)
        await pilot.pause()

    assert snap_compare(frozen_app(session), terminal_size=SIZE, run_before=before)
