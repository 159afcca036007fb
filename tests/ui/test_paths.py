"""The four repair paths through the demo, driven by keys, checked at every stage."""

from __future__ import annotations

import re
import stat

import pytest
from textual.widgets import DataTable

from screens.app import WizardApp
from screens.widgets.bar_chart import BarChart
from screens.widgets.step_panel import StepPanel
from tests.ui.helpers import (
    SIZE,
    choose,
    run_to_end,
    screen_name,
    text_of,
    to_diagnosis,
    to_overview,
    to_picker,
    to_questions,
    wait_for,
)

PATHS = [
    ("image_old_csbs_server_exists", "cbr", "cbr-source-exists"),
    ("image_old_csbs_server_exists", "csbs", "csbs-source-exists"),
    ("image_old_csbs_server_deleted", "cbr", "cbr-source-gone"),
    ("image_old_csbs_server_deleted", "csbs", "csbs-source-gone"),
]


async def test_picker_scans_every_image(session):
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_picker(app, pilot)
        table = app.screen.query_one("#images", DataTable)
        rows = {key.value: str(table.get_row(key)[1]) for key in table.rows}
        ids = session.emulator.ids
        assert rows[ids["image_old_csbs_server_exists"]].startswith("✗ affected")
        assert rows[ids["image_old_csbs_server_deleted"]].startswith("✗ affected")
        assert "not affected (CBR)" in rows[ids["image_cbr"]]
        assert "not affected (new CSBS)" in rows[ids["image_new_csbs"]]
        assert "3 affected" in text_of(app.screen.query_one("#scan-status"))
        # the filter narrows the list
        await pilot.press("slash", *"erp-db")
        await pilot.pause()
        assert table.row_count == 1


async def test_the_list_opens_on_the_first_affected_image(session):
    """As plain mode's default: the cursor starts on the first affected image, not on the first row."""
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_picker(app, pilot)
        await wait_for(pilot, lambda: app.screen.scan_done)
        await pilot.pause()
        table = app.screen.query_one("#images", DataTable)
        rows = [str(row.key.value) for row in table.ordered_rows]
        first = next(n for n, image_id in enumerate(rows) if app.screen.verdicts[image_id].affected)
        assert first > 0  # the demo lists a not-affected image first
        assert table.cursor_row == first


async def test_typing_in_the_list_filters_and_enter_diagnoses_the_match(session):
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_picker(app, pilot)
        assert app.screen.query_one("#images", DataTable).has_focus
        await pilot.press(*"erp-batch")
        await pilot.pause()
        assert app.screen.query_one("#filter").value == "erp-batch"
        assert app.screen.query_one("#images", DataTable).row_count == 1
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "DiagnosisScreen")
        assert app.screen.diagnosis.image_id == session.emulator.ids["image_old_csbs_server_deleted"]


@pytest.mark.parametrize("image_key,service,path_id", PATHS)
async def test_repair_path(session, image_key, service, path_id):
    image_id = session.emulator.ids[image_key]
    gone = "deleted" in image_key
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_overview(app, pilot, image_id, service=service)
        # questions were pre-answered from detection; the overview shows the chosen path
        screen = app.screen
        assert screen.plan.path_id == path_id
        assert screen.answers.source_exists is (not gone)
        chart = text_of(screen.query_one("#flowchart"))
        your_path = [line for line in chart.splitlines() if "your path" in line]
        assert len(your_path) == 1 and your_path[0].startswith(">>") and path_id in your_path[0]
        steps_text = text_of(screen.query_one("#plan-steps"))
        asks_before = text_of(screen.query_one("#billable"))
        if service == "csbs":  # a CSBS backup is billed for its storage, as a CBR vault is for its capacity
            assert "Make a full CSBS backup of the ECS" in asks_before
            assert "Make a full CSBS backup of the ECS  [BILLABLE" in steps_text
        if gone:
            assert "Create a temporary ECS" in steps_text and "BILLABLE" in steps_text
            assert "Delete the temporary ECS" in steps_text and "DESTRUCTIVE" in steps_text
        # the dry-run list of API calls appears on demand
        assert not screen.query_one("#api-calls").display
        await pilot.press("d")
        assert screen.query_one("#api-calls").display
        assert "POST" in text_of(screen.query_one("#api-calls"))

        await pilot.press("s")
        await run_to_end(app, pilot)
        assert screen_name(app) == "SummaryScreen"
        execution = app.screen_stack[-2]
        panels = list(execution.query(StepPanel))
        assert panels and all(p.status == "succeeded" for p in panels)
        assert all("[ok]" in text_of(p.query_one(".step-header")) for p in panels)

        summary = app.screen
        new_id = summary.run.new_image_id
        assert new_id and new_id in text_of(summary.query_one("#new-image"))
        assert "[ok] backup supports lazy loading" in text_of(summary.query_one("#checks"))
        image = session.clients.ims.get_image(new_id)
        assert image.status == "active" and image.whole_image
        if gone:
            assert "temporary ECS" in text_of(summary.query_one("#cleanup")) and "deleted" in text_of(
                summary.query_one("#cleanup")
            )
        # the export writes the report where it says
        await pilot.press("e")
        exported = summary.exported
        assert exported is not None and exported.exists()
        assert str(exported) in text_of(summary.query_one("#exported"))
        report = exported.read_text()
        assert new_id in report and stat.S_IMODE(exported.stat().st_mode) == 0o600
        transcript = report.split("## Session transcript")[1]  # the session in words, with times
        assert re.search(r"^- `\d\d:\d\d:\d\d` Step done: ", transcript, re.M), transcript
        assert "step-succeeded" not in transcript and "run-started" not in transcript
        # quitting after a successful run exits 0
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    run = session.journal.load(summary.run.run_id)
    assert run.status == "succeeded"
    assert any(e["kind"] == "answered" for e in run.transcript)


