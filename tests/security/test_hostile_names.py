"""Item 2 of issue 12: names from the cloud (and from journals) full of control characters and
markup are shown as text, in every console command, in plain mode and on every TUI screen: no raw
control byte reaches the terminal, markup is not interpreted, nothing crashes. The emulator's
``hostile`` scenario names every image, server, backup, vault, VPC and subnet like HOSTILE_NAME."""

from __future__ import annotations

import io
import json
import re

import pytest

from tests.security.helpers import cli, served_as_huawei_cloud
from wizard.cloud.errors import CloudError
from wizard.config import resolve
from wizard.polling import PollPolicy
from wizard.session import open_session
from wizard.sim import Emulator
from wizard.sim.scenarios import HOSTILE_NAME

# What a terminal would act on: C0 controls but newline and tab, DEL, C1, bidirectional controls.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
SHOWN = "\\x1b]0;pwned\\x07[/x][bold red]"  # what the start of a hostile name looks like on screen


def assert_clean(text: str, where: str) -> None:
    found = RAW.search(text)
    assert found is None, (
        f"{where}: raw {found.group()!r} at {found.start()}: {text[max(0, found.start() - 60) : found.start() + 20]!r}"
    )


@pytest.fixture
def hostile_cloud(monkeypatch):
    """The hostile scenario served over loopback HTTP, configured as a Huawei Cloud account."""
    emu = Emulator(scenario="hostile", speed=100000)
    with served_as_huawei_cloud(emu, monkeypatch):
        yield emu


def test_every_console_command_shows_hostile_names_as_text(capsys, tmp_path, hostile_cloud):
    ids = hostile_cloud.ids
    affected, gone = ids["image_old_csbs_server_exists"], ids["image_old_csbs_server_deleted"]
    commands = [
        ["scan"],
        ["diagnose", affected],
        ["diagnose", ids["image_cbr"]],
        ["run", affected, "--dry-run"],
        ["run", gone, "--source-exists", "no", "--dry-run"],
        ["run", gone, "--yes", "--source-exists", "no", "--cleanup"],
        ["run", affected, "--yes"],
        ["runs"],
        ["diagnose", HOSTILE_NAME.format(name="no-such-image")],  # the error echoes what was typed
    ]
    shown = ""
    for argv in commands:
        code, out, err = cli(capsys, *argv, state=tmp_path)
        assert code in (0, 2, 4) and "Traceback" not in err, (argv, err)
        assert_clean(out, " ".join(argv[:2]) + " (stdout)")
        assert_clean(err, " ".join(argv[:2]) + " (stderr)")
        shown += out + err
    assert SHOWN in shown  # the names are there, as text
    for run_id in sorted(p.stem for p in (tmp_path / "runs").glob("*.json")):
        for fmt in ("md", "json"):
            code, out, err = cli(capsys, "report", run_id, "--format", fmt, state=tmp_path)
            assert code == 0 and "Traceback" not in err
            assert_clean(out, f"report --format {fmt}")
        code, out, err = cli(capsys, "resume", run_id, "--test-launch", "--yes", state=tmp_path)
        assert_clean(out + err, "resume --test-launch")


def test_json_output_keeps_the_names_exact_and_escaped(capsys, tmp_path, hostile_cloud):
    ids = hostile_cloud.ids
    for argv in (
        ["scan", "--json"],
        ["diagnose", ids["image_old_csbs_server_exists"], "--json"],
        ["run", ids["image_old_csbs_server_exists"], "--json", "--yes"],
        ["runs", "--json"],
    ):
        code, out, err = cli(capsys, *argv, state=tmp_path)
        assert code == 0, err
        assert_clean(out, " ".join(argv))
        for line in out.splitlines() if argv[0] == "run" else [out]:
            json.loads(line)  # still JSON
    code, out, _ = cli(capsys, "scan", "--json", state=tmp_path)
    names = {row["image_name"] for row in json.loads(out)["images"]}
    assert HOSTILE_NAME.format(name="erp-app-full-2019") in names  # exact, not mangled


def test_plain_mode_shows_hostile_names_as_text(tmp_path):
    from tests.plain.helpers import drive_lines

    emu = Emulator(scenario="hostile", speed=0)
    session = open_session(resolve(demo=True), state_dir=tmp_path / "state", emulator=emu)
    session.clock, session.sleep, session.poll = emu.clock.now, emu.clock.advance, PollPolicy()  # tests/frozen.py
    from wizard.diagnose import scan

    index = [d.image_id for d in scan(session.clients)].index(emu.ids["image_old_csbs_server_deleted"])
    lines = [str(index + 1), "", "", "", "", "", "", "", "", "y", "", "y", "y", "y", "y"]
    code, out = drive_lines(session, lines, stream=io.StringIO())
    assert code == 0, out
    assert_clean(out, "plain mode")
    assert SHOWN in out
    from wizard.report import report_path

    [run] = session.journal.runs()
    report = report_path(session.journal, run.run_id)  # the report plain mode writes: private, and clean
    assert report.stat().st_mode & 0o777 == 0o600
    assert_clean(report.read_text(), "plain mode's report")


# -- the TUI ----------------------------------------------------------------------------------------


def screen_text(app) -> str:
    """What the terminal would show: the composed screen (and the screens behind a modal) as text."""
    from rich.console import Console

    console = Console(
        width=app.size.width,
        height=app.size.height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)


async def test_every_tui_screen_shows_hostile_names_as_text(tmp_path):
    from textual.widgets import Input

    from screens.app import WizardApp
    from screens.modals import ErrorModal
    from screens.workers import describe_error
    from tests.ui.helpers import SIZE, run_to_end, screen_name, settle, wait_for

    emu = Emulator(scenario="hostile", speed=6000)
    session = open_session(resolve(demo=True), state_dir=tmp_path / "state", emulator=emu)
    app = WizardApp(session)
    seen: dict[str, str] = {}

    async def look(pilot, screen: str) -> None:
        await wait_for(pilot, lambda: screen_name(app) == screen)
        await settle(app, pilot, rounds=2)
        text = screen_text(app)
        assert_clean(text, screen)
        seen[screen] = text

    async with app.run_test(size=SIZE) as pilot:
        await look(pilot, "WelcomeScreen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "PickerScreen" and app.screen.scan_done)
        await look(pilot, "PickerScreen")
        app.screen.query_one("#filter", Input).insert_text_at_cursor(emu.ids["image_old_csbs_server_deleted"])
        await pilot.press("enter")
        await look(pilot, "DiagnosisScreen")
        await pilot.press("question_mark")
        await look(pilot, "HelpModal")
        await pilot.press("escape")
        await pilot.press("n")
        await look(pilot, "QuestionsScreen")
        await pilot.press("n")
        await look(pilot, "OverviewScreen")
        await pilot.press("d")  # the API calls, with the hostile names in their bodies
        await look(pilot, "OverviewScreen")
        await pilot.press("s")
        await run_to_end(app, pilot)
        await look(pilot, "SummaryScreen")
        app.command_runs()
        await look(pilot, "RunsModal")
        await pilot.press("escape")
        await settle(app, pilot)
        # the panel a worker's cloud error becomes (screens.workers), with a hostile message
        error = CloudError("ims", 400, "IMG.0001", HOSTILE_NAME.format(name="boom"), "req-1")
        app.push_screen(ErrorModal("Diagnosing the image failed", *describe_error(error)))
        await look(pilot, "ErrorModal")
        await pilot.press("escape")
    shown = "".join(seen.values())
    assert "[bold red]" in shown and "\\x1b]0;pwned" in shown  # markup and escapes shown as text
