"""Plain mode end to end on the demo emulator: questionary driven by keys through a pipe input, and
the line-by-line prompts used when standard input is not a terminal."""

import json
import os
import re
import signal

from wizard.journal import Journal
from wizard.report import report_path

from .conftest import TtyStringIO
from .helpers import CTRL_C, ENTER, YES, drive_keys, drive_lines, image_index, move


def whole_path(session, image):
    """The keys of a repair on path cbr-source-exists, one string per prompt."""
    return [
        move(session, image) + ENTER,  # the image
        ENTER,  # service: CBR (default)
        ENTER,  # source ECS exists: yes (detected)
        ENTER,  # test launch: no (default)
        ENTER,  # delete the old image: no (default)
        ENTER,  # show the API calls: no (default)
        ENTER,  # start: yes (default)
        *[YES] * 3,  # confirm the billable steps
    ]


def servers(session):
    return {s.id for s in session.clients.ecs.list_servers()}


def test_whole_path_with_questionary_keys_cbr_source_exists(session, emu, keys):
    image = emu.ids["image_old_csbs_server_exists"]
    code, out = drive_keys(session, keys, whole_path(session, image))
    assert code == 0, out
    assert "Verdict: affected" in out
    assert "(your path)" in out and "path cbr-source-exists" in out
    assert "Repaired. New image:" in out
    for check in ("active", "full-ECS image", "made from the new backup", "backup supports lazy loading"):
        assert f"[ok] {check}" in out
    assert "Time taken:" in out
    run = Journal(session.journal.directory).runs()[0]
    assert run.status == "succeeded" and run.answers["service"] == "cbr" and run.answers["source_exists"] is True
    new = session.clients.ims.get_image(run.new_image_id)
    assert new.status == "active" and new.whole_image
    report = report_path(session.journal, run.run_id)
    assert f"Report: {report}" in out and report.is_file()
    assert report.stat().st_mode & 0o777 == 0o600  # as the journal: a report names the project's resources


def test_source_gone_temporary_ecs_then_cleanup_line_by_line(session, emu):
    image = emu.ids["image_old_csbs_server_deleted"]
    index, _ = image_index(session, image)
    before = servers(session)
    lines = [
        str(index + 1),  # the image
        "2",  # service: CSBS
        "",  # source ECS exists: no (detected)
        "",
        "",
        "",
        "",  # flavor, network, zone, disk type: the detected defaults
        "",  # test launch: no
        "",  # delete the temporary ECS: yes (default)
        "2",  # delete the old image: yes
        "y",  # show the API calls
        "",  # start
        "y",
        "y",
        "y",
        "y",
        "y",
    ]  # confirmations (temporary ECS, CSBS backup, its deletion, the old image's deletion)
    code, out = drive_lines(session, lines)
    assert code == 0, out
    # a CSBS backup is billed for its storage: the plan lists it among what asks first, and it asks
    asks_first = next(line for line in out.splitlines() if line.startswith("Billable or destructive:"))
    assert "Make a full CSBS backup of the ECS" in asks_first
    assert "'Make a full CSBS backup of the ECS' creates billable resources. Continue? [y/n] y" in out
    assert "detected: ECS" in out and "does not exist" in out  # the evidence behind the default
    assert "path csbs-source-gone" in out and "API calls, step by step:" in out
    assert "'Create a temporary ECS from the slow image' creates billable resources. Continue? [y/n] y" in out
    assert "Repaired. New image:" in out and "[ok] backup supports lazy loading" in out
    assert servers(session) == before  # the temporary ECS was deleted
    run = Journal(session.journal.directory).runs()[0]
    assert [s.status for s in run.plan.steps] == ["succeeded"] * len(run.plan.steps)
    kinds = [s.kind for s in run.plan.steps]
    assert kinds[-2:] == ["delete_temp_server", "delete_old_image"]
    assert kinds.index("verify_image") < kinds.index("delete_old_image")  # only once the new image is verified
    assert "'Delete the old, slow image' deletes resources. Continue? [y/n] y" in out
    assert not session.clients.ims.image_exists(image)


def test_the_old_image_is_kept_unless_asked(session, emu):
    image = emu.ids["image_old_csbs_server_exists"]
    index, _ = image_index(session, image)
    code, out = drive_lines(session, [str(index + 1), "", "", "", "", "", "", "y", "y", "y"])
    assert code == 0, out
    assert "? Delete the old, slow image once the new one is verified?\n  1. No, keep it   (default)" in out
    run = Journal(session.journal.directory).runs()[0]
    assert run.plan.first("delete_old_image") is None and session.clients.ims.image_exists(image)


