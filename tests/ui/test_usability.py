"""What a person notices at the keyboard and at 80x24: buttons that say what they do, pages that
scroll from the start, nothing cut off, errors said once, answers kept, focus shown without colour,
help that works everywhere, advice in the TUI's terms, and reports written where the screen says."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from textual.geometry import Region
from textual.widgets import Button, DataTable, Input, ProgressBar, RadioSet

from screens.advice import TUI
from screens.app import WizardApp
from screens.picker import KEEP_TAIL, fit_id
from screens.widgets.evidence import NARROW, column_widths, evidence_table
from screens.widgets.step_panel import StepPanel
from tests.ui.helpers import (
    RUN_ID,
    SIZE,
    choose,
    run_to_end,
    screen_name,
    settle,
    text_of,
    to_diagnosis,
    to_overview,
    to_picker,
    to_questions,
    wait_for,
)
from tests.ui.test_control import execution
from wizard.diagnose import diagnose
from wizard.plan import build_plan
from wizard.questions import Answers
from wizard.remedy import Action, Remedy, said
from wizard.runner import RunEvent

SMALL = (80, 24)


def screen_lines(widget) -> list[str]:
    """The lines a widget shows, as text."""
    region = Region(0, 0, widget.size.width, widget.size.height)
    return [strip.text.rstrip() for strip in widget.render_lines(region)]


async def stop_run(ex, pilot) -> None:
    """Cancel a run on a frozen cloud and wait until its worker has returned."""
    if ex.running:
        ex.action_cancel()
        await wait_for(pilot, lambda: not ex.running)


def visible(scroll, widget) -> bool:
    """Is the widget inside the part of its scroll container that is on screen?"""
    return scroll.scrollable_content_region.overlaps(widget.region) if widget.region else False


# -- 1. modal buttons say what they do ----------------------------------------------------------


async def test_confirm_modals_buttons_say_what_they_do(make_session):
    session = make_session(speed=0)  # a frozen cloud: the run waits where it is
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_overview(app, pilot, session.emulator.ids["image_old_csbs_server_exists"])
        await pilot.press("s")
        # the modal's buttons, not only the modal: under load a check can fall between push and compose
        await wait_for(pilot, lambda: screen_name(app) == "ConfirmModal" and len(app.screen.query(Button)) == 2)
        ex = execution(app)
        try:
            labels = [str(b.label) for b in app.screen.query(Button)]
            assert labels == ["Run this step (y)", "Stop here (n)"]
            await pilot.press("y")
            await wait_for(pilot, lambda: ex.query_one("#step-cbr_backup", StepPanel).status == "running")

            await pilot.press("ctrl+q")
            await pilot.pause()
            assert screen_name(app) == "ConfirmModal"
            assert [str(b.label) for b in app.screen.query(Button)] == ["Stop and quit (y)", "Keep running (n)"]
            # "Keep running" keeps it running
            await pilot.press("n")
            await pilot.pause()
            assert screen_name(app) == "ExecutionScreen" and ex.running and not app._exit
        finally:
            await stop_run(ex, pilot)


# -- 2. the page scrolls with PageDown/End/arrows from the start --------------------------------


async def test_diagnosis_scrolls_without_tabbing_into_it(session):
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_diagnosis(app, pilot, session.emulator.ids["image_old_csbs_server_exists"])
        screen = app.screen
        scroll = screen.query_one("#diagnosis")
        assert screen.focused is screen.query_one("#next", Button)  # Enter still goes on
        advice = screen.query_one("#advice")
        assert scroll.scroll_y == 0 and not visible(scroll, advice)
        assert screen.query_one(".more-below").display  # says there is more below
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: scroll.scroll_y > 0, timeout=3)
        await pilot.press("end")
        await wait_for(pilot, lambda: scroll.scroll_y == scroll.max_scroll_y, timeout=3)
        await pilot.pause()
        assert visible(scroll, advice) and visible(scroll, screen.query_one("#explanation"))
        assert not screen.query_one(".more-below").display
        await pilot.press("up")
        await wait_for(pilot, lambda: scroll.scroll_y < scroll.max_scroll_y, timeout=3)
        assert screen.query_one(".more-below").display
        await pilot.press("home")
        await wait_for(pilot, lambda: scroll.scroll_y == 0, timeout=3)
        assert screen.focused is screen.query_one("#next", Button)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "QuestionsScreen")


async def test_summary_at_80x24_shows_what_to_do_next_with_end(session):
    app = WizardApp(session)
    async with app.run_test(size=SMALL) as pilot:
        await to_overview(app, pilot, session.emulator.ids["image_old_csbs_server_exists"])
        await pilot.press("s")
        await run_to_end(app, pilot)
        screen = app.screen
        assert screen_name(app) == "SummaryScreen"
        scroll = screen.query_one("#summary")
        next_steps = screen.query_one("#next-steps")
        assert not visible(scroll, next_steps)
        await pilot.press("end")
        await wait_for(pilot, lambda: scroll.scroll_y > 0 and scroll.scroll_y == scroll.max_scroll_y, timeout=3)
        await pilot.pause()
        assert visible(scroll, next_steps) and visible(scroll, screen.query_one("#exported"))


# -- 3. nothing cut off at 80x24 ------------------------------------------------------------------


def test_fit_id_keeps_the_distinguishing_tail():
    image_id = "5ca1ab1e-001b-4000-8000-000000000004"
    assert fit_id(image_id, 36) == image_id and fit_id(image_id, 50) == image_id
    short = fit_id(image_id, 24)
    assert len(short) == 24 and short.endswith(image_id[-KEEP_TAIL:]) and "…" in short and short.startswith("5ca1ab1e")
    assert fit_id(image_id, 10) == "…" + image_id[-9:]


def footer_fits(app) -> bool:
    """Does every key of the footer show whole, left of the command palette's key, at this width?"""
    footer = app.screen.query_one("Footer")
    keys = list(footer.query("FooterKey"))
    palette = [key for key in keys if "-command-palette" in key.classes]
    limit = palette[0].region.x if palette else footer.region.right
    shown = [key for key in keys if key not in palette]
    return bool(shown) and all(key.region.width and key.region.right <= limit for key in shown)