async def test_test_launch_result_on_summary(session):
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_overview(app, pilot, session.emulator.ids["image_old_csbs_server_exists"], test_launch=True)
        assert "Test: launch an ECS" in text_of(app.screen.query_one("#plan-steps"))
        await pilot.press("s")
        await run_to_end(app, pilot)
        assert screen_name(app) == "SummaryScreen"
        assert "An ECS from the new image was created in" in text_of(app.screen.query_one("#test-launch"))
        # the source ECS exists and no ECS was ever made from the old image: that bar is not measured
        chart = app.screen.query_one("#before-after", BarChart)
        rendered = str(chart.render()).splitlines()
        assert rendered[0].split() == ["Old", "image", "not", "measured"]
        assert rendered[1].startswith("New image  █") and rendered[1].endswith(" s")
        assert "no ECS in this project was made from the old image" in text_of(
            app.screen.query_one("#before-after-sources")
        )


async def test_follow_ups_from_the_summary(session):
    """The temporary ECS was kept: the summary offers a test launch and deleting it; each asks
    first, runs on a fresh execution screen, and the new summary shows the result."""
    image_id = session.emulator.ids["image_old_csbs_server_deleted"]
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_questions(app, pilot, image_id)
        await choose(app, pilot, "cleanup", 1)  # keep the temporary ECS
        await pilot.press("n")
        await wait_for(pilot, lambda: screen_name(app) == "OverviewScreen")
        await pilot.press("s")
        await run_to_end(app, pilot)
        summary = app.screen
        temp = summary.run.plan.step("create_temp_server").outputs["server_id"]
        assert "kept as you asked" in text_of(summary.query_one("#cleanup"))
        # what keeps costing money, in words: the vault and its size, the backup, the kept ECS, the old image
        costs = text_of(summary.query_one("#costs"))
        assert re.search(r"Still billed: the vault ecs-wizard-\w+ \(\d+ GB\), 1 backup and the temporary ECS", costs), (
            costs
        )
        assert "the old image and its backup were kept" in costs and "The temporary ECS ecs-wizard-tmp-" in costs
        assert "Not done" in text_of(summary.query_one("#test-launch"))
        assert session.clients.ecs.find_server(temp) is not None

        from screens.execution import ExecutionScreen

        banners = []
        show_banner = ExecutionScreen._banner
        ExecutionScreen._banner = lambda screen, text: (banners.append(text), show_banner(screen, text))[1]
        try:
            await pilot.press("t")
            await run_to_end(app, pilot)  # answers the billable confirmation
        finally:
            ExecutionScreen._banner = show_banner
        await wait_for(pilot, lambda: screen_name(app) == "SummaryScreen" and app.screen is not summary)
        # a follow-up starts; nothing is resumed from the journal
        assert banners[0] == "Starting the follow-up 'Test: launch an ECS from the new image and time it'…", banners
        assert not any("Resuming" in b or "resumed" in b for b in banners), banners
        summary = app.screen
        assert "An ECS from the new image was created in" in text_of(summary.query_one("#test-launch"))
        assert "10x faster than one from the old image" in text_of(summary.query_one("#test-launch"))
        # both bars, the old one (10 min) ten times as long as the new one (1 min)
        old, new = (line.count("█") for line in str(summary.query_one("#before-after", BarChart).render()).splitlines())
        assert old == pytest.approx(10 * new, rel=0.15), (old, new)
        assert [s.__class__.__name__ for s in app.screen_stack].count("ExecutionScreen") == 1

        await pilot.press("d")
        await run_to_end(app, pilot)
        await wait_for(pilot, lambda: screen_name(app) == "SummaryScreen" and app.screen is not summary)
        assert "[ok] The temporary ECS" in text_of(app.screen.query_one("#cleanup"))
        assert not app.screen.query("#delete_temp_server") and not app.screen.query("#test_launch")
    assert session.clients.ecs.find_server(temp) is None
    run = session.journal.load(summary.run.run_id)
    assert [s.kind for s in run.plan.steps][-2:] == ["test_launch", "delete_temp_server"]
    assert run.status == "succeeded"


