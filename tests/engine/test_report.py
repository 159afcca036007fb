"""The report a support engineer attaches to a ticket (issue 13, section 4), from real demo runs on the
frozen-clock emulator: polls collapsed per step, every answer and what became of the follow-ups,
attempts and failures with the cloud's reason, a Mermaid gantt, the transcript in words with times,
``report`` without a RUN_ID, and where and how reports are written."""

import os
import re
import stat
from datetime import UTC, datetime

import pytest

import wizard.session
from tests.engine.helpers import repair
from wizard.cli import main
from wizard.errors import UsageError
from wizard.report import render, report_path, write_report
from wizard.runner import RunEvent
from wizard.transcript import event_line, in_words


def section(md: str, title: str) -> str:
    return md.split(f"\n## {title}")[1].split("\n## ")[0]


def table_rows(text: str) -> list[list[str]]:
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("|---")]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows[1:]]


@pytest.fixture
def cli(session, monkeypatch, tmp_path, capsys):
    """The CLI on the test's session (one frozen-clock world across commands)."""
    monkeypatch.setattr(wizard.session, "open_session", lambda *a, **kw: session)

    def run(*args):
        code = main([*args, "--demo", "--state-dir", str(session.journal.directory)])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_polls_are_one_row_per_step_and_call_with_the_count_and_first_and_last_status(session, emu):
    run = repair(session, emu.ids["image_old_csbs_server_deleted"], service="cbr", source_exists=False, cleanup=True)
    assert run.status == "succeeded"
    assert all(c.get("step") in {s.name for s in run.plan.steps} for c in run.calls)  # each call names its step
    rows = table_rows(section(render(run), "API calls"))
    assert sum(int(r[3]) for r in rows) == len(run.calls)  # every call counted, none twice
    assert len(rows) < len(run.calls) / 2
    step, seen = "", set()
    for r in rows:
        step = r[0] or step  # a step's name on its first row only
        assert (step, r[2]) not in seen  # one row per step and address
        seen.add((step, r[2]))
    polls = [r for r in rows if r[2].startswith("GET ") and "/jobs/" in r[2] and int(r[3]) > 1]
    assert polls and all(r[4] == "200" and r[5].startswith("first `") and ", last `" in r[5] for r in polls)
    assert rows[0][0] == "1. Create a temporary ECS from the slow image" and rows[0][2].startswith("POST ")


def test_a_call_whose_status_changed_shows_the_first_and_the_last(session, emu):
    run = repair(session, emu.ids["image_old_csbs_server_deleted"], service="cbr", source_exists=False, cleanup=True)
    name = run.plan.steps[0].name
    run.calls = [
        {"service": "ecs", "method": "GET", "path": "/v1/p/cloudservers/s1", "status": status, "request_id": f"r{n}"}
        | {"step": name}
        for n, status in enumerate((404, 404, 200))
    ] + [{"service": "ecs", "method": "GET", "path": "/v1/p/jobs/j", "status": 200, "request_id": None}] * 2
    rows = table_rows(section(render(run), "API calls"))
    assert rows[0][3:] == ["3", "404 first, 200 last", "first `r0`, last `r2`"]
    assert rows[1][3:] == ["2", "200", "-"]  # journaled before calls named their step: a run of one call


def test_a_test_launch_added_later_is_in_the_answers_as_run(cli, session, emu):
    code, out, err = cli("run", emu.ids["image_old_csbs_server_deleted"], "--service", "cbr", "--source-exists", "no")
    code, out, err = cli(
        "run", emu.ids["image_old_csbs_server_deleted"], "--service", "cbr", "--source-exists", "no", "--yes", "--new"
    )
    assert code == 0, err
    run_id = out.split("run ")[1].split()[0]
    code, out, err = cli("resume", run_id, "--test-launch", "--yes")
    assert code == 0, err
    code, md, err = cli("report", run_id)
    assert code == 0, err
    answers = section(md, "Answers")
    run = session.journal.load(run_id)
    seconds = run.plan.step("test_launch").outputs["seconds_to_active"]
    assert (
        "- Test launch: no at the start; added later as a follow-up; "
        f"ran: an ECS from the new image was ACTIVE after {seconds:g} s, then deleted" in answers
    )
    assert "Test launch: no\n" not in md and "- Test launch: no;" not in answers
    temp = run.plan.step("create_temp_server").inputs
    assert (
        f"- Temporary ECS: flavor `{temp['flavor_id']}`, VPC `{temp['vpc_id']}`, subnet `{temp['subnet_id']}`, "
        f"availability zone `{temp['availability_zone']}`, system disk {temp['volume_type']}" in answers
    )
    assert "- Delete the temporary ECS at the end: no; kept: it is billed until deleted" in answers
    assert "- Delete the old image once the new one is verified: no; kept" in answers
    assert "- Backup service: CBR" in answers and "- Source ECS exists: no" in answers


