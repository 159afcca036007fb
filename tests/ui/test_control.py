"""Confirmation, cancel and resume, step mode, errors, help, the command palette, quitting."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, ProgressBar

from screens.app import WizardApp
from screens.execution import ExecutionScreen
from screens.widgets.step_panel import StepPanel
from tests.ui.helpers import SIZE, run_to_end, screen_name, settle, text_of, to_diagnosis, to_overview, wait_for
from wizard.sim import FaultRule


def execution(app) -> ExecutionScreen:
    return next(s for s in app.screen_stack if isinstance(s, ExecutionScreen))


async def start_until_backup_running(app, pilot, session) -> ExecutionScreen:
    """Scenario 1 on a frozen cloud: approve the vault and stop looking once the backup is running."""
    await to_overview(app, pilot, session.emulator.ids["image_old_csbs_server_exists"])
    await pilot.press("s")
    await wait_for(pilot, lambda: screen_name(app) == "ConfirmModal")
    await pilot.press("y")
    ex = execution(app)
    await wait_for(pilot, lambda: ex.query_one("#step-cbr_backup", StepPanel).status == "running")
    return ex


async def stopped_before_the_first_billable_step(session) -> str:
    """A run of scenario 2 in one TUI, declined at its first billable step: open, resumable."""
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_overview(app, pilot, session.emulator.ids["image_old_csbs_server_deleted"])
        await pilot.press("s")
        await run_to_end(app, pilot, answer="n")
        return execution(app).run.run_id


async def test_declining_confirmation_stops_before_the_step(session):
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_overview(app, pilot, session.emulator.ids["image_old_csbs_server_exists"])
        await pilot.press("s")
        await wait_for(pilot, lambda: screen_name(app) == "ConfirmModal")
        assert "billable" in text_of(app.screen.query_one(".modal-title")).lower()
        await run_to_end(app, pilot, answer="n")
        ex = execution(app)
        assert ex.run.status == "cancelled"
        assert "[||] Cancelled" in text_of(ex.query_one("#banner"))
        assert f"ecs-wizard resume {ex.run.run_id}" in text_of(ex.query_one("#banner"))
        assert ex.query_one("#step-ensure_vault", StepPanel).status == "pending"


async def test_cancel_mid_step_then_resume_in_the_tui(make_session):
    session = make_session(speed=0)  # frozen cloud: the backup stays 'protecting' until time moves
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        ex = await start_until_backup_running(app, pilot, session)
        assert "Esc/c cancel" in text_of(ex.query_one("#cancel-hint"))
        await pilot.press("c")
        await wait_for(pilot, lambda: not ex.running)
        await settle(app, pilot)
        assert ex.run.status == "cancelled" and ex.run.resumable
        assert session.journal.load(ex.run.run_id).status == "cancelled"
        assert "resume" in text_of(ex.query_one("#banner"))
        # resume here, with the cloud moving again
        session.emulator.clock.speed = 6000
        await pilot.press("r")
        await run_to_end(app, pilot)
        assert ex.run.status == "succeeded"
        assert screen_name(app) == "SummaryScreen"
        # the backup was not made twice: one backup resource on the step
        assert len([r for r in ex.run.plan.step("cbr_backup").resources if r["type"] == "backup"]) == 1


async def test_resume_from_the_welcome_screen(make_session):
    session = make_session()
    run_id = await stopped_before_the_first_billable_step(session)
    second = WizardApp(session)  # same emulator, a new TUI
    async with second.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = second.screen.query_one("#resumable", DataTable)
        assert table.get_row_at(0)[0] == run_id
        table.focus()
        await pilot.press("r")
        await wait_for(pilot, lambda: screen_name(second) in ("ExecutionScreen", "ConfirmModal"))
        await run_to_end(second, pilot)
        assert screen_name(second) == "SummaryScreen"
        assert second.screen.run.run_id == run_id and second.screen.run.status == "succeeded"


async def test_step_mode_pauses_before_each_step(session):
    app = WizardApp(session, step_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        await to_overview(app, pilot, session.emulator.ids["image_old_csbs_server_exists"], service="csbs")
        await pilot.press("s")
        ex = execution(app)
        for number, step in enumerate(ex.run.plan.steps, start=1):
            await wait_for(pilot, lambda: ex.gate is not None)
            assert f"Step mode: next is {number}. {step.title}" in text_of(ex.query_one("#banner"))
            assert ex.query_one(f"#step-{step.name}", StepPanel).status == "pending"
            assert ex.check_action("continue", ()) and not ex.check_action("summary", ())
            await pilot.press("enter")
            if step.needs_confirmation:
                await wait_for(pilot, lambda: screen_name(app) == "ConfirmModal")
                await pilot.press("y")
        await run_to_end(app, pilot)
        assert ex.run.status == "succeeded"
        await wait_for(pilot, lambda: screen_name(app) == "SummaryScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "ExecutionScreen")
        # the footer offers what the banner says: Enter (or s) for the summary, no next step
        assert "Enter or s: summary" in text_of(ex.query_one("#banner"))
        assert not ex.check_action("continue", ()) and ex.check_action("summary", ())
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "SummaryScreen")


async def test_cloud_error_shown_in_an_error_panel(make_session):
    session = make_session(faults=[FaultRule.parse("ims.create_whole_image:first=9:status=400:code=IMG.0015")])
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_overview(app, pilot, session.emulator.ids["image_old_csbs_server_exists"])
        await pilot.press("s")
        await run_to_end(app, pilot)
        ex = execution(app)
        assert ex.run.status == "failed"
        panel = ex.query_one("#step-create_image", StepPanel)
        assert panel.status == "failed" and "[XX]" in text_of(panel.query_one(".step-header"))
        error = panel.query_one(".step-error")
        assert error.display and "IMG.0015" in text_of(error)
        assert "quota" in text_of(error)  # the remedy
        assert "[XX] The run failed at 'Create a full-ECS image" in text_of(ex.query_one("#banner"))
        # each part of the error is shown once (the banner names the step and the code)
        request_id = panel.step.error.request_id
        shown = (
            "\n".join(text_of(w) for w in panel.query("Plain") if w.display) + "\n" + text_of(ex.query_one("#banner"))
        )
        assert request_id and shown.count(request_id) == 1 and shown.count("IMG.0015") == 2
        assert (
            shown.count("Injected fault") == 1
            and shown.count("what to do") == 1
            and shown.count("raise the quota") == 1
        )
        assert not panel.query_one(".step-action").display
        assert text_of(error).startswith("✗ IMS error IMG.0015: Injected fault")
        # the bar has stopped: not indeterminate, not moving, and says it failed in words
        bar = panel.query_one(ProgressBar)
        before = bar.percentage
        await pilot.pause(0.3)
        assert bar.total == 100 and before is not None and bar.percentage == before
        assert "✗ failed" in text_of(panel.query_one(".step-elapsed"))
        # the summary says what failed and what to do, in one sentence
        await pilot.press("s")
        await wait_for(pilot, lambda: screen_name(app) == "SummaryScreen")
        headline = " ".join(text_of(app.screen.query_one("#headline")).split())
        assert headline.startswith(
            "[XX] The run failed at 'Create a full-ECS image from the new backup' (Injected fault)"
        )
        assert "quota" in headline and session.resume_command(ex.run.run_id) in headline
        assert headline.count(".") <= 3 and "has not finished" not in headline  # one sentence (ids hold none)
        # the commands for later carry this session's state directory and the demo: they work as printed
        next_steps = " ".join(text_of(app.screen.query_one("#next-steps")).split())
        reach = f"--state-dir {session.journal.directory} --demo"
        assert f"ecs-wizard resume {ex.run.run_id} {reach}" in next_steps
        assert f"The full record: ecs-wizard report {ex.run.run_id} {reach}" in next_steps
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "ExecutionScreen")
        # fix the cause (the fault is used up after 9), retry from the failed step
        session.emulator.clear_faults()
        await pilot.press("r")
        await run_to_end(app, pilot)
        assert ex.run.status == "succeeded"


async def test_worker_error_becomes_an_error_modal(session):
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_diagnosis(app, pilot, session.emulator.ids["image_old_csbs_server_exists"])
        # back to the picker, then the cloud refuses the next diagnosis
        await pilot.press("escape")
        session.emulator.add_fault(
            FaultRule.parse("ims.list_images:first=5:status=403:code=IMG.0001:message=Forbidden here")
        )
        app.screen.verdicts.clear()
        app.screen.query_one("#filter").value = session.emulator.ids["image_cbr"]
        app.screen.query_one("#filter").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "ErrorModal")
        modal = app.screen
        text = " ".join(text_of(w) for w in modal.query("Plain"))
        assert "IMG.0001" in text and "Forbidden here" in text and "Diagnosing the image failed" in text
        await pilot.press("escape")
        assert screen_name(app) == "PickerScreen"
        assert not app.screen.query_one("#images").loading


async def test_image_not_affected_ends_at_the_diagnosis(session):
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_diagnosis(app, pilot, session.emulator.ids["image_cbr"], type_it=True)
        assert "✓ Not affected" in text_of(app.screen.query_one("#verdict"))
        assert "another cause" in text_of(app.screen.query_one("#advice"))
        await pilot.press("n")  # no next step for an image that is fine
        await pilot.pause()
        assert screen_name(app) == "DiagnosisScreen"


async def test_help_on_every_screen(session):
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        for go in (None, "picker", "diagnosis"):
            if go == "picker":
                await pilot.press("enter")
                await wait_for(pilot, lambda: screen_name(app) == "PickerScreen" and app.screen.scan_done)
                app.screen.query_one("#images").focus()
            if go == "diagnosis":
                await pilot.press("enter")
                await wait_for(pilot, lambda: screen_name(app) == "DiagnosisScreen")
            await pilot.pause()
            under = app.screen
            await pilot.press("question_mark")
            await pilot.pause()
            assert screen_name(app) == "HelpModal"
            keys = app.screen.query_one("#help-keys", DataTable)
            rows = {str(keys.get_row_at(i)[1]): str(keys.get_row_at(i)[0]) for i in range(keys.row_count)}
            assert "Help" in rows and "Quit" in rows
            assert rows["Help"] == "?/F1"
            # only the app's and the screen's own keys: none of Textual's built-in ones
            assert not {"Copy selected text", "Focus Next", "Focus Previous", "Scroll Up", "Page Down"} & set(rows)
            assert not any("super" in key or key == "tab" for key in rows.values())
            hints = " ".join(text_of(w) for w in app.screen.query(".hint"))
            assert "Tab / Shift+Tab" in hints
            assert under.HELP[:30] in text_of(app.screen.query_one(".help-text"))
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is under


async def test_command_palette_entries(session):
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Export report", "Open runs", "Switch theme (light/dark)"} <= set(titles)
        dark = app.current_theme.dark
        app.command_toggle_theme()
        assert app.current_theme.dark is not dark
        app.command_runs()
        await pilot.pause()
        assert screen_name(app) == "RunsModal"


@pytest.mark.parametrize("key", ["ctrl+q", "ctrl+c"])
async def test_quit_during_a_run_asks_and_says_how_to_resume(make_session, key):
    session = make_session(speed=0)
    app = WizardApp(session)
    said = []  # what the terminal shows once the screen is gone
    exit_app = app.exit
    app.exit = lambda *args, **kw: (said.append(kw.get("message")), exit_app(*args, **kw))[1]
    async with app.run_test(size=SIZE) as pilot:
        ex = await start_until_backup_running(app, pilot, session)
        await pilot.press(key)
        await pilot.pause()
        assert screen_name(app) == "ConfirmModal"
        resume = session.resume_command(ex.run.run_id)  # with --state-dir: it works as printed
        assert "--state-dir" in resume
        assert resume in text_of(app.screen.query("Plain")[1]).replace("\n", " ")
        await pilot.press("y")
        await wait_for(pilot, lambda: app._exit, timeout=10)
    assert app.return_code == 130
    assert session.journal.load(ex.run.run_id).status == "cancelled"
    assert resume in str(said[-1]) and said[-1].no_wrap  # one line: the terminal may wrap it, never a newline


async def test_ctrl_c_before_a_run_quits_at_once(session):
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: app._exit, timeout=10)
    assert app.return_code == 0


async def test_an_image_with_an_open_run_offers_that_run_first(make_session):
    """One open repair per image: the diagnosis of an image with an open run offers to resume it (r);
    Next would start a second repair."""
    session = make_session()
    run_id = await stopped_before_the_first_billable_step(session)
    second = WizardApp(session)
    async with second.run_test(size=SIZE) as pilot:
        await to_diagnosis(second, pilot, session.emulator.ids["image_old_csbs_server_deleted"])
        notice = text_of(second.screen.query_one("#open-run"))
        assert f"open repair: run {run_id} (cancelled)" in notice and "second image" in notice
        assert second.focused.id == "resume-open"
        await pilot.press("r")
        await wait_for(pilot, lambda: screen_name(second) in ("ExecutionScreen", "ConfirmModal"))
        await run_to_end(second, pilot)
        assert second.screen.run.run_id == run_id and second.screen.run.status == "succeeded"
    assert [r.run_id for r in session.journal.runs()] == [run_id]  # resumed, no second repair


async def test_an_open_run_can_be_abandoned_from_the_diagnosis_after_seeing_what_it_made(make_session):
    """a on the diagnosis of an image with an open run: what the run made is listed with what it costs,
    one question (No has the focus), then each resource is deleted and the run ends abandoned."""
    from wizard.ownership import MARK_KEY

    session = make_session(faults=["ims.create_whole_image:first=1:status=400:code=IMG.0015"])
    first = WizardApp(session)
    async with first.run_test(size=SIZE) as pilot:
        await to_overview(first, pilot, session.emulator.ids["image_old_csbs_server_deleted"])
        await pilot.press("s")
        await run_to_end(first, pilot)
        run_id = execution(first).run.run_id
    assert session.journal.load(run_id).status == "failed"

    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_diagnosis(app, pilot, session.emulator.ids["image_old_csbs_server_deleted"])
        assert "abandon it (a)" in text_of(app.screen.query_one("#open-run"))
        await pilot.press("a")
        await wait_for(pilot, lambda: screen_name(app) == "ConfirmModal")
        shown = " ".join(text_of(p) for p in app.screen.query("Plain"))
        assert f"Abandon run {run_id}?" in shown and "To delete (3), in this order:" in shown
        assert "billed while it exists" in shown
        assert app.focused.id == "no"
        await pilot.press("n")  # kept: nothing deleted
        await wait_for(pilot, lambda: screen_name(app) == "DiagnosisScreen")
        assert session.journal.load(run_id).status == "failed"
        await pilot.press("a")
        await wait_for(pilot, lambda: screen_name(app) == "ConfirmModal")
        await pilot.press("y")
        await wait_for(pilot, lambda: "was abandoned" in text_of(app.screen.query_one("#open-run")), timeout=30)
        await wait_for(pilot, lambda: not app.screen.query("#resume-open, #abandon-open"))
        assert app.focused.id == "next"
    assert session.journal.load(run_id).status == "abandoned"
    session.emulator.clock.advance(3600)
    assert not any(session.emulator.state.tag_counts().get(f"{MARK_KEY}={run_id}", {}).values())


async def test_the_welcome_screen_abandons_the_selected_run(make_session):
    """a on the welcome screen's list of interrupted runs: the same listing and question, then the
    run leaves the list."""
    session = make_session()
    run_id = await stopped_before_the_first_billable_step(session)  # nothing made yet
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "connected" in text_of(app.screen.query_one("#connection")))
        await pilot.press("a")
        await wait_for(pilot, lambda: screen_name(app) == "ConfirmModal")
        shown = " ".join(text_of(p) for p in app.screen.query("Plain"))
        assert f"Abandon run {run_id}?" in shown and "Nothing this run made still exists." in shown
        await pilot.press("y")
        await wait_for(pilot, lambda: "was abandoned" in text_of(app.screen.query_one("#runs-hint")))
        assert app.screen.query_one("#resumable", DataTable).row_count == 0
    assert session.journal.load(run_id).status == "abandoned"


async def test_a_not_affected_diagnosis_has_one_button_for_esc(session):
    from textual.widgets import Button

    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_diagnosis(app, pilot, session.emulator.ids["image_new_csbs"])
        labels = [str(b.label) for b in app.screen.query(Button)]
        assert [label for label in labels if "Esc" in label] == ["Choose another image (Esc)"], labels
        explanation = text_of(app.screen.query_one("#explanation"))
        assert explanation.startswith("Not affected. The backup supports lazy loading")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "PickerScreen")


async def test_log_lines_wrap_instead_of_being_cut(session):
    from textual.widgets import RichLog

    app = WizardApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_overview(app, pilot, session.emulator.ids["image_old_csbs_server_exists"])
        await pilot.press("s")
        await run_to_end(app, pilot)
        await wait_for(pilot, lambda: screen_name(app) == "SummaryScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "ExecutionScreen")
        ex = execution(app)
        await pilot.press("l")  # open every log
        await pilot.pause(0.3)
        panel = ex.query_one("#step-ensure_vault", StepPanel)
        log = panel.query_one(RichLog)
        log.scroll_visible()
        await pilot.pause(0.3)
        shown = [strip.text.rstrip() for strip in log.lines]
        assert shown and all(len(line) <= log.size.width for line in shown)
        words = "".join("".join(shown).split())
        assert "".join("creates billable resources. Continue?".split()) in words, shown  # whole, across lines
