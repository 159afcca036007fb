"""Change answers in the TUI (issue 10 item 6): a failed or interrupted run's answers asked again with
the cloud's choices (``wizard.change.questions``), the steps not yet started rebuilt, the run resumed;
a change that would alter a started step is refused, naming it, and nothing changes."""

from __future__ import annotations

from screens.app import WizardApp
from screens.execution import ExecutionScreen
from tests.ui.helpers import RUN_ID, SIZE, choose, run_to_end, screen_name, settle, text_of, to_diagnosis, wait_for
from wizard.diagnose import diagnose
from wizard.ownership import MARK_KEY
from wizard.plan import build_plan
from wizard.questions import Answers, ServerChoice


def refused_at_preflight(session, run_id: str | None = None) -> str:
    """A run of scenario 2 (source ECS gone) answered the flavor s99.huge, which the cloud does not
    offer: its preflight fails it before anything is made."""
    ids = session.emulator.ids
    image_id = ids["image_old_csbs_server_deleted"]
    server = ServerChoice("s99.huge", ids["vpc_id"], ids["subnet_id"], "eu-de-01", "SAS")
    answers = Answers("cbr", False, server)
    d = diagnose(session.clients, image_id)
    run = session.new_run(image_id, d, answers, build_plan(session.clients, d, answers, run_id=run_id))
    run = session.runner(run, confirm=lambda step: True).run()
    assert run.status == "failed" and "s99.huge is not offered" in run.error.message
    return run.run_id


def executions(app) -> list[ExecutionScreen]:
    return [s for s in app.screen_stack if isinstance(s, ExecutionScreen)]


async def open_change_screen(app, pilot, session) -> None:
    """The image's diagnosis offers its open run; h asks the answers again."""
    await to_diagnosis(app, pilot, session.emulator.ids["image_old_csbs_server_deleted"])
    assert "change its answers (h)" in text_of(app.screen.query_one("#open-run"))
    await pilot.press("h")
    await wait_for(pilot, lambda: screen_name(app) == "ChangeAnswersScreen" and app.screen.ready)
    await settle(app, pilot)


async def resumed_and_refused_again(app, pilot, session) -> None:
    """r on the image's diagnosis resumes the run, and its preflight refuses the flavor again."""
    await to_diagnosis(app, pilot, session.emulator.ids["image_old_csbs_server_deleted"])
    await pilot.press("r")
    await wait_for(pilot, lambda: screen_name(app) == "ExecutionScreen")
    await run_to_end(app, pilot)


async def test_the_refused_flavor_is_changed_from_the_diagnosis_and_the_run_finishes(make_session):
    session = make_session()
    run_id = refused_at_preflight(session)
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await open_change_screen(app, pilot, session)
        screen = app.screen
        assert "The flavor s99.huge is not offered in eu-de-01" in text_of(screen.query_one("#why"))
        assert app.focused.id == "q-flavor"  # the answer the cloud refused comes first
        flavor = screen.query_one("#field-flavor").question
        assert [c.value for c in flavor.choices] == ["s3.medium.2", "s3.large.2", "s3.xlarge.2"]  # the cloud's
        await choose(app, pilot, "flavor", 0)
        await pilot.press("n")
        await wait_for(pilot, lambda: screen_name(app) in ("ExecutionScreen", "ConfirmModal"))
        await run_to_end(app, pilot)
        run = executions(app)[0].run
        assert run.run_id == run_id and run.status == "succeeded"
    run = session.journal.load(run_id)
    assert [c["changes"] for c in run.answer_changes] == [{"flavor": ["s99.huge", "s3.medium.2"]}]
    assert [r.run_id for r in session.journal.runs()] == [run_id]  # the same run, no second repair
    servers = [s for s in session.emulator.state.servers.values() if f"{MARK_KEY}={run_id}" in s.tags]
    assert {s.flavor_id for s in servers} == {"s3.medium.2"}


