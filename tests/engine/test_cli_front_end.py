"""The command-line front end's edges: options before or after the command, `sim serve` input, the
report's output file, honest journals and closing JSON events on every way out of `run`, and the
lines a run ends with."""

import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime

import pytest

import wizard.session
from tests.served import sim_serve
from wizard.cli import main
from wizard.journal import Journal
from wizard.sim import Emulator

IDS = Emulator(scenario="demo", speed=0).ids
SOURCE_EXISTS = IDS["image_old_csbs_server_exists"]
SOURCE_GONE = IDS["image_old_csbs_server_deleted"]
FAST = ["--speed", "100000"]


def cli(capsys, state, *args):
    code = main([*args, "--demo", "--state-dir", str(state)])
    out = capsys.readouterr()
    return code, out.out, out.err


def json_lines(out):
    return [json.loads(line) for line in out.splitlines()]


# -- 1. --speed --------------------------------------------------------------------------------


@pytest.fixture
def opened_sessions(monkeypatch):
    """Every session the CLI opens, to look at the emulator it really ran."""
    opened = []
    real_open = wizard.session.open_session

    def recording(*args, **kw):
        opened.append(real_open(*args, **kw))
        return opened[-1]

    monkeypatch.setattr(wizard.session, "open_session", recording)
    return opened


