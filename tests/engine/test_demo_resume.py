"""A demo run interrupted in one process resumes in the next: the emulator's world, one cloud account
per emulated cloud, is kept beside the journals while any run made in it is there, so a second repair
works beside the first one's resources and every run's follow-ups, resume and abandon find them."""

import pytest

from tests.engine.helpers import interrupt_during_backup, inventory, start
from wizard.config import resolve
from wizard.session import demo_world_path, open_session

FAST = 100000.0  # virtual seconds per real second


def test_an_interrupted_demo_run_resumes_in_a_new_process(tmp_path):
    first = open_session(resolve(demo=True), state_dir=tmp_path, speed=FAST)
    image = first.emulator.ids["image_old_csbs_server_exists"]
    run = interrupt_during_backup(first, image, source_exists=True)
    assert run.status == "cancelled" and run.resumable
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
    assert snapshot.exists()  # the finished run's follow-ups (a test launch) still need its new image

    third = open_session(resolve(demo=True), state_dir=tmp_path, speed=FAST)
    assert done.new_image_id in inventory(third.clients)["images"] and third.restored


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
    demo_world_path(second.journal).unlink()  # the user removed the world file

    third = open_session(resolve(demo=True), state_dir=tmp_path, speed=FAST)
    with pytest.raises(
        UsageError, match="whose world is gone"
    ):  # its ids exist in every fresh demo, its world does not
        third.check_resumable_here(third.journal.load(run.run_id))


def test_a_world_with_no_run_in_it_is_not_kept(tmp_path):
    session = open_session(resolve(demo=True), state_dir=tmp_path, speed=FAST)
    assert session.emulator.ids  # connected: looked around, repaired nothing
    session.close()
    assert not demo_world_path(session.journal).exists()


def test_two_demo_repairs_in_one_state_directory_keep_each_others_resources(tmp_path, capsys):
    """Issue 14 item 8: the first repair finished without keeping anything billable, a second one ran in
    another process, and the first one's test launch then failed with 'world is gone'. The demo is one
    cloud account: the second repair works beside the first one's new image, and the first run's
    follow-ups, a third run's abandon and the second run's cleanup all work afterwards."""
    from wizard.cli import main
    from wizard.journal import Journal
    from wizard.sim import Emulator

    ids = Emulator(scenario="demo", speed=0).ids

    def cli(*args):
        code = main([*args, "--demo", "--state-dir", str(tmp_path), "--speed", str(FAST)])
        out = capsys.readouterr()
        assert code == 0, out.out + out.err
        return out.out + out.err

    def run_of(image):
        return next(r for r in Journal(tmp_path).runs() if r.image_ref == image)

    cli("run", ids["image_old_csbs_server_exists"], "--service", "cbr", "--yes")
    first = run_of(ids["image_old_csbs_server_exists"])
    cli("run", ids["image_old_csbs_server_deleted"], "--service", "cbr", "--yes")  # keeps its temporary ECS
    second = run_of(ids["image_old_csbs_server_deleted"])
    assert first.status == second.status == "succeeded"
    assert first.new_image_id in cli("scan") and second.new_image_id in cli("scan")  # both fast copies listed

    assert "Test: launch an ECS from the new image" in cli("resume", first.run_id, "--test-launch", "--yes")
    assert Journal(tmp_path).load(first.run_id).plan.step("test_launch").status == "succeeded"

    third = open_session(resolve(demo=True), state_dir=tmp_path, speed=FAST)  # a run interrupted mid-backup
    interrupted = interrupt_during_backup(third, ids["image_old_csbs_server_exists"], source_exists=True)
    third.close()
    cli("abandon", interrupted.run_id, "--yes")
    cli("resume", second.run_id, "--cleanup", "--yes")

    last = open_session(resolve(demo=True), state_dir=tmp_path, speed=FAST)
    world = inventory(last.clients)
    assert {first.new_image_id, second.new_image_id} <= world["images"]
    gave_up = Journal(tmp_path).load(interrupted.run_id)
    deleted = {e["id"] for e in gave_up.deletions if e["status"] == "deleted"}
    assert gave_up.status == "abandoned" and deleted and not deleted & set().union(*world.values())
    assert second.plan.step("create_temp_server").outputs["server_id"] not in world["servers"]


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
    run = interrupt_during_backup(first, image, source_exists=True)
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