def test_answers_asked_for_at_the_start_and_declined_at_their_confirmation(session, emu):
    def confirm(step):
        return step.kind != "delete_old_image"

    run = repair(
        session,
        emu.ids["image_old_csbs_server_deleted"],
        confirm=confirm,
        service="csbs",
        source_exists=False,
        cleanup=True,
        test_launch=True,
        delete_old_image=True,
    )
    assert run.status == "succeeded"
    answers = section(render(run), "Answers")
    assert "- Backup service: CSBS" in answers
    assert "- Test launch: yes; ran: an ECS from the new image was ACTIVE after" in answers
    assert "- Delete the temporary ECS at the end: yes; deleted" in answers
    assert "- Delete the old image once the new one is verified: yes; declined at its confirmation, so kept" in answers


def test_attempts_failures_and_retries_keep_the_clouds_reason_across_a_resume(session, emu):
    emu.add_fault("ecs.get_job:first=6:status=503:code=Ecs.0000:message=busy")
    emu.add_fault("ims.create_whole_image:first=1:status=400:code=IMG.0015:message=The image quota is used up")
    run = repair(session, emu.ids["image_old_csbs_server_deleted"], service="cbr", source_exists=False, cleanup=True)
    assert run.status == "failed"
    run = session.runner(session.journal.load(run.run_id), confirm=lambda step: True).run()
    assert run.status == "succeeded" and run.plan.step("create_image").error is None  # a resume clears it
    md = render(run)
    steps = {r[1]: r for r in table_rows(section(md, "Path: CBR, source ECS gone"))}
    assert steps["Create a temporary ECS from the slow image"][3:5] == ["2", "0"]  # one start, one retry
    assert steps["Create a full-ECS image from the new backup"][3:5] == ["2", "1"]  # two starts, one failure
    assert steps["Verify the new image supports fast ECS creation"][3:5] == ["1", "0"]
    history = md.split("### Failures and retries")[1].split("\n## ")[0]
    lines = [line for line in history.splitlines() if line.startswith("- ")]
    assert len(lines) == 2
    assert re.fullmatch(
        r"- \S+ \S+: \*\*Create a temporary ECS from the slow image\*\* retried \(attempt 2\) after "
        r"`ECS Ecs.0000` busy \(request id `\w+`\)",
        lines[0],
    )
    assert re.fullmatch(
        r"- \S+ \S+: \*\*Create a full-ECS image from the new backup\*\* failed: `IMS IMG.0015` "
        r"The image quota is used up \(request id `\w+`\)",
        lines[1],
    )


GANTT_TASK = re.compile(
    r"    (?P<name>[^:;#%`]+?) :(?:(?P<tag>done|crit|active), )?(?P<id>s\d+), "
    r"(?P<start>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}), (?P<ms>\d+)ms"
)


def gantt_block(md: str) -> list[str]:
    timeline = section(md, "Timeline")
    return timeline.split("```mermaid\n")[1].split("\n```")[0].splitlines()


