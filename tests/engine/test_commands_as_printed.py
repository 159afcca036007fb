"""Every follow-up command the wizard prints works as printed (issue 14, item 7): a demo in a state
directory that is not the default (with a space in its name), a repair that fails at a step and keeps
its temporary ECS, and each command taken from the output, the report and the JSON events, pasted into
a fresh shell: another working directory, no ECS_WIZARD_* variables. Each must do what it says."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys

import pytest

import wizard.session
from wizard.cli import main
from wizard.journal import Journal
from wizard.sim import Emulator

FAST = "100000"  # virtual seconds per real second: only makes the emulator quick
IMAGE = Emulator(scenario="demo").ids["image_old_csbs_server_deleted"]  # the CBR path, which keeps its temporary ECS
IMAGE_FAILS = "ims.create_whole_image:first=1:job=fail:reason=disk snapshot failed"
COMMAND = re.compile(r"ecs-wizard [^()`]*?(?=\)|`|;|\s*$)", re.M)  # up to a closing bracket, backtick or line end


@pytest.fixture
def state(tmp_path):
    return tmp_path / "my state"


@pytest.fixture
def failing_cli(monkeypatch, capsys, state):
    """The CLI in this process, on a demo whose first image creation fails (a fault in the emulator the
    session opens); what follows runs in other processes, without the fault."""
    opened = wizard.session.open_session

    def with_fault(*args, **kw):
        session = opened(*args, **kw)
        session.emulator.add_fault(IMAGE_FAILS)
        return session

    monkeypatch.setattr(wizard.session, "open_session", with_fault)

    def run(*args):
        code = main([*args, "--demo", "--state-dir", str(state), "--speed", FAST])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def paste(command: str, where, *extra: str) -> subprocess.CompletedProcess[str]:
    """``command`` as a shell runs it, from another directory and without the wizard's variables. ``extra``:
    ``--yes`` answers the confirmation a person would type; ``--speed`` only makes the emulator quick."""
    extra = (*extra, "--speed", FAST) if "--demo" in command else extra
    words = shlex.split(command)
    assert words[0] == "ecs-wizard"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECS_WIZARD_")}
    argv = [sys.executable, "-m", "wizard", *words[1:], *extra]
    return subprocess.run(argv, cwd=where, env=env, capture_output=True, text=True, timeout=120)


def commands(text: str, *starting: str) -> list[str]:
    found = [c.strip() for c in COMMAND.findall(text)]
    return [c for c in found if c.startswith(tuple(f"ecs-wizard {s}" for s in starting))]


def failed_run(failing_cli, state, *options: str) -> tuple[str, str]:
    code, out, err = failing_cli("run", IMAGE, "--service", "cbr", "--yes", *options)
    assert code == 1, out + err
    run = Journal(state).runs()[0]
    assert run.status == "failed" and run.plan.failed_step().kind == "create_image"
    return run.run_id, out


def test_a_failed_runs_commands_resume_it_and_delete_its_temporary_ecs_as_printed(failing_cli, state, tmp_path, capsys):
    run_id, out = failed_run(failing_cli, state)
    reach = f"--state-dir '{state}' --demo"
    resume = f"ecs-wizard resume {run_id} {reach}"
    # the failed step's remedy and the closing hint name the same command, with the state directory and the demo
    what_to_do = next(line for line in out.splitlines() if "what to do:" in line)
    assert commands(what_to_do, "resume") == [resume]
    assert commands(out.splitlines()[-1], "resume") == [resume]
    # so does the report, read without a session: its state directory and the run's cloud
    assert main(["report", run_id, "--state-dir", str(state)]) == 0
    assert commands(capsys.readouterr().out, "resume", "abandon") == [
        f"ecs-wizard resume {run_id} --cleanup {reach}",
        f"ecs-wizard abandon {run_id} {reach}",
        resume,
    ]

    done = paste(resume, tmp_path, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    run = Journal(state).load(run_id)
    assert run.status == "succeeded" and run.new_image_id
    temp = run.plan.step("create_temp_server").outputs["server_id"]

    # it succeeded and kept its temporary ECS: the last line says how to delete it, and that works too
    kept = done.stdout.splitlines()[-1]
    assert kept.startswith(f"The temporary ECS {temp} was kept")
    (cleanup,) = commands(kept, "resume")
    assert cleanup == f"ecs-wizard resume {run_id} --cleanup {reach}"
    assert main(["report", run_id, "--state-dir", str(state)]) == 0
    assert cleanup in commands(capsys.readouterr().out, "resume")  # the report of the finished run says the same
    done = paste(cleanup, tmp_path, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    run = Journal(state).load(run_id)
    assert run.plan.steps[-1].kind == "delete_temp_server" and run.plan.steps[-1].status == "succeeded"
    assert f"ECS {temp} deleted" in done.stdout


def test_the_reports_abandon_command_gives_the_run_up_as_printed(failing_cli, state, tmp_path, capsys):
    run_id, _ = failed_run(failing_cli, state)
    assert main(["report", run_id, "--state-dir", str(state)]) == 0
    report = capsys.readouterr().out
    (abandon,) = commands(report, "abandon")
    assert abandon == f"ecs-wizard abandon {run_id} --state-dir '{state}' --demo"
    done = paste(abandon, tmp_path, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    gave_up = Journal(state).load(run_id)
    assert gave_up.status == "abandoned"
    assert {d["type"] for d in gave_up.deletions if d["status"] == "deleted"} >= {"server", "cbr backup", "vault"}


def test_the_json_events_commands_work_as_printed(failing_cli, state, tmp_path):
    run_id, out = failed_run(failing_cli, state, "--json")
    events = [json.loads(line) for line in out.splitlines()]
    failed = next(e for e in events if e["event"] == "step-failed")
    (resume,) = commands(failed["remedy"], "resume")
    assert resume == f"ecs-wizard resume {run_id} --state-dir '{state}' --demo"

    done = paste(resume, tmp_path, "--yes", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    last = json.loads(done.stdout.splitlines()[-1])
    assert last["event"] == "run-finished" and last["status"] == "succeeded"
    (hint,) = last["follow_ups"]
    (cleanup,) = commands(hint, "resume")
    done = paste(cleanup, tmp_path, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"ECS {last['kept_temporary_server']} deleted" in done.stdout


def test_an_error_before_any_session_names_the_state_directory(state, tmp_path, capsys):
    """`report` in an empty state directory: the runs it points to are those of that directory."""
    assert main(["report", "--state-dir", str(state)]) == 2
    (listing,) = commands(capsys.readouterr().err, "runs")
    assert listing == f"ecs-wizard runs --state-dir '{state}'"
    done = paste(listing, tmp_path)
    assert done.returncode == 0 and f"Journals live in {state}" in done.stdout
