"""The four repair paths through the demo, driven by keys, checked at every stage."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from screens.app import WizardApp
from screens.widgets.step_panel import StepPanel
from tests.ui.conftest import SIZE, run_to_end, screen_name, settle, text_of, to_overview, to_picker

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
        rows = {table.get_row_at(i)[2]: table.get_row_at(i)[1] for i in range(table.row_count)}
        ids = session.emulator.ids
        assert rows[ids["image_old_csbs_server_exists"]].startswith("✗ affected")
        assert rows[ids["image_old_csbs_server_deleted"]].startswith("✗ affected")
        assert "not affected (CBR)" in rows[ids["image_cbr"]]
        assert "not affected (new CSBS)" in rows[ids["image_new_csbs"]]
        assert "2 affected" in text_of(app.screen.query_one("#scan-status"))
        # the filter narrows the list
        await pilot.press("slash", *"erp-db")
        await pilot.pause()
        assert table.row_count == 1


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
            assert "temporary ECS" in text_of(summary.query_one("#cleanup")) and "deleted" in text_of(summary.query_one("#cleanup"))
        # the export writes the report where it says
        await pilot.press("e")
        exported = summary.exported
        assert exported is not None and exported.exists()
        assert str(exported) in text_of(summary.query_one("#exported"))
        assert new_id in exported.read_text()
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
        assert "ACTIVE after" in text_of(app.screen.query_one("#test-launch"))