async def test_declining_the_final_cleanup_skips_it_and_the_repair_succeeds(session):
    image_id = session.emulator.ids["image_old_csbs_server_deleted"]
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_overview(app, pilot, image_id)  # cleanup: yes (the default)
        seen = []  # (text, 'no' label, details) of every confirmation asked
        original_push = app.push_screen

        def spy(screen, *args, **kw):
            if screen.__class__.__name__ == "ConfirmModal":
                seen.append((screen.text, screen.no_label, list(screen.details)))
            return original_push(screen, *args, **kw)

        app.push_screen = spy
        await pilot.press("s")
        await run_to_end(app, pilot, decline="Delete the temporary ECS")
        cleanup = [s for s in seen if "Delete the temporary ECS" in s[0]]
        assert cleanup and cleanup[0][1] == "Skip it"
        assert "Skip it: this step is skipped; the run ends with the new image ready" in cleanup[0][2][-1]
        assert all(no == "Stop here" for text, no, _ in seen if "Delete the temporary ECS" not in text)
        assert screen_name(app) == "SummaryScreen"
        run = app.screen.run
        assert run.status == "succeeded" and run.plan.step("delete_temp_server").status == "skipped"
        assert "was kept as you asked" in text_of(app.screen.query_one("#cleanup"))
        assert "(d deletes it now)" in text_of(app.screen.query_one("#cleanup"))
        temp = run.plan.step("create_temp_server").outputs["server_id"]
        assert session.clients.ecs.find_server(temp) is not None
        await pilot.press("d")  # offered again as a follow-up
        await run_to_end(app, pilot)
        await wait_for(
            pilot,
            lambda: (
                screen_name(app) == "SummaryScreen"
                and app.screen.run.plan.step("delete_temp_server").status == "succeeded"
            ),
        )
    assert session.clients.ecs.find_server(temp) is None


async def test_an_unknown_verdict_is_marked_and_explained(make_session):
    """CSBS will not list the project's backups, so the image whose backup nobody finds is 'unknown'
    (marked ?), not 'backup deleted', and its diagnosis says why; nothing offers a repair."""
    session = make_session(faults=["csbs.list_backups:status=403:code=CSBS.0403"])
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_picker(app, pilot)
        image = session.emulator.ids["image_backup_deleted"]
        table = app.screen.query_one("#images", DataTable)
        assert str(table.get_row(image)[1]).startswith("? unknown: look first")
        assert "1 unknown (marked ?" in text_of(app.screen.query_one("#scan-status"))
        await pilot.press("escape")  # back to the welcome screen, then choose the image by its id
        await to_diagnosis(app, pilot, image)
        verdict = text_of(app.screen.query_one("#verdict"))
        assert verdict.startswith("? Unknown: the cloud's answers do not show whether this image is affected.")
        assert "CSBS (403 CSBS.0403) did not list this project's backups" in verdict
        assert "The cloud's answers do not tell" in text_of(app.screen.query_one("#explanation"))
        assert "ecs-wizard doctor" in text_of(app.screen.query_one("#advice"))
        assert not app.screen.query("#next")  # no repair on an unknown verdict


async def test_the_old_image_is_deleted_when_asked_after_the_new_one_is_verified(session):
    image_id = session.emulator.ids["image_old_csbs_server_exists"]
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await to_questions(app, pilot, image_id)
        from textual.widgets import RadioSet

        assert app.screen.query_one("#q-delete_old_image", RadioSet).pressed_index == 0  # No, keep it
        await choose(app, pilot, "delete_old_image", 1)
        await pilot.press("n")
        await wait_for(pilot, lambda: screen_name(app) == "OverviewScreen")
        seen = []
        original_push = app.push_screen

        def spy(screen, *args, **kw):
            if screen.__class__.__name__ == "ConfirmModal":
                seen.append((screen.text, screen.danger))
            return original_push(screen, *args, **kw)

        app.push_screen = spy
        await pilot.press("s")
        await run_to_end(app, pilot)
        run = session.journal.load(app.screen.run.run_id)
    kinds = [s.kind for s in run.plan.steps]
    assert kinds[-1] == "delete_old_image" and kinds.index("verify_image") < kinds.index("delete_old_image")
    assert ("'Delete the old, slow image' deletes resources. Continue?", True) in seen  # confirmed as destructive
    assert run.status == "succeeded" and not session.clients.ims.image_exists(image_id)