def test_not_affected_prints_the_advice_and_exits_4(session, emu):
    lines = ["Type", emu.ids["image_cbr"]]
    code, out = drive_lines(session, lines)
    assert code == 4
    assert "Not affected" in out and "What to do:" in out and "Nothing to repair" in out
    assert not session.journal.runs_dir.exists() or not list(session.journal.runs_dir.iterdir())


def test_typed_unknown_image_is_asked_again(session, emu):
    code, out = drive_lines(session, ["Type", "no-such-image", emu.ids["image_system_disk"]])
    assert code == 8  # not a full-ECS image
    assert "No image named 'no-such-image'" in out
    assert "Out of scope" in out


def test_ctrl_c_before_execution_changes_nothing(session, keys):
    code, out = drive_keys(session, keys, [ENTER, CTRL_C])
    assert code == 130
    assert "nothing was changed" in out
    assert not session.journal.runs_dir.exists()


def test_declining_to_start_changes_nothing(session, emu):
    index, _ = image_index(session, emu.ids["image_old_csbs_server_exists"])
    code, out = drive_lines(session, [str(index + 1), "", "", "", "", "", "n"])
    assert code == 3 and "Not started: nothing was changed." in out
    assert not session.journal.runs_dir.exists()


def test_ctrl_c_during_execution_stops_after_the_current_call(session, emu):
    image = emu.ids["image_old_csbs_server_exists"]
    index, _ = image_index(session, image)
    real_sleep, sent = session.sleep, []

    def sleep(seconds):  # the first wait of the run: the user presses Ctrl-C
        if not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)
        real_sleep(seconds)

    session.sleep = sleep
    code, out = drive_lines(session, [str(index + 1), "", "", "", "", "", "", "y", "y", "y"])
    assert code == 130, out
    assert "stopping after the current call" in out
    run = Journal(session.journal.directory).runs()[0]
    assert run.status == "cancelled" and run.resumable
    assert f"resume with: ecs-wizard resume {run.run_id}" in out
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler was only for the run


def test_step_mode_pauses_before_each_step_and_continues(session, emu):
    image = emu.ids["image_old_csbs_server_exists"]
    index, _ = image_index(session, image)
    code, out = drive_lines(session, [str(index + 1), "", "", "", "", "", ""] + ["y"] * 8, step_mode=True)
    assert code == 0, out
    run = Journal(session.journal.directory).runs()[0]
    assert out.count("? Next: ") == len(run.plan.steps)
    # a billable step's pause defaults to nothing (y or n must be typed), any other step's to yes
    for step in run.plan.steps:
        assert (f"Next: {step.title} (" in out) == step.needs_confirmation
    assert "resources). Continue? [y/n]" in out and "resources). Continue? [Y/n]" not in out
    for step in run.plan.steps:
        assert f"Next: {step.title}" in out
    # a billable step is confirmed at its pause, not asked twice
    assert "creates billable resources. Continue? [y/n]" not in out
    assert any("confirmed at the step pause" in e["text"] for e in run.transcript) or not run.plan.billable()


def test_step_mode_no_stops_resumably(session, emu):
    image = emu.ids["image_old_csbs_server_exists"]
    index, _ = image_index(session, image)
    code, out = drive_lines(session, [str(index + 1), "", "", "", "", "", "", "y", "n"], step_mode=True)
    assert code == 3, out
    run = Journal(session.journal.directory).runs()[0]
    assert run.status == "cancelled" and run.resumable
    assert run.plan.steps[0].status == "succeeded" and run.plan.steps[1].status == "pending"
    assert f"resume with: ecs-wizard resume {run.run_id}" in out


def test_transcript_lands_in_the_journal_and_the_report(session, emu):
    image = emu.ids["image_old_csbs_server_exists"]
    index, _ = image_index(session, image)
    code, out = drive_lines(session, [str(index + 1), "", "", "", "", "", "", "y", "y", "y"])
    assert code == 0, out
    run_id = Journal(session.journal.directory).runs()[0].run_id
    data = json.loads(session.journal.path(run_id).read_text())
    kinds = {e["kind"] for e in data["transcript"]}
    assert kinds == {"shown", "answered"}
    answered = [e["text"] for e in data["transcript"] if e["kind"] == "answered"]
    assert answered[0].startswith("Which image creates ECSs slowly? -> ")
    assert "Which service should make the new backup? -> CBR (recommended)" in answered
    assert any(e["kind"] == "shown" and "Repaired. New image:" in e["text"] for e in data["transcript"])
    text = session.journal.transcript_path(run_id).read_text()
    assert "[answered] Does the source ECS still exist? -> Yes" in text
    report = report_path(session.journal, run_id).read_text()
    assert "## Session transcript" in report
    assert re.search(r"^- `\d\d:\d\d:\d\d` Answered: Start the repair now\? → \*\*yes\*\*$", report, re.M)
    assert "shown:" not in report and "answered:" not in report  # words with a time, not the entries' kinds
    # what was shown on several lines (the evidence, the flowchart) keeps its lines, in a code block
    transcript = report.split("## Session transcript")[1]
    assert "  ```text\n  Slow ECS creation from a full-ECS image: troubleshooting flowchart\n" in transcript