@pytest.mark.parametrize("where", ["welcome", "picker", "diagnosis", "questions", "overview"])
async def test_footer_fits_80_columns(session, where):
    image_id = session.emulator.ids["image_old_csbs_server_exists"]
    app = WizardApp(session)
    async with app.run_test(size=SMALL) as pilot:
        if where == "welcome":
            await wait_for(pilot, lambda: screen_name(app) == "WelcomeScreen")
        elif where == "picker":
            await to_picker(app, pilot)
        elif where == "diagnosis":
            await to_diagnosis(app, pilot, image_id)
        elif where == "questions":
            await to_questions(app, pilot, image_id)
        else:
            await to_overview(app, pilot, image_id)
        await pilot.pause()
        assert footer_fits(app), [str(key.render()) for key in app.screen.query("FooterKey")]


def buttons_cut(app) -> list[str]:
    """The buttons of the screen's button row that do not show whole inside the screen at this size."""
    from rich.cells import cell_len

    screen = app.screen.region
    buttons = [b for b in app.screen.query(".buttons Button") if b.display]
    assert buttons
    return [
        str(b.label)
        for b in buttons
        if not (b.region.width >= cell_len(str(b.label)) and screen.contains_region(b.region))
    ]


@pytest.mark.parametrize("where", ["diagnosis", "open-run", "not-affected", "questions", "overview", "summary"])
async def test_every_button_shows_whole_at_80x24(make_session, where):
    """Each screen's button row at 80x24, with the most buttons it can have: the diagnosis of an image
    with an open repair (five), and the summary of a run that kept its temporary ECS (four)."""
    from tests.ui.test_control import stopped_before_the_first_billable_step

    session = make_session()
    ids = session.emulator.ids
    run_id = await stopped_before_the_first_billable_step(session) if where == "open-run" else None
    app = WizardApp(session)
    async with app.run_test(size=SMALL) as pilot:
        if where == "diagnosis":
            await to_diagnosis(app, pilot, ids["image_old_csbs_server_exists"])
        elif where == "open-run":
            await to_diagnosis(app, pilot, ids["image_old_csbs_server_deleted"])
            assert run_id in text_of(app.screen.query_one("#open-run"))
            assert len(app.screen.query(".buttons Button")) == 5
        elif where == "not-affected":
            await to_diagnosis(app, pilot, ids["image_new_csbs"])
        elif where == "questions":
            await to_questions(app, pilot, ids["image_old_csbs_server_exists"])
        else:
            await to_overview(app, pilot, ids["image_old_csbs_server_deleted"])
        if where == "summary":
            await pilot.press("s")
            await run_to_end(app, pilot, decline="Delete the temporary ECS")
            assert screen_name(app) == "SummaryScreen"
            assert app.screen.query("#test_launch") and app.screen.query("#delete_temp_server")
        await pilot.pause()
        assert not buttons_cut(app), [str(b.label) for b in app.screen.query(".buttons Button")]


