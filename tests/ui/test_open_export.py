"""The welcome screen's "Open an exported run" (o): a colleague's exported run is imported, shown as
it stands, and runs only when the user continues it (issue 13, section 3)."""

from __future__ import annotations

from textual.widgets import Input

from screens.app import WizardApp
from tests.engine.helpers import start
from tests.ui.helpers import SIZE, run_to_end, screen_name, text_of, wait_for
from wizard.handover import make_export, write_export


async def test_an_exported_run_opens_read_only_and_continues_when_asked(make_session, tmp_path):
    mine = make_session(state="mine")
    run = start(mine, mine.emulator.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    mine.runner(run, confirm=lambda step: False).run()  # declined at the first billable step
    assert run.status == "cancelled"
    exported = write_export(make_export(run, mine.journal), tmp_path / "handover.json")

    theirs = make_session()
    app = WizardApp(theirs)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await wait_for(pilot, lambda: screen_name(app) == "OpenExportModal")
        app.screen.query_one(Input).insert_text_at_cursor(str(exported))
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "ExecutionScreen")
        await pilot.pause()
        screen = app.screen
        assert "Opened from an exported file (cancelled)" in text_of(screen.query_one("#banner"))
        assert not screen.running
        assert theirs.journal.load(run.run_id).status == "cancelled"  # imported, and nothing ran
        assert theirs.emulator.world_id == run.cloud["world"]  # in the demo world it carried
        await pilot.press("r")
        await run_to_end(app, pilot)
        assert theirs.journal.load(run.run_id).status == "succeeded"


async def test_a_file_that_is_not_an_export_says_so(session, tmp_path):
    bad = tmp_path / "notes.json"
    bad.write_text("{}")
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await wait_for(pilot, lambda: screen_name(app) == "OpenExportModal")
        app.screen.query_one(Input).insert_text_at_cursor(str(bad))
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "ErrorModal")
        shown = " ".join(text_of(p) for p in app.screen.query("Plain"))
        assert "is not an exported run" in shown, shown
