"""A demo run interrupted in one process resumes in the next: the emulator's world is kept beside
the journal while a demo run can be resumed, and forgotten once none can."""

import pytest

from tests.engine.helpers import inventory, start
from wizard.config import resolve
from wizard.session import demo_world_path, open_session

FAST = 100000.0  # virtual seconds per real second


def test_an_interrupted_demo_run_resumes_in_a_new_process(tmp_path):
    first = open_session(resolve(demo=True), state_dir=tmp_path, speed=FAST)
    image = first.emulator.ids["image_old_csbs_server_exists"]
    run = start(first, image, service="cbr", source_exists=True)
    backup_step = run.plan.step("cbr_backup")
    stopped = first.runner(
        run, confirm=lambda step: True, should_cancel=lambda: "checkpoint_id" in backup_step.state
    ).run()
    assert stopped.status == "cancelled" and stopped.resumable
    world = inventory(first.clients)
    first.close()
    snapshot = demo_world_path(first.journal)
    assert snapshot.exists() and snapshot.stat().st_mode & 0o777 == 0o600

    second = open_session(resolve(demo=True), state_dir=tmp_path, speed=FAST)
    assert inventory(second.clients) == world and second.restored  # the same world, vault and backup included
    again = second.journal.load(run.run_id)
    second.check_resumable_here(again)
    done = second.runner(again, confirm=lambda step: True).run()
    assert done.status == "succeeded", done.error
    after = inventory(second.clients)
    assert len(after["cbr_backups"] - world["cbr_backups"]) == 0  # the backup was not started twice
    assert len(after["images"] - world["images"]) == 1
    second.close()
    assert not snapshot.exists()  # nothing left to resume: the next demo starts afresh

    third = open_session(resolve(demo=True), state_dir=tmp_path, speed=FAST)
    assert done.new_image_id not in inventory(third.clients)["images"]
    assert not third.restored


def test_a_damaged_snapshot_means_a_fresh_demo(tmp_path):
    session = open_session(resolve(demo=True), state_dir=tmp_path, speed=FAST)  # connects on first use
    demo_world_path(session.journal).parent.mkdir(parents=True, exist_ok=True)
    demo_world_path(session.journal).write_bytes(b"not a pickle")
    assert session.emulator.ids["image_old_csbs_server_exists"] and not session.restored


def test_a_kept_temporary_server_keeps_the_world_for_a_later_cleanup(tmp_path):
    from wizard.diagnose import Diagnosis
    from wizard.errors import UsageError
    from wizard.plan import add_follow_up

    first = open_session(resolve(demo=True), state_dir=tmp_path, speed=FAST)
    run = start(
        first, first.emulator.ids["image_old_csbs_server_deleted"], service="cbr", source_exists=False, cleanup=False
    )
    assert first.runner(run, confirm=lambda step: True).run().status == "succeeded"
    temp = run.plan.step("create_temp_server").outputs["server_id"]
    first.close()

    second = open_session(resolve(demo=True), state_dir=tmp_path, speed=FAST)
    assert second.clients.ecs.find_server(temp) is not None and second.restored
    again = second.journal.load(run.run_id)
    second.check_resumable_here(again)
    add_follow_up(again.plan, "delete_temp_server", second.clients, Diagnosis.from_dict(again.diagnosis))
    assert second.runner(again, confirm=lambda step: True).run().status == "succeeded"
    assert second.clients.ecs.find_server(temp) is None
    second.close()
    assert not demo_world_path(second.journal).exists()  # nothing kept any more: forgotten

    third = open_session(resolve(demo=True), state_dir=tmp_path, speed=FAST)
    with pytest.raises(
        UsageError, match="whose world is gone"
    ):  # its ids exist in every fresh demo, its world does not
        third.check_resumable_here(third.journal.load(run.run_id))


def test_the_printed_resume_command_works_as_printed(tmp_path):
    """The hint names the state directory and the demo, so pasted into another shell (another
    directory, no ECS_WIZARD_STATE_DIR) it resumes the run."""
    import os
    import shlex
    import subprocess
    import sys

    state = tmp_path / "my state"  # a space: the command quotes it
    first = open_session(resolve(demo=True), state_dir=state, speed=FAST)
    image = first.emulator.ids["image_old_csbs_server_exists"]
    run = start(first, image, service="cbr", source_exists=True)
    backup_step = run.plan.step("cbr_backup")
    first.runner(run, confirm=lambda step: True, should_cancel=lambda: "checkpoint_id" in backup_step.state).run()
    printed = first.resume_command(run.run_id)
    first.close()
    assert printed == f"ecs-wizard resume {run.run_id} --state-dir '{state}' --demo"

    words = shlex.split(printed)
    assert words[0] == "ecs-wizard"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECS_WIZARD_")}
    # --yes answers the confirmations a person would type; --speed only makes the emulator quick
    argv = [sys.executable, "-m", "wizard", *words[1:], "--yes", "--speed", str(FAST)]
    done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert open_session(resolve(demo=True), state_dir=state).journal.load(run.run_id).status == "succeeded"