@pytest.mark.parametrize(
    "argv",
    [
        ["--demo", "--speed", "5000", "diagnose", SOURCE_EXISTS],
        ["--demo", "diagnose", SOURCE_EXISTS, "--speed", "5000"],
    ],
)
def test_speed_counts_before_or_after_the_command(capsys, tmp_path, opened_sessions, argv):
    assert main([*argv, "--state-dir", str(tmp_path)]) == 0
    assert opened_sessions[0].emulator.clock.speed == 5000


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "fast"])
@pytest.mark.parametrize("before", [True, False])
def test_speed_must_be_a_positive_finite_number_wherever_it_is_given(capsys, tmp_path, value, before):
    argv = (
        ["--demo", "--speed", value, "run", SOURCE_EXISTS]
        if before
        else ["--demo", "run", SOURCE_EXISTS, "--speed", value]
    )
    with pytest.raises(SystemExit) as stop:
        main(argv + ["--state-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert (
        f"argument --speed: must be a positive number of virtual seconds per real second, e.g. 60 (got '{value}')"
        in err
    )
    assert not (tmp_path / "runs").exists()


# -- 2. sim serve ------------------------------------------------------------------------------


@pytest.mark.parametrize("port", ["-1", "65536", "99999", "http"])
def test_sim_serve_rejects_a_port_outside_0_to_65535(capsys, port):
    with pytest.raises(SystemExit) as stop:
        main(["sim", "serve", "--port", port])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert f"argument --port: must be a port number from 0 to 65535, 0 picking a free one (got '{port}')" in err
    assert "Traceback" not in err


def test_sim_serve_on_a_port_in_use_is_one_clear_line_and_exit_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["sim", "serve", "--port", str(port)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == (
        f"ecs-wizard: Cannot listen on 127.0.0.1:{port}: Address already in use; "
        "pick another --port (0 picks a free one).\n"
    )


def serve_until_ready(*args):
    """`ecs-wizard sim serve ARGS` in a child process until it serves, then Ctrl-C: its exit code and
    the lines it wrote on standard error."""
    with sim_serve(*args) as served:
        pass
    return served.returncode, served.stderr().splitlines(keepends=True)


def test_sim_serve_warns_in_one_line_when_it_is_reachable_beyond_loopback():
    code, lines = serve_until_ready("--host", "0.0.0.0")
    assert code == 0
    assert lines[0] == (
        "ecs-wizard: warning: serving on every network interface: anyone who can reach this machine "
        "can use the emulator with the fixed, public demo keys, and its admin API (/_sim/state, /_sim/faults, "
        "/_sim/clock: read the world, inject faults, move time) without authentication\n"
    )
    code, lines = serve_until_ready()  # loopback: no warning
    assert code == 0 and not any("warning" in line for line in lines)
    assert lines[0].startswith("# emulator serving") and lines[-1] == "# emulator stopped\n"


# -- 3. report -o ------------------------------------------------------------------------------


def test_report_to_a_file_in_a_missing_directory_is_a_clear_error(capsys, tmp_path):
    code, _, _ = cli(capsys, tmp_path, "run", SOURCE_EXISTS, *FAST)  # exit 3, but journaled
    run_id = Journal(tmp_path).runs()[0].run_id
    target = tmp_path / "missing" / "x.md"
    code, out, err = cli(capsys, tmp_path, "report", run_id, "-o", str(target))
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"Cannot write the report to {target}: No such file or directory." in err
    assert not target.exists()


def test_report_to_a_file_is_readable_by_its_owner_only(capsys, tmp_path):
    cli(capsys, tmp_path, "run", SOURCE_EXISTS, *FAST)  # exit 3, but journaled
    run_id = Journal(tmp_path).runs()[0].run_id
    target = tmp_path / "ticket.json"
    target.write_text("an older file")
    target.chmod(0o644)
    code, out, err = cli(capsys, tmp_path, "report", run_id, "--format", "json", "-o", str(target))
    assert code == 0 and out == "" and f"report written to {target}" in err
    assert json.loads(target.read_text())["run_id"] == run_id
    assert target.stat().st_mode & 0o777 == 0o600  # as the journal and the reports the wizard writes


# -- 4. needs confirmation, and run-finished on every way out of --json -------------------------


def test_a_run_that_needs_confirmation_is_journaled_as_cancelled_and_resumes_with_yes(capsys, tmp_path):
    code, out, err = cli(capsys, tmp_path, "run", SOURCE_EXISTS, "--service", "cbr", "--json", *FAST)
    assert code == 3 and "Put the ECS in a CBR server backup vault" in err
    last = json_lines(out)[-1]
    assert last["event"] == "run-finished" and last["status"] == "needs-confirmation" and last["new_image_id"] is None
    run = Journal(tmp_path).load(last["run_id"])
    assert run.status == "cancelled" and run.resumable
    assert run.events[-1]["reason"] == "needs-confirmation"
    assert all(step.status == "pending" for step in run.plan.steps) and run.resources() == []
    code, out, _ = cli(capsys, tmp_path, "runs", "--json")
    assert [(r["run_id"], r["status"]) for r in json.loads(out)] == [(run.run_id, "cancelled")]

    code, out, err = cli(capsys, tmp_path, "resume", run.run_id, "--yes", "--json", *FAST)
    assert code == 0, err
    last = json_lines(out)[-1]
    assert last["event"] == "run-finished" and last["status"] == "succeeded" and last["new_image_id"]
    assert Journal(tmp_path).load(run.run_id).status == "succeeded"


@pytest.mark.parametrize(
    "args, code, status",
    [
        (["no such image"], 2, "bad-input"),
        ([IDS["image_cbr"]], 4, "not-affected"),
        ([SOURCE_GONE, "--dry-run"], 0, "dry-run"),
        ([SOURCE_GONE, "--service", "cbr", "--source-exists", "yes", "--yes"], 2, "bad-input"),
        ([SOURCE_GONE, "--service", "csbs", "--yes"], 0, "succeeded"),
    ],
)
def test_run_json_always_ends_with_run_finished(capsys, tmp_path, args, code, status):
    exit_code, out, err = cli(capsys, tmp_path, "run", *args, "--json", *FAST)
    assert exit_code == code, err
    last = json_lines(out)[-1]
    assert last["event"] == "run-finished" and last["status"] == status
    assert set(last) >= {"run_id", "new_image_id"}


def test_resume_json_of_an_unknown_run_ends_with_run_finished(capsys, tmp_path):
    code, out, err = cli(capsys, tmp_path, "resume", "0000000000ff", "--yes", "--json")
    assert code == 2 and "No run '0000000000ff'" in err
    [finished] = json_lines(out)
    assert (finished["event"], finished["status"], finished["run_id"], finished["new_image_id"]) == (
        "run-finished",
        "bad-input",
        "0000000000ff",
        None,
    )


# -- 5 and 6. a backup of a source ECS that is gone ------------------------------------------


def test_answering_yes_for_a_source_ecs_the_cloud_says_is_gone_is_refused_before_anything_is_made(capsys, tmp_path):
    code, out, err = cli(
        capsys, tmp_path, "run", SOURCE_GONE, "--service", "cbr", "--source-exists", "yes", "--yes", *FAST
    )
    assert code == 2 and "does not exist any more" in err and "--source-exists no" in err
    assert Journal(tmp_path).runs() == []  # no run, so no vault


def _deleted_after_the_diagnosis(session, emu, service):
    """Plan a backup of an ECS that exists, then delete it before the run reaches the backup."""
    from tests.engine.helpers import start

    run = start(session, emu.ids["image_old_csbs_server_exists"], service=service, source_exists=True)
    session.clients.ecs.delete_servers([emu.ids["server_exists"]])
    emu.clock.advance(3600)
    return session.runner(run, confirm=lambda step: True).run()


def test_backing_up_a_source_ecs_deleted_after_the_diagnosis_says_to_answer_no_and_names_the_vault(session, emu):
    from wizard.report import render

    run = _deleted_after_the_diagnosis(session, emu, "cbr")
    assert run.status == "failed"
    step = run.plan.step("ensure_vault")
    request_id = step.error.request_id
    assert step.error.code == "BackupService.7100" and request_id
    vault = next(r for r in run.resources() if r["type"] == "vault")  # what the run made is journaled
    remedy = step.error.remedy.sentence
    assert (
        "run the repair again with --source-exists no (or auto)" in remedy and "resuming this run cannot work" in remedy
    )
    assert f"{vault['name']} ({vault['id']}), is recorded in its journal" in remedy
    errors_section = render(run, "md").split("## Errors")[1].split("##")[0]
    assert errors_section.count(request_id) == 1 and "--source-exists no" in errors_section


def test_csbs_check_of_a_source_ecs_deleted_after_the_diagnosis_says_to_answer_no(session, emu):
    run = _deleted_after_the_diagnosis(session, emu, "csbs")
    step = run.plan.step("csbs_backup")
    assert run.status == "failed" and step.error.code == "CSBS.6000"
    assert "run the repair again with --source-exists no (or auto)" in step.error.remedy.sentence
    assert "vault" not in step.error.remedy.sentence  # CSBS made none


# -- 7. the temporary ECS a finished run kept ----------------------------------------------------


def test_a_run_that_keeps_its_temporary_ecs_ends_by_naming_it_and_the_cleanup(capsys, tmp_path):
    code, out, err = cli(capsys, tmp_path, "run", SOURCE_GONE, "--service", "cbr", "--yes", *FAST)
    assert code == 0, err
    run = Journal(tmp_path).runs()[0]
    temp = run.plan.step("create_temp_server").outputs["server_id"]
    lines = out.splitlines()
    assert lines[-2].startswith(f"[end] run {run.run_id} succeeded")
    reach = f"--state-dir {tmp_path} --demo"  # the command works as printed (tests/engine/test_commands_as_printed.py)
    assert lines[-1] == f"The temporary ECS {temp} was kept: ecs-wizard resume {run.run_id} --cleanup {reach}"

    # the image has a fast copy now: a second repair needs --new, and is warned about
    code, out, err = cli(capsys, tmp_path, "run", SOURCE_GONE, "--service", "cbr", "--yes", "--json", *FAST)
    assert code == 2 and "has a fast copy already" in err and json_lines(out)[-1]["status"] == "bad-input"
    code, out, err = cli(capsys, tmp_path, "run", SOURCE_GONE, "--service", "cbr", "--yes", "--json", "--new", *FAST)
    assert code == 0, err
    assert "warning:" in err and "starting a second repair (--new)" in err
    last = json_lines(out)[-1]
    run = Journal(tmp_path).load(last["run_id"])
    assert last["event"] == "run-finished"
    assert last["kept_temporary_server"] == run.plan.step("create_temp_server").outputs["server_id"]
    assert last["follow_ups"] == [
        f"The temporary ECS {last['kept_temporary_server']} was kept: ecs-wizard resume {run.run_id} --cleanup {reach}"
    ]


def test_a_run_that_deletes_its_temporary_ecs_ends_without_a_hint(capsys, tmp_path):
    code, out, err = cli(capsys, tmp_path, "run", SOURCE_GONE, "--service", "cbr", "--cleanup", "--yes", *FAST)
    assert code == 0, err
    assert out.splitlines()[-1].startswith("[end] run ") and "--cleanup" not in out


# -- 8. dry run as JSON ------------------------------------------------------------------------


def test_dry_run_json_is_the_plan_with_calls_bodies_and_what_is_billable(capsys, tmp_path):
    code, out, _ = cli(capsys, tmp_path, "run", SOURCE_GONE, "--dry-run", "--json", "--cleanup", *FAST)
    assert code == 0
    plan, finished = json_lines(out)
    assert plan["event"] == "plan" and plan["path"] == "cbr-source-gone" and plan["image_id"] == SOURCE_GONE
    steps = {s["kind"]: s for s in plan["steps"]}
    assert steps["create_temp_server"]["billable"] and steps["delete_temp_server"]["destructive"]
    assert not steps["verify_image"]["billable"] and not steps["verify_image"]["destructive"]
    create = steps["create_temp_server"]["calls"][0]
    assert create["method"] == "POST" and create["path"] == "/v1/{project_id}/cloudservers"
    assert create["body"]["server"]["imageRef"] == SOURCE_GONE
    assert steps["create_image"]["calls"][0]["body"]["whole_image_type"] == "CBR"
    assert plan["billable_or_destructive"] == [s["title"] for s in plan["steps"] if s["billable"] or s["destructive"]]
    assert finished["event"] == "run-finished" and finished["status"] == "dry-run" and finished["run_id"] is None
    assert Journal(tmp_path).runs() == []  # nothing was started


# -- 9. runs -----------------------------------------------------------------------------------


def test_runs_gives_iso_times_and_always_says_where_the_journals_live(capsys, tmp_path):
    code, out, _ = cli(capsys, tmp_path, "runs")
    assert code == 0 and out.splitlines() == ["No runs yet.", f"Journals live in {tmp_path / 'runs'}"]
    cli(capsys, tmp_path, "run", SOURCE_EXISTS, "--service", "csbs", "--yes", *FAST)
    code, out, _ = cli(capsys, tmp_path, "runs")
    assert out.splitlines()[-1] == f"Journals live in {tmp_path / 'runs'}" and "succeeded" in out
    code, out, _ = cli(capsys, tmp_path, "runs", "--json")
    updated = datetime.fromisoformat(json.loads(out)[0]["updated_at"])
    assert updated.tzinfo == UTC
    assert abs(updated.timestamp() - Journal(tmp_path).runs()[0].updated_at) < 1


# -- 10. --yes ---------------------------------------------------------------------------------


def test_yes_shows_confirmations_as_approved_not_as_questions(capsys, tmp_path):
    code, out, err = cli(capsys, tmp_path, "run", SOURCE_EXISTS, "--service", "cbr", "--yes", *FAST)
    assert code == 0, err
    assert "[ok] 'Put the ECS in a CBR server backup vault' creates billable resources: approved by --yes" in out
    assert "[??]" not in out and "Continue?" not in out
    # another state directory: this one's demo world now has the fast copy, which a second run is warned of
    code, out, err = cli(capsys, tmp_path / "json", "run", SOURCE_EXISTS, "--service", "cbr", "--yes", "--json", *FAST)
    asked = [e for e in json_lines(out) if e["event"] == "waiting-for-confirmation"]
    assert asked and all(e["approved_by"] == "--yes" for e in asked)


def test_a_reader_that_goes_away_stops_the_run_quietly(tmp_path):
    env = {**os.environ, "ECS_WIZARD_STATE_DIR": str(tmp_path)}
    child = subprocess.Popen(
        [sys.executable, "-m", "wizard", "--demo", "--speed", "60", "run", SOURCE_EXISTS, "--service", "cbr", "--yes"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert child.stdout.readline().startswith(b"[run] run ")
    child.stdout.close()  # like `| head -1`
    err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 1
    assert "the output was closed" in err and "Traceback" not in err and "BrokenPipeError" not in err
    [run] = Journal(tmp_path).runs()
    assert run.resumable  # what it had started is journaled
    assert f"ecs-wizard resume {run.run_id} --state-dir {tmp_path} --demo" in err


def test_a_read_only_command_whose_reader_goes_away_stops_silently(tmp_path):
    env = {**os.environ, "ECS_WIZARD_STATE_DIR": str(tmp_path)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "wizard",
            "--demo",
            "--speed",
            "100000",
            "run",
            SOURCE_EXISTS,
            "--service",
            "cbr",
            "--yes",
        ],
        env=env,
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr
    [run] = Journal(tmp_path).runs()
    reader, writer = os.pipe()
    os.close(reader)  # the reader is gone before the report is written, as `| head` once it has its lines
    try:
        done = subprocess.run(
            [sys.executable, "-m", "wizard", "report", run.run_id], stdout=writer, stderr=subprocess.PIPE, env=env
        )
    finally:
        os.close(writer)
    assert done.returncode == 1
    assert done.stderr == b""  # nothing to resume, nothing to say


def test_an_interactive_confirmation_is_asked_once(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("wizard.commands.repair.interactive", lambda: True)
    monkeypatch.setattr("builtins.input", lambda: "y")
    code, out, err = cli(capsys, tmp_path, "run", SOURCE_EXISTS, "--service", "cbr", *FAST)
    assert code == 0, err
    question = "'Put the ECS in a CBR server backup vault' creates billable resources. Continue?"
    assert out.count(question) == 1 and f"{question} [y/N]" in out