async def test_picker_ids_distinguishable_at_80x24(session):
    app = WizardApp(session)
    async with app.run_test(size=SMALL) as pilot:
        await to_picker(app, pilot)
        table = app.screen.query_one("#images", DataTable)
        shown = {key.value: str(table.get_row(key)[2]) for key in table.rows}
        assert len(shown) == 6 and len(set(shown.values())) == 6
        for image_id, text in shown.items():
            assert text.endswith(image_id[-KEEP_TAIL:])
        assert table.max_scroll_x == 0  # nothing hidden to the right
        # still chosen by the full id: the list opens on the first affected image
        await wait_for(pilot, lambda: app.screen.scan_done)
        first_affected = next(image_id for image_id in shown if app.screen.verdicts[image_id].affected)
        table.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "DiagnosisScreen")
        assert app.screen.diagnosis.image_id == first_affected


async def test_picker_shows_whole_ids_where_they_fit(session):
    app = WizardApp(session)
    async with app.run_test(size=(120, 30)) as pilot:
        await to_picker(app, pilot)
        table = app.screen.query_one("#images", DataTable)
        assert all(str(table.get_row(key)[2]) == key.value for key in table.rows)


async def test_welcome_runs_table_fits_80_columns(make_session):
    session = make_session()
    first = WizardApp(session)
    async with first.run_test(size=SIZE) as pilot:
        await to_overview(first, pilot, session.emulator.ids["image_old_csbs_server_deleted"])
        await pilot.press("s")
        await run_to_end(first, pilot, answer="n")  # an interrupted run for the welcome screen
    app = WizardApp(session)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        await pilot.pause()
        table = app.screen.query_one("#resumable", DataTable)
        assert table.max_scroll_x == 0  # no column runs off to the right
        lines = "\n".join(screen_lines(table))
        stopped_at = next(s.title for s in session.journal.runs()[0].plan.steps if s.status != "succeeded")
        assert " ".join(stopped_at.split()[:3]) in lines and stopped_at.split()[-1] in lines  # wrapped, not cut


def test_evidence_columns_keep_names_and_codes_whole(session):
    d = diagnose(session.clients, session.emulator.ids["image_old_csbs_server_exists"])
    widths = column_widths(d.evidence, 92)  # the table's width at 100x30
    assert sum(widths) + 9 == 92
    assert widths[0] >= len("extend_info.support_lld")
    assert widths[1] >= len("(BackupService.6200)")
    text = "\n".join(line.rstrip() for line in _render(evidence_table(d.evidence, 92), 92))
    assert "extend_info.support_lld" in text and "(BackupService.6200)" in text
    # narrower than NARROW: stacked, every line within the width, nothing cut inside a name
    stacked = _render(evidence_table(d.evidence, 72), 72)
    assert 72 < NARROW and all(len(line.rstrip()) <= 72 for line in stacked)
    assert any(line.startswith("extend_info.support_lld: false") for line in stacked)