async def test_after_the_refusal_the_steps_screen_offers_change_answers_in_place_of_a_new_repair(make_session):
    """r resumes the run, its preflight refuses the flavor again: the banner and the step's panel say h,
    and the change resumes the run on a fresh steps screen in place of the old one."""
    session = make_session()
    run_id = refused_at_preflight(session)
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await resumed_and_refused_again(app, pilot, session)
        banner = text_of(app.screen.query_one("#banner"))
        assert "h: change the answer, then the run resumes" in banner
        panel = " ".join(text_of(w) for w in app.screen.query("#step-create_temp_server Static"))
        assert "press h to change the answer" in panel and "new repair" not in panel
        await pilot.press("h")
        await wait_for(pilot, lambda: screen_name(app) == "ChangeAnswersScreen" and app.screen.ready)
        default = app.screen.query_one("#field-flavor").question.default  # the flavor the old backup records
        assert default in ("s3.medium.2", "s3.large.2", "s3.xlarge.2")
        await pilot.press("n")
        await wait_for(pilot, lambda: screen_name(app) in ("ExecutionScreen", "ConfirmModal"))
        await run_to_end(app, pilot)
        assert len(executions(app)) == 1
        assert executions(app)[0].run.status == "succeeded"
    assert session.journal.load(run_id).answers["server"]["flavor_id"] == default


async def test_a_change_that_would_alter_a_finished_step_is_refused_naming_it(make_session):
    session = make_session(faults=["ims.create_whole_image:first=1:status=400:code=IMG.0015"])
    first = WizardApp(session)
    ids = session.emulator.ids
    d = diagnose(session.clients, ids["image_old_csbs_server_deleted"])
    answers = Answers("cbr", False, ServerChoice("s3.large.2", ids["vpc_id"], ids["subnet_id"], "eu-de-01", "SAS"))
    run = session.new_run(d.image_id, d, answers, build_plan(session.clients, d, answers))
    assert session.runner(run, confirm=lambda step: True).run().status == "failed"  # after the ECS was made
    before = session.journal.path(run.run_id).read_text()
    async with first.run_test(size=SIZE) as pilot:
        await open_change_screen(first, pilot, session)
        await choose(first, pilot, "flavor", 0)
        await pilot.press("n")
        await wait_for(pilot, lambda: screen_name(first) == "ErrorModal")
        shown = " ".join(text_of(w) for w in first.screen.query("Plain"))
        assert "would alter 'Create a temporary ECS from the slow image', which has finished" in shown
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(first) == "ChangeAnswersScreen")
        assert first.screen.ready  # the answers stay, to change again or go back
    assert session.journal.path(run.run_id).read_text() == before


async def test_the_change_screen_fits_80x24(make_session):
    session = make_session()
    refused_at_preflight(session)
    app = WizardApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_change_screen(app, pilot, session)
        shown = {b.binding.action for b in app.screen.active_bindings.values() if b.binding.show and b.enabled}
        assert {"apply", "back"} <= shown
        await pilot.pause()
        field, main = app.screen.query_one("#field-flavor"), app.screen.query_one("#change")
        assert main.region.contains_region(field.region)  # the refused answer's whole question is in view


def test_the_change_screen_snapshot(snap_compare, tmp_path):
    """100x30, frozen, after a preflight refusal: the reason, then the questions from the refused one on."""
    from wizard.config import resolve
    from wizard.session import open_session

    session = open_session(resolve(demo=True), state_dir=tmp_path / "state", speed=6000, faults=[])
    refused_at_preflight(session, RUN_ID)

    async def before(pilot):
        await open_change_screen(pilot.app, pilot, session)

    assert snap_compare(WizardApp(session, frozen=True, run_id=RUN_ID), terminal_size=SIZE, run_before=before)


async def test_the_summary_of_a_refused_run_gives_the_resume_that_changes_the_answer(make_session):
    session = make_session()
    run_id = refused_at_preflight(session)
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await resumed_and_refused_again(app, pilot, session)
        await pilot.press("s")
        await wait_for(pilot, lambda: screen_name(app) == "SummaryScreen")
        resume = f"ecs-wizard resume {run_id} --flavor FLAVOR --state-dir {session.journal.directory} --demo"
        assert "press h to change the answer" in text_of(app.screen.query_one("#headline"))
        assert resume in text_of(app.screen.query_one("#headline"))
        assert f"Resume the run: {resume}" in text_of(app.screen.query_one("#next-steps"))


async def test_the_welcome_screen_changes_the_selected_runs_answers(make_session):
    session = make_session()
    run_id = refused_at_preflight(session)
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(app) == "WelcomeScreen")
        assert "h to change its answers" in text_of(app.screen.query_one("#runs-hint"))
        await pilot.press("h")
        await wait_for(pilot, lambda: screen_name(app) == "ChangeAnswersScreen" and app.screen.ready)
        assert app.screen.run.run_id == run_id
        await pilot.press("escape")  # back: nothing changed
        await wait_for(pilot, lambda: screen_name(app) == "WelcomeScreen")
    assert session.journal.load(run_id).answer_changes == []