def test_no_color_output_has_no_escape_codes(session, emu, keys, monkeypatch):
    image = emu.ids["image_old_csbs_server_exists"]
    monkeypatch.setenv("NO_COLOR", "1")
    code, out = drive_keys(session, keys, whole_path(session, image), stream=TtyStringIO())
    assert code == 0, out
    assert "\x1b" not in out


def test_colour_is_used_on_a_terminal_without_no_color(session, emu, keys, monkeypatch):
    # the control for the test above: the same run on a "terminal" does colour its status lines
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    image = emu.ids["image_old_csbs_server_exists"]
    code, out = drive_keys(session, keys, whole_path(session, image), stream=TtyStringIO())
    assert code == 0, out
    assert "\x1b[" in out
    # colour is for the terminal only: the transcript (journal, report) keeps the plain text
    run = Journal(session.journal.directory).runs()[0]
    assert run.transcript and not any("\x1b" in e["text"] for e in run.transcript)


def test_second_ctrl_c_stops_at_once_and_the_run_stays_resumable(session, emu):
    image = emu.ids["image_old_csbs_server_exists"]
    index, _ = image_index(session, image)
    real_sleep, sent = session.sleep, []

    def sleep(seconds):  # an impatient user: Ctrl-C twice during the first wait
        if not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)
        real_sleep(seconds)

    session.sleep = sleep
    code, out = drive_lines(session, [str(index + 1), "", "", "", "", "", "", "y", "y", "y"])
    assert code == 130, out
    run = Journal(session.journal.directory).runs()[0]
    assert run.resumable
    assert f"resume with: ecs-wizard resume {run.run_id}" in out
    assert report_path(session.journal, run.run_id).is_file()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_at_a_confirmation_stops_the_run_resumably(session, emu, keys):
    image = emu.ids["image_old_csbs_server_exists"]
    code, out = drive_keys(session, keys, whole_path(session, image)[:7] + [CTRL_C])
    assert code == 130, out
    run = Journal(session.journal.directory).runs()[0]
    assert run.status == "cancelled" and run.plan.steps[0].status == "pending"
    assert not run.resources()  # nothing was created
    assert f"resume with: ecs-wizard resume {run.run_id}" in out


def test_prompt_input_ending_is_a_clean_stop(session, keys):
    keys.close()
    code, out = drive_keys(session, keys, [])
    assert code == 2
    assert "Standard input ended before this question was answered" in out and "Nothing was changed." in out


def test_a_failed_step_says_why_and_exits_1(tmp_path):
    from wizard.config import resolve
    from wizard.runner import PollPolicy
    from wizard.session import open_session
    from wizard.sim import Emulator, FaultRule

    emu = Emulator(
        scenario="demo",
        speed=0,
        faults=[FaultRule.parse("ims.create_whole_image:job=fail:reason=disk snapshot failed")],
    )
    session = open_session(resolve(demo=True), state_dir=tmp_path / "state", emulator=emu)
    session.clock, session.sleep, session.poll = emu.clock.now, emu.clock.advance, PollPolicy()
    index, _ = image_index(session, emu.ids["image_old_csbs_server_exists"])
    code, out = drive_lines(session, [str(index + 1), "", "", "", "", "", "", "y", "y", "y"])
    assert code == 1, out
    assert "The run failed at 'Create a full-ECS image from the new backup'" in out
    assert "disk snapshot failed" in out
    run = Journal(session.journal.directory).runs()[0]
    assert run.status == "failed" and f"resume with: ecs-wizard resume {run.run_id}" in out
    # every command plain mode prints for later carries the state directory and the demo: it works as printed
    resume = f"ecs-wizard resume {run.run_id} --state-dir {session.journal.directory} --demo"
    what_to_do = [line for line in out.splitlines() if "what to do: resume the run" in line.lower()]
    assert what_to_do and all(resume in line for line in what_to_do), what_to_do
    assert f"resume with: {resume}" in out