def _render(renderable, width: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None)
    with console.capture() as capture:
        console.print(renderable)
    return capture.get().splitlines()


async def test_evidence_on_screen_at_100x30_and_80x24(session):
    for size in (SIZE, SMALL):
        app = WizardApp(session)
        async with app.run_test(size=size) as pilot:
            await to_diagnosis(app, pilot, session.emulator.ids["image_old_csbs_server_exists"])
            lines = screen_lines(app.screen.query_one("#evidence"))
            text = "\n".join(lines)
            assert "extend_info.support_lld" in text, size
            assert "(BackupService.6200)" in text, size
            # 9: lowercase booleans, words for users
            assert "False" not in text and "True" not in text and "false" in text
            assert "§" not in text and "reference" not in text


# -- 4. an error said once; a failed step's bar stands still ------------------------------------


@pytest.mark.parametrize("how,marker", [("failed", "✗ failed"), ("cancelled", "|| cancelled")])
async def test_stopped_step_bar_stops_animating(session, how, marker):
    """A step without a percentage runs with the indeterminate bar; once it failed or was
    cancelled the bar stands still (no moving pulse, no "--%") and says why in words."""
    from screens.execution import ExecutionScreen

    ids = session.emulator.ids
    diagnosis = diagnose(session.clients, ids["image_old_csbs_server_exists"])
    plan = build_plan(session.clients, diagnosis, Answers(), run_id=RUN_ID)
    run = session.new_run(diagnosis.image_id, diagnosis, Answers(), plan)
    step = plan.steps[0]
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        screen = ExecutionScreen(run, start=False)
        await app.push_screen(screen)
        await pilot.pause()
        panel = screen.query_one(f"#step-{step.name}", StepPanel)
        bar = panel.query_one(ProgressBar)
        screen.apply_event(RunEvent("step-started", RUN_ID, step.name, step.title, status="running"))
        screen.apply_event(
            RunEvent(
                "progress", RUN_ID, step.name, step.title, status="running", message="waiting", data={"elapsed": 5.0}
            )
        )
        await pilot.pause()
        assert bar.total is None  # indeterminate while it runs
        if how == "failed":
            screen.apply_event(
                RunEvent(
                    "step-failed",
                    RUN_ID,
                    step.name,
                    step.title,
                    status="failed",
                    message="quota exceeded",
                    data={"code": "Ecs.0001", "request_id": "r-1", "remedy": "Raise the quota.", "service": "ecs"},
                )
            )
        else:
            screen.apply_event(
                RunEvent(
                    "message",
                    RUN_ID,
                    step.name,
                    step.title,
                    status="cancelled",
                    message="cancelled; the run can be resumed",
                )
            )
        await pilot.pause()
        assert bar.total == 100 and bar.percentage == 0  # stands still, empty
        assert not bar.query_one("#percentage").display  # no "0%" or "--%" for a step that never reported one
        assert marker in text_of(panel.query_one(".step-elapsed"))
        if how == "failed":
            error = text_of(panel.query_one(".step-error"))
            assert error.splitlines() == [
                "✗ ECS error Ecs.0001: quota exceeded",
                "  request id: r-1",
                "  what to do: Raise the quota.",
            ]


# -- 5. answers kept going back and forward ------------------------------------------------------


