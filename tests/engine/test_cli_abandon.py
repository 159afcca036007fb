"""``ecs-wizard abandon RUN_ID [--keep-image] [--yes] [--json]`` and ``resume RUN_ID --cleanup`` on a
run that did not succeed, as a user meets them: what is listed, the one question (default no; --yes;
exit 3 without a terminal), the closing run-finished event, the exit codes, and what is left."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import wizard.session
from tests.engine.test_cli_front_end import FAST, SOURCE_EXISTS, SOURCE_GONE, cli, json_lines
from wizard.journal import Journal
from wizard.ownership import MARK_KEY, RunLock

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def failing(monkeypatch):
    """The next session the CLI opens gets ``failing.rule`` (a fault rule); the ones after it don't.
    ``failing.emulators`` are the emulators the CLI ran (the demo world carries over between them)."""
    real_open = wizard.session.open_session

    class Failing:
        rule = "ims.create_whole_image:first=1:status=400:code=IMG.0015:message=quota exceeded"
        emulators: list = []

    def opening(*args, **kw):
        rule, Failing.rule = Failing.rule, None
        session = real_open(*args, faults=[rule] if rule else [], **kw)
        Failing.emulators.append(session)
        return session

    monkeypatch.setattr(wizard.session, "open_session", opening)
    return Failing


def failed_run(capsys, state, image=SOURCE_GONE, *extra):
    source = "yes" if image == SOURCE_EXISTS else "no"
    code, out, err = cli(capsys, state, "run", image, "--source-exists", source, "--yes", "--json", *extra, *FAST)
    assert code == 1, err
    return json_lines(out)[-1]["run_id"]


def left(failing, run_id):
    """What carries the run's mark in the demo world the last command left (the emulator's count)."""
    emu = failing.emulators[-1].emulator
    emu.clock.advance(3600)
    return {k: v for k, v in emu.state.tag_counts().get(f"{MARK_KEY}={run_id}", {}).items() if v}


def test_abandon_without_yes_and_without_a_terminal_lists_and_exits_3_deleting_nothing(capsys, tmp_path, failing):
    run_id = failed_run(capsys, tmp_path)
    code, out, err = cli(capsys, tmp_path, "abandon", run_id, "--json", *FAST)
    assert code == 3
    events = json_lines(out)
    assert events[0]["event"] == "abandon-plan"
    assert [d["type"] for d in events[0]["delete"]] == ["cbr backup", "vault", "server"]
    assert all(d["cost"] for d in events[0]["delete"])
    assert events[-1]["event"] == "run-finished" and events[-1]["status"] == "needs-confirmation"
    assert f"ecs-wizard abandon {run_id} --yes" in events[-1]["message"]
    assert "These deletions need confirmation" in err
    assert Journal(tmp_path).load(run_id).status == "failed"
    assert left(failing, run_id) == {"servers": 1, "vaults": 1, "cbr_backups": 1}


def test_abandon_yes_json_deletes_everything_and_ends_with_run_finished_abandoned(capsys, tmp_path, failing):
    run_id = failed_run(capsys, tmp_path)
    code, out, err = cli(capsys, tmp_path, "abandon", run_id, "--yes", "--json", *FAST)
    assert code == 0, err
    events = json_lines(out)
    assert [e["event"] for e in events if e["event"] in ("deleting", "deleted")] == ["deleting", "deleted"] * 3
    last = events[-1]
    assert (last["event"], last["status"], last["run_id"], last["remaining"]) == (
        "run-finished",
        "abandoned",
        run_id,
        [],
    )
    assert left(failing, run_id) == {}

    code, out, _ = cli(capsys, tmp_path, "runs", "--json")
    assert next(r for r in json.loads(out) if r["run_id"] == run_id)["status"] == "abandoned"
    code, out, _ = cli(capsys, tmp_path, "runs")
    assert f"{run_id}  abandoned" in out
    code, out, err = cli(capsys, tmp_path, "resume", run_id, "--yes")
    assert code == 2 and f"Run {run_id} was abandoned: it cannot be resumed." in err
    code, out, _ = cli(capsys, tmp_path, "report", run_id)
    assert "**Abandoned**: nothing the run made is left." in out
    assert "Deleted vault ecs-wizard-" in out


def test_abandon_readable_output_lists_costs_then_each_deletion(capsys, tmp_path, failing):
    run_id = failed_run(capsys, tmp_path)
    code, out, err = cli(capsys, tmp_path, "abandon", run_id, "--yes", *FAST)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == (
        f"Run {run_id} (failed at 'Create a full-ECS image from the new backup') on image erp-batch-full-2019: "
        "what it made that still exists"
    )
    assert lines[1] == "To delete (3), in this order:"
    assert "a CBR vault: its capacity (140 GB) is billed while it exists" in lines[3]
    assert lines[-1] == f"[end] run {run_id} abandoned: deleted 3 resource(s); nothing else of the run is left"


def test_abandon_keep_image_keeps_the_image_its_backup_and_vault(capsys, tmp_path, failing):
    failing.rule = "ecs.create_server:first=1:status=400"  # the test launch fails: the image is made
    run_id = failed_run(capsys, tmp_path, SOURCE_EXISTS, "--test-launch")
    code, out, err = cli(capsys, tmp_path, "abandon", run_id, "--keep-image", "--yes", "--json", *FAST)
    assert code == 0, err
    plan, last = json_lines(out)[0], json_lines(out)[-1]
    assert sorted(k["type"] for k in plan["keep"]) == ["cbr backup", "image", "vault"]
    assert last["status"] == "abandoned" and last["new_image_id"] == Journal(tmp_path).load(run_id).new_image_id
    assert left(failing, run_id) == {"images": 1, "vaults": 1, "cbr_backups": 1}


def test_abandon_asks_once_and_no_is_the_default(capsys, tmp_path, failing, monkeypatch):
    run_id = failed_run(capsys, tmp_path)
    monkeypatch.setattr("wizard.commands.repair.interactive", lambda: True)
    answers = iter(["", "y"])
    monkeypatch.setattr("builtins.input", lambda: next(answers))
    code, out, err = cli(capsys, tmp_path, "abandon", run_id, *FAST)
    assert code == 3
    assert "Delete these 3 resources? This cannot be undone. [y/N]" in out
    assert "Not confirmed: nothing was deleted." in err
    code, out, err = cli(capsys, tmp_path, "abandon", run_id, *FAST)
    assert code == 0, err
    assert left(failing, run_id) == {}


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_abandon_of_an_unknown_run_exits_2(capsys, tmp_path, json_flag):
    code, out, err = cli(capsys, tmp_path, "abandon", "0123456789ab", "--yes", *json_flag)
    assert code == 2 and "No run '0123456789ab'" in err and "Traceback" not in err
    if json_flag:
        assert json_lines(out)[-1]["status"] == "bad-input"


def test_abandon_of_a_run_that_succeeded_exits_2(capsys, tmp_path):
    code, out, err = cli(capsys, tmp_path, "run", SOURCE_EXISTS, "--service", "cbr", "--yes", "--json", *FAST)
    run_id = json_lines(out)[-1]["run_id"]
    code, out, err = cli(capsys, tmp_path, "abandon", run_id, "--yes")
    assert code == 2
    assert f"Run {run_id} succeeded: its new image is the result, so there is nothing to abandon." in err


def test_abandon_of_a_run_another_process_holds_exits_2(capsys, tmp_path, failing, monkeypatch):
    run_id = failed_run(capsys, tmp_path)
    real_getpid = os.getpid
    with RunLock(Journal(tmp_path), run_id):
        monkeypatch.setattr(os, "getpid", lambda: -1)  # this test process plays the second process
        code, out, err = cli(capsys, tmp_path, "abandon", run_id, "--yes", *FAST)
        monkeypatch.undo()
    assert code == 2 and f"is open in another process (pid {real_getpid()})" in err


def test_a_failed_deletion_exits_1_and_abandon_again_finishes(capsys, tmp_path, failing, monkeypatch):
    run_id = failed_run(capsys, tmp_path)
    failing.rule = "cbr.delete_vault:first=1:status=400:code=BackupService.0001:message=busy"
    code, out, err = cli(capsys, tmp_path, "abandon", run_id, "--yes", "--json", *FAST)
    assert code == 1
    last = json_lines(out)[-1]
    assert last["status"] == "abandoning" and last["remaining"][0]["type"] == "vault"
    assert f"ecs-wizard abandon {run_id}" in last["message"]
    code, out, err = cli(capsys, tmp_path, "resume", run_id)
    assert code == 2 and f"finish the abandon with: ecs-wizard abandon {run_id}" in err
    code, out, err = cli(capsys, tmp_path, "abandon", run_id, "--yes", *FAST)
    assert code == 0, err
    assert left(failing, run_id) == {}


def test_resume_cleanup_after_a_failed_run_deletes_its_temporary_ecs_only(capsys, tmp_path, failing):
    run_id = failed_run(capsys, tmp_path)
    code, out, err = cli(capsys, tmp_path, "resume", run_id, "--cleanup", "--json", *FAST)
    assert code == 3 and json_lines(out)[-1]["status"] == "needs-confirmation"
    code, out, err = cli(capsys, tmp_path, "resume", run_id, "--cleanup", "--yes", "--json", *FAST)
    assert code == 0, err
    last = json_lines(out)[-1]
    assert last["status"] == "failed" and last["resumable"] is True
    assert [d["type"] for d in last["deleted"]] == ["server"]
    assert left(failing, run_id) == {"vaults": 1, "cbr_backups": 1}
    assert Journal(tmp_path).load(run_id).status == "failed"  # still resumable, with its backup


def test_abandon_of_a_run_that_made_nothing_needs_no_confirmation(tmp_path):
    """The real process, stdin not a terminal: a run stopped before its first billable step made
    nothing, so there is nothing to confirm; it is given up at once."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), ECS_WIZARD_STATE_DIR=str(tmp_path))
    run = subprocess.run(
        [sys.executable, "-m", "wizard", "run", SOURCE_GONE, "--demo", "--source-exists", "no", "--json", *FAST],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    run_id = json.loads(run.stdout.splitlines()[-1])["run_id"]  # stopped before its first billable step
    done = subprocess.run(
        [sys.executable, "-m", "wizard", "abandon", run_id, "--demo", *FAST],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr  # nothing was made: nothing to confirm, the run is given up
    assert "Nothing this run made still exists." in done.stdout
    assert Journal(tmp_path).load(run_id).status == "abandoned"