def test_test_launch_reports_how_fast_the_new_image_is(session, emu):
    index, _ = image_index(session, emu.ids["image_old_csbs_server_exists"])
    code, out = drive_lines(session, [str(index + 1), "", "", "2", "", "", "", "y", "y", "y"])
    assert code == 0, out
    assert "An ECS from the new image was created in 1 min 0" in out  # the emulator's 60 s, as the cloud records it
    # the source ECS exists and no ECS was made from the old image: that bar says so instead of a guess
    chart = out.split("Time to create an ECS (cloud time):\n")[1].splitlines()
    assert chart[0] == "  Old image  not measured"
    assert chart[1].startswith("  New image  " + "█" * 30 + " 1 min 0"), chart


def test_long_choice_help_is_wrapped_to_the_terminal():
    from wizard.plain import _wrap_description

    text = (
        "A server is created from the slow image (slowly), then backed up; you may delete it at the end of the repair."
    )
    wrapped = _wrap_description(text, width=80)
    lines = wrapped.split("\n")
    assert len(lines) >= 2 and all(len("  Description: ") + len(lines[0]) <= 80 for _ in lines[:1])
    assert all(len(line) <= 80 for line in lines[1:]) and " ".join(part.strip() for part in lines) == text
    assert _wrap_description("") is None


def _open_run(session, image, answers=None, confirmed=False, status="cancelled"):
    """A run on ``image`` left open: by default stopped before its first billable step (cancelled)."""
    from wizard.diagnose import diagnose
    from wizard.plan import build_plan
    from wizard.questions import Answers

    d = diagnose(session.clients, image)
    answers = answers or Answers(service="cbr", source_exists=True)
    run = session.new_run(image, d, answers, build_plan(session.clients, d, answers))
    assert session.runner(run, confirm=lambda step: confirmed).run().status == status
    return run


def test_an_image_with_an_open_run_is_offered_that_run_to_resume(session, emu):
    image = emu.ids["image_old_csbs_server_exists"]
    run = _open_run(session, image)
    index, _ = image_index(session, image)
    code, out = drive_lines(session, [str(index + 1), "1", "y", "y", "y"])  # the image; resume; confirmations
    assert code == 0, out
    assert f"This image has an open repair: run {run.run_id} (cancelled)" in out
    assert "Repaired. New image:" in out
    [only] = Journal(session.journal.directory).runs()  # resumed, not a second repair
    assert only.run_id == run.run_id and only.status == "succeeded"


def test_a_second_repair_of_an_image_with_an_open_run_is_the_users_choice(session, emu):
    image = emu.ids["image_old_csbs_server_exists"]
    run = _open_run(session, image)
    index, _ = image_index(session, image)
    code, out = drive_lines(session, [str(index + 1), "5"])  # the image; stop
    assert code == 3 and "Stopped: nothing was changed." in out
    code, out = drive_lines(session, [str(index + 1), "4", "", "", "", "", "", "", "y", "y", "y"])
    assert code == 0, out
    assert f"Warning: starting a second repair of erp-app-full-2019; run {run.run_id} stays open." in out
    assert len(Journal(session.journal.directory).runs()) == 2


def _failed_at_preflight(session, image):
    """A run on ``image`` (source gone) whose preflight refused the flavor s99.huge: nothing made."""
    from wizard.questions import Answers, ServerChoice

    ids = session.emulator.ids
    server = ServerChoice("s99.huge", ids["vpc_id"], ids["subnet_id"], "eu-de-02", "SAS")
    return _open_run(session, image, Answers("cbr", False, server), confirmed=True, status="failed")


def test_an_open_runs_answers_can_change_then_it_resumes(session, emu):
    image = emu.ids["image_old_csbs_server_deleted"]
    run = _failed_at_preflight(session, image)
    index, _ = image_index(session, image)
    # the image; change answers; service: CBR (current); flavor 1 (s3.medium.2); the rest as they are;
    # then the billable steps' confirmations
    code, out = drive_lines(session, [str(index + 1), "2", "", "1", "", "", "", "y", "y", "y", "y"])
    assert code == 0, out
    assert "Changed: flavor s99.huge -> s3.medium.2." in out and "Repaired. New image:" in out
    [only] = Journal(session.journal.directory).runs()
    assert only.run_id == run.run_id and only.status == "succeeded"
    assert only.plan.step("create_temp_server").inputs["flavor_id"] == "s3.medium.2"