async def test_answers_kept_when_going_back_and_forward(session):
    app = WizardApp(session)
    image_id = session.emulator.ids["image_old_csbs_server_exists"]
    async with app.run_test(size=SIZE) as pilot:
        await to_overview(app, pilot, image_id, service="csbs", test_launch=True)
        assert app.screen.answers.service == "csbs"
        await pilot.press("escape")  # back to the questions
        await wait_for(pilot, lambda: screen_name(app) == "QuestionsScreen")
        await pilot.press("escape")  # back to the diagnosis
        await wait_for(pilot, lambda: screen_name(app) == "DiagnosisScreen")
        await pilot.press("n")
        await wait_for(pilot, lambda: screen_name(app) == "QuestionsScreen")
        await settle(app, pilot)
        assert app.screen.query_one("#q-service", RadioSet).pressed_index == 1  # CSBS, as chosen
        assert app.screen.query_one("#q-test_launch", RadioSet).pressed_index == 1
        await pilot.press("n")
        await wait_for(pilot, lambda: screen_name(app) == "OverviewScreen")
        assert app.screen.answers.service == "csbs" and app.screen.answers.test_launch
        assert app.screen.plan.path_id == "csbs-source-exists"

        # another image starts from its defaults, and so does this one when chosen again after it
        for _ in range(3):
            await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "PickerScreen")
        for other in (session.emulator.ids["image_old_csbs_server_deleted"], image_id):
            app.screen.query_one("#filter", Input).value = other
            app.screen.query_one("#filter", Input).focus()
            await pilot.press("enter")
            await wait_for(pilot, lambda: screen_name(app) == "DiagnosisScreen")
            await pilot.press("n")
            await wait_for(pilot, lambda: screen_name(app) == "QuestionsScreen")
            await settle(app, pilot)
            assert app.screen.query_one("#q-service", RadioSet).pressed_index == 0
            await pilot.press("escape")
            await wait_for(pilot, lambda: screen_name(app) == "DiagnosisScreen")
            await pilot.press("escape")
            await wait_for(pilot, lambda: screen_name(app) == "PickerScreen")


# -- 6. the focused question is marked without colour -------------------------------------------


async def test_focused_question_has_a_marker(session):
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_questions(app, pilot, session.emulator.ids["image_old_csbs_server_exists"])

        def marks() -> dict[str, str]:
            return {f.question.key: text_of(f.query_one(".focus-mark")) for f in app.screen.query("QuestionField")}

        assert marks()["service"].startswith("▶") and not marks()["source_exists"].strip()
        await pilot.press("tab")
        await pilot.pause()
        assert marks()["source_exists"].startswith("▶") and not marks()["service"].strip()
        assert [k for k, m in marks().items() if m.strip()] == ["source_exists"]
        await choose(app, pilot, "test_launch", 1)
        assert [k for k, m in marks().items() if m.strip()] == ["test_launch"]


# -- 7. a help key that works while typing in the filter ----------------------------------------


async def test_f1_opens_help_while_typing_in_the_filter(session):
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_picker(app, pilot)
        await pilot.press(*"erp")
        assert app.screen.query_one("#filter", Input).has_focus
        active = app.screen.active_bindings
        assert "question_mark" not in active  # ? types into the filter
        assert active["f1"].binding.action == "help"
        footer_keys = [str(k.key_display) for k in app.screen.query("FooterKey")]
        assert "F1" in footer_keys
        await pilot.press("question_mark")
        assert app.screen.query_one("#filter", Input).value == "erp?"
        await pilot.press("f1")
        await pilot.pause()
        assert screen_name(app) == "HelpModal"
        await pilot.press("f1")
        await pilot.pause()
        assert screen_name(app) == "PickerScreen"


# -- 10. the error modal advises the TUI way -----------------------------------------------------


async def test_error_modal_gives_tui_advice(session):
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_picker(app, pilot)
        await pilot.press("slash")
        app.screen.query_one("#filter", Input).value = "5ca1ab1e-001b-4000-8000-0000000000ff"  # no such image
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "ErrorModal")
        text = " ".join(text_of(w) for w in app.screen.query("Plain"))
        assert "No image with id" in text
        assert "ecs-wizard scan" not in text and "image list" in text
        await pilot.press("escape")
        await pilot.pause()
        assert screen_name(app) == "PickerScreen"