def test_the_timeline_is_a_mermaid_gantt_of_the_steps_that_started(session, emu):
    emu.add_fault("ims.create_whole_image:status=400:code=IMG.0015:message=quota used up")
    run = repair(session, emu.ids["image_old_csbs_server_deleted"], service="cbr", source_exists=False, cleanup=True)
    assert run.status == "failed"
    lines = gantt_block(render(run))
    assert lines[:5] == [
        "gantt",
        f"    title Run {run.run_id}, step by step (UTC)",
        "    dateFormat YYYY-MM-DD HH:mm:ss.SSS",
        "    axisFormat %H:%M:%S",
        "    section Steps",
    ]
    tasks = [GANTT_TASK.fullmatch(line) for line in lines[5:]]
    assert all(tasks), lines[5:]
    started = [s for s in run.plan.steps if s.started_at]
    assert [t["name"] for t in tasks] == [s.title for s in started]  # the titles have nothing to escape here
    assert [t["tag"] for t in tasks] == ["done", "done", "done", "crit"]
    assert len({t["id"] for t in tasks}) == len(tasks)
    for task, step in zip(tasks, started, strict=True):
        start = datetime.strptime(task["start"], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
        assert abs(start.timestamp() - step.started_at) < 0.001  # in UTC, to the millisecond
        assert int(task["ms"]) == max(1, round((step.ended_at - step.started_at) * 1000))
    run.plan.steps[0].title = "Step: one; two # three %% four"  # what Mermaid would read as syntax is not kept
    assert GANTT_TASK.fullmatch(gantt_block(render(run))[5])["name"] == "Step one two three four"


def test_the_transcript_has_times_and_words_not_event_names(session, emu):
    run = repair(session, emu.ids["image_old_csbs_server_deleted"], service="cbr", source_exists=False, cleanup=True)
    events = [
        RunEvent("run-started", run.run_id, data={"resumed": False, "path": "cbr-source-gone"}),
        RunEvent("step-started", run.run_id, "s", "Back the ECS up with CBR"),
        RunEvent("step-failed", run.run_id, "s", "Back the ECS up with CBR", message="no", data={"code": "X.1"}),
        RunEvent("run-finished", run.run_id, status="failed", message="it stopped"),
    ]
    assert [event_line(e) for e in events] == [
        "The run started (path cbr-source-gone)",
        "Step started: Back the ECS up with CBR",
        "Step failed [X.1]: Back the ECS up with CBR: no",
        "The run ended: failed: it stopped",
    ]
    at = run.created_at
    run.transcript = [
        {"kind": "shown", "text": "run-started: Run abc", "at": at},  # as the TUI wrote them before
        {"kind": "shown", "text": "step-succeeded Back the ECS up: backup b1 is available", "at": at + 1},
        {"kind": "answered", "text": "Start the repair now? -> yes", "at": at + 86400},
    ]
    text = section(render(run), "Session transcript")
    assert re.search(r"^\*\*\d{4}-\d\d-\d\d\*\* \(UTC\)$", text, re.M)
    assert len(re.findall(r"^\*\*\d{4}-\d\d-\d\d\*\* \(UTC\)$", text, re.M)) == 2  # a new day says so
    assert re.search(r"^- `\d\d:\d\d:\d\d` The run started: Run abc$", text, re.M)
    assert re.search(r"^- `\d\d:\d\d:\d\d` Step done: Back the ECS up: backup b1 is available$", text, re.M)
    assert re.search(r"^- `\d\d:\d\d:\d\d` Answered: Start the repair now\? → \*\*yes\*\*$", text, re.M)
    assert "run-started" not in text and "shown" not in text
    assert in_words("Diagnosis of web: affected") == "Diagnosis of web: affected"


def test_report_without_a_run_id_is_the_latest_run_and_says_which(cli, session, emu):
    code, _, err = cli("report")
    assert code == 2 and "No runs yet" in err
    first = repair(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    second = repair(session, emu.ids["image_old_csbs_server_deleted"], service="cbr", source_exists=False, cleanup=True)
    assert first.updated_at <= second.updated_at
    code, md, err = cli("report")
    assert code == 0, err
    assert md.startswith(f"# ecs-wizard run {second.run_id}\n")
    assert f"The latest run: {second.run_id} (succeeded, image " in err and "ecs-wizard report RUN_ID" in err
    code, md, err = cli("report", first.run_id)
    assert code == 0 and md.startswith(f"# ecs-wizard run {first.run_id}\n") and err == ""


def test_reports_are_written_to_the_reports_folder_privately_and_atomically(session, emu, tmp_path, monkeypatch):
    run = repair(session, emu.ids["image_old_csbs_server_deleted"], service="cbr", source_exists=False, cleanup=True)
    journal = session.journal
    modes = []
    real_fdopen = os.fdopen

    def watching(fd, *args, **kw):  # the mode of the file when it is opened to be written
        modes.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return real_fdopen(fd, *args, **kw)

    monkeypatch.setattr(os, "fdopen", watching)
    path = write_report(run, journal)
    monkeypatch.undo()
    assert path == report_path(journal, run.run_id) == journal.directory.resolve() / "reports" / path.name
    assert modes and set(modes) == {0o600}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.read_text() == render(run)
    path.parent.chmod(0o777)  # a reports folder others can write is not used
    with pytest.raises(UsageError, match="reports directory .* can be written by its group and every user"):
        write_report(run, journal)
    path.parent.chmod(0o700)