def test_an_open_run_can_be_abandoned_after_seeing_what_it_made(session, emu):
    from wizard.ownership import MARK_KEY

    image = emu.ids["image_old_csbs_server_exists"]
    session.emulator.add_fault("ims.create_whole_image:first=1:status=400:code=IMG.0015:message=quota exceeded")
    run = _open_run(session, image, confirmed=True, status="failed")
    index, _ = image_index(session, image)
    code, out = drive_lines(session, [str(index + 1), "3", "n"])  # the image; abandon; not confirmed
    assert code == 3 and "Not confirmed: nothing was deleted" in out
    assert "To delete (" in out and "billed while it exists" in out
    code, out = drive_lines(session, [str(index + 1), "3", "y"])
    assert code == 0, out
    again = Journal(session.journal.directory).load(run.run_id)
    assert again.status == "abandoned"
    emu.clock.advance(3600)
    assert not any(emu.state.tag_counts().get(f"{MARK_KEY}={run.run_id}", {}).values())


def test_an_unknown_verdict_is_said_with_its_reason_and_exits_5(session, emu):
    """The backup-missing image, while CSBS will not list the project's backups: no confident verdict."""
    index, _ = image_index(session, emu.ids["image_backup_deleted"])
    emu.add_fault("csbs.list_backups:status=403:code=CSBS.0403")
    code, out = drive_lines(session, [str(index + 1)])
    assert code == 5, out
    assert "6 full-ECS images, 3 affected, 1 unknown" in out
    assert "? unknown: look first" in out  # its line in the image list
    assert "Verdict: unknown" in out and "CSBS (403 CSBS.0403) did not list this project's backups" in out
    assert "Nothing is repaired on a verdict the cloud's answers do not support." in out
    assert not session.journal.runs_dir.exists()


def test_y_enter_answers_one_question_and_only_one(session, emu, keys):
    """At a step's pause, ``y`` and Enter (and an Enter typed ahead) answer that pause alone: the next
    pause, a step that would run on Enter, waits for its own answer (here none comes)."""
    image = emu.ids["image_old_csbs_server_exists"]
    code, out = drive_keys(session, keys, whole_path(session, image)[:7] + [YES + ENTER], step_mode=True)
    run = Journal(session.journal.directory).runs()[0]
    first, second = run.plan.steps[:2]
    assert first.needs_confirmation and not second.needs_confirmation  # Enter alone would run the second
    assert first.status == "succeeded" and second.status == "pending", out
    assert "no answer (standard input ended): not confirmed" in out
    assert code == 3 and run.resumable


def test_keys_typed_before_a_question_are_discarded(tmp_path):
    """On a terminal, what was typed before the question appeared is flushed, not read as its answer."""
    import os
    import select

    from prompt_toolkit.input import create_input
    from prompt_toolkit.input.typeahead import get_typeahead, store_typeahead
    from prompt_toolkit.key_binding.key_processor import KeyPress
    from prompt_toolkit.keys import Keys

    from wizard.plain import discard_pending_input

    main, follower = os.openpty()
    with os.fdopen(follower) as terminal:
        terminal_input = create_input(terminal)
        os.write(main, b"y\r")
        store_typeahead(terminal_input, [KeyPress(Keys.ControlM, "\r")])  # read past the last prompt's end
        assert select.select([follower], [], [], 1)[0]
        discard_pending_input(terminal_input)
        assert not select.select([follower], [], [], 0.2)[0]
        assert get_typeahead(terminal_input) == []
    os.close(main)


def test_a_billable_confirmation_takes_an_explicit_answer(session, emu, keys):
    """Enter alone does not answer a question that spends money: it waits for y or n."""
    image = emu.ids["image_old_csbs_server_exists"]
    answers = whole_path(session, image)
    answers[7] = ENTER + ENTER + YES  # two Enters do not answer; the y does
    code, out = drive_keys(session, keys, answers)
    assert code == 0, out
    run = Journal(session.journal.directory).runs()[0]
    assert run.status == "succeeded"


def test_a_billable_confirmation_line_by_line_takes_an_explicit_answer(session, emu):
    image = emu.ids["image_old_csbs_server_exists"]
    index, _ = image_index(session, image)
    code, out = drive_lines(session, [str(index + 1), "", "", "", "", "", "", "", "y", "y", "y"])
    assert code == 0, out
    assert "Continue? [y/n] \n  Please answer y or n." in out


def test_a_missing_backup_is_not_called_not_affected_and_exits_6(session, emu):
    code, out = drive_lines(session, ["Type", emu.ids["image_backup_deleted"]])
    assert code == 6, out
    assert "Verdict: backup-missing" in out and "cannot repair this image as it is" in out
    assert "Nothing to repair" not in out