def test_tui_phrases_remedies_from_data():
    """The TUI's words for the engine's remedies (no rewriting of command-line prose any more; the
    first and third wordings changed with that: they now come from the remedy's data)."""
    assert TUI.say(Remedy(Action.LIST_IMAGES, "Check the id, the region and the project")) == (
        "Check the id, the region and the project; close this message: the image list shows the project's "
        "full-ECS images."
    )
    assert TUI.say(Remedy(Action.FIX_AND_RESUME)) == (
        "Fix the cause the cloud gave above, then press r to resume the run."
    )
    assert TUI.say(
        Remedy(
            Action.CHANGE_ANSWER,
            outcome="the wizard then first creates a temporary ECS",
            question="source_exists",
            answer="no",
        )
    ) == (
        "Answer 'No' to 'Does the source ECS still exist?' on the questions screen; the wizard then first creates "
        "a temporary ECS."
    )
    assert TUI.say(said("Raise the quota, then resume.")) == "Raise the quota, then resume."  # a sentence as it is


# -- 11. the report goes where the summary says ---------------------------------------------------


async def test_export_goes_to_the_state_directory_and_says_where(session):
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_overview(app, pilot, session.emulator.ids["image_old_csbs_server_exists"])
        await pilot.press("s")
        await run_to_end(app, pilot)
        summary = app.screen
        expected = (session.journal.directory / "reports" / f"ecs-wizard-report-{summary.run.run_id}.md").resolve()
        assert f"writes it to {expected}" in text_of(summary.query_one("#exported"))  # before exporting
        assert not expected.exists()
        await pilot.press("e")
        await pilot.pause()
        assert summary.exported == expected and expected.exists() and expected.is_absolute()
        assert summary.run.run_id in expected.read_text()
        assert any(str(expected) in n.message for n in app._notifications)
        assert not list(Path.cwd().glob("ecs-wizard-report-*"))  # nothing in the current directory


async def test_a_step_panel_says_the_cloud_time_and_the_time_here_at_the_speed(session):
    """A presenter's demo at 10x: the panel says what the step takes in a real cloud and here."""
    from screens.execution import ExecutionScreen

    ids = session.emulator.ids
    diagnosis = diagnose(session.clients, ids["image_old_csbs_server_exists"])
    plan = build_plan(session.clients, diagnosis, Answers(), run_id=RUN_ID)
    run = session.new_run(diagnosis.image_id, diagnosis, Answers(), plan)
    step = plan.steps[1]
    app = WizardApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ExecutionScreen(run, start=False)
        await app.push_screen(screen)
        await pilot.pause()
        panel = screen.query_one(f"#step-{step.name}", StepPanel)
        screen.apply_event(RunEvent("step-started", RUN_ID, step.name, step.title, status="running"))
        screen.apply_event(
            RunEvent(
                "progress",
                RUN_ID,
                step.name,
                step.title,
                status="running",
                progress=40.0,
                data={"elapsed": 9.6, "cloud_elapsed": 96.0, "speed": 10.0},
            )
        )
        await pilot.pause()
        elapsed = panel.query_one(".step-elapsed")
        assert text_of(elapsed) == "  elapsed 1 min 36 s of cloud time, 9.6 s here at 10x"
        screen.apply_event(
            RunEvent(
                "step-succeeded",
                RUN_ID,
                step.name,
                step.title,
                status="succeeded",
                data={"seconds": 24.0, "cloud_seconds": 240.0, "speed": 10.0},
            )
        )
        await pilot.pause()
        assert text_of(elapsed) == "  took 4 min 00 s of cloud time, 24.0 s here at 10x"
        assert elapsed.region.height == 2  # at 80 columns it wraps beside the bar instead of being cut
