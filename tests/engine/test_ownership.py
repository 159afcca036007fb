"""Ownership of what a run makes (``wizard.ownership``): the mark on every resource, the reconcile
window that keeps a lost, late or failed create from being sent twice, the sweep that deletes a
surplus carrying the run's mark (and nothing else), failed delete jobs asked again on resume, a
delete whose job id never reached the journal settled from the server's state, and the run lock."""

import os
import subprocess
import sys
import textwrap

import pytest

from tests.engine.helpers import added, inventory, start
from wizard import ownership
from wizard.ownership import MARK_KEY, SOURCE_KEY, ReconcileWindow, RunLock, RunLocked

IMAGE_GONE = "image_old_csbs_server_deleted"


class Crash(BaseException):
    """The process dies here: nothing after this point runs (not an Exception, so nothing catches it)."""


def ok(step):
    return True


def test_everything_a_run_makes_carries_its_mark(session, emu):
    run = start(session, emu.ids[IMAGE_GONE], service="cbr", source_exists=False, cleanup=False)
    result = session.runner(run, confirm=ok).run()
    assert result.status == "succeeded", result.error
    clients = session.clients
    [server] = ownership.marked_servers(clients, run.run_id)
    [vault] = ownership.marked_vaults(clients, run.run_id)
    [image] = ownership.marked_images(clients, run.run_id)
    assert server.id == run.plan.step("create_temp_server").outputs["server_id"]
    assert vault.id == run.plan.step("ensure_vault").outputs["vault_id"]
    assert image.id == run.new_image_id
    assert image.tags[SOURCE_KEY] == emu.ids[IMAGE_GONE]  # the copy names its original, for any machine
    assert {o.type for o in ownership.find_owned(clients, run)} == {"image", "cbr backup", "vault", "server"}
    counts = emu.state.tag_counts()[f"{MARK_KEY}={run.run_id}"]
    assert counts == {"servers": 1, "vaults": 1, "cbr_backups": 1, "images": 1}


def test_csbs_backups_carry_the_mark(session, emu):
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="csbs", source_exists=True)
    assert session.runner(run, confirm=ok).run().status == "succeeded"
    [backup] = ownership.marked_csbs_backups(session.clients, run.run_id)
    assert backup.id == run.plan.step("csbs_backup").outputs["backup_id"]


def test_reconcile_window_bound():
    """The documented bound: lookups of one lost answer, and when the create is sent again."""
    window = ReconcileWindow()
    since, lookups = 0.0, 0
    while window.is_open(0.0, since):
        since += window.next_interval(since)
        lookups += 1
    assert lookups <= window.lookups()
    assert window.length <= since <= window.length + window.max_interval
    assert (window.length, window.lookups()) == (90.0, 11)


@pytest.mark.parametrize(
    "fault, kind",
    [
        ("cbr.create_vault:first=1:late=45", "vaults"),
        ("ecs.create_server:first=1:late=60", "servers"),
        ("cbr.create_checkpoint:first=1:late=33", "cbr_backups"),
        ("ims.create_whole_image:first=1:late=80", "images"),
    ],
)
def test_a_late_create_inside_the_window_is_adopted_not_repeated(session, emu, fault, kind):
    """The issue's repro: the answer comes after the read timeout; the run finds what it made."""
    emu.add_fault(fault)
    before = inventory(session.clients)
    run = start(session, emu.ids[IMAGE_GONE], service="cbr", source_exists=False, cleanup=True)
    result = session.runner(run, confirm=ok).run()
    assert result.status == "succeeded", result.error
    diff = added(before, inventory(session.clients))
    assert len(diff.get(kind, ())) == (0 if kind == "servers" else 1)  # the temporary ECS was deleted
    assert all(len(ids) == 1 for k, ids in diff.items() if k != "servers"), diff
    assert not any(e["event"] == "sweep" and e["sweep"]["deleted"] for e in result.events)
    assert any("looking for what it made" in e.get("message", "") for e in result.events)


def test_a_create_landing_after_the_window_is_swept(session, emu):
    """Beyond the window the create is sent again; the first one lands later and is the surplus the
    sweep deletes, saying so in the event stream and the report."""
    from wizard.report import to_markdown

    session.window = ReconcileWindow(read_timeout=5, grace=5)
    emu.add_fault("cbr.create_vault:first=1:late=20")
    before = inventory(session.clients)
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    result = session.runner(run, confirm=ok).run()
    assert result.status == "succeeded", result.error
    assert len(added(before, inventory(session.clients))["vaults"]) == 1
    deleted = [o for e in result.events if e["event"] == "sweep" for o in e["sweep"]["deleted"]]
    assert [o["type"] for o in deleted] == ["vault"]
    assert deleted[0]["id"] != run.plan.step("ensure_vault").outputs["vault_id"]
    assert f"deleted the surplus: vault `{deleted[0]['id']}`" in to_markdown(result)


def test_the_sweep_never_touches_what_lacks_the_run_mark(session, emu):
    other = session.clients.cbr.create_vault(name=f"ecs-wizard-{'x' * 8}", size_gb=50, tags={MARK_KEY: "another"})
    unmarked = session.clients.cbr.create_vault(name="someone-elses", size_gb=50)
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    assert session.runner(run, confirm=ok).run().status == "succeeded"
    vaults = {v.id for v in session.clients.cbr.list_vaults(object_type=None)}
    assert {other.id, unmarked.id} <= vaults


def test_a_failed_delete_job_is_asked_again_on_resume(session, emu):
    emu.add_fault("ecs.delete_servers:first=1:job=fail:reason=locked by a backup")
    before = inventory(session.clients)
    run = start(session, emu.ids[IMAGE_GONE], service="cbr", source_exists=False, cleanup=True)
    first = session.runner(run, confirm=ok).run()
    assert first.status == "failed" and "locked by a backup" in first.error.message
    again = session.runner(session.journal.load(run.run_id), confirm=ok).run()
    assert again.status == "succeeded", again.error
    assert "servers" not in added(before, inventory(session.clients))


def test_a_failed_test_launch_delete_is_asked_again_on_resume(session, emu):
    emu.add_fault("ecs.delete_servers:first=1:job=fail")
    before = inventory(session.clients)
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True, test_launch=True)
    assert session.runner(run, confirm=ok).run().status == "failed"
    assert session.runner(session.journal.load(run.run_id), confirm=ok).run().status == "succeeded"
    assert "servers" not in added(before, inventory(session.clients))


@pytest.mark.parametrize("step_kind", ["delete_temp_server", "test_launch"])
def test_a_delete_whose_job_id_never_reached_the_journal_is_settled_in_seconds(session, emu, step_kind):
    """The process dies between the delete call and the journal write: resume reads the server's
    state (being deleted, then gone) instead of waiting for an ECS that never appears."""
    original = session.clients.ecs.delete_servers
    seen = {}

    def delete_then_die(server_ids, **kw):
        seen.setdefault("job", original(server_ids, **kw))
        raise Crash()

    answers = {"cleanup": True} if step_kind == "delete_temp_server" else {"test_launch": True}
    image = IMAGE_GONE if step_kind == "delete_temp_server" else "image_old_csbs_server_exists"
    before = inventory(session.clients)
    run = start(session, emu.ids[image], service="cbr", source_exists=step_kind == "test_launch", **answers)
    session.clients.ecs.delete_servers = delete_then_die
    with pytest.raises(Crash):
        session.runner(run, confirm=ok).run()
    session.clients.ecs.delete_servers = original
    loaded = session.journal.load(run.run_id)
    assert loaded.plan.step(step_kind).state.get("delete_sent")
    started = emu.clock.now()
    result = session.runner(loaded, confirm=ok).run()
    assert result.status == "succeeded", result.error
    assert emu.clock.now() - started < 120  # settled from the server's state, not a 45-minute timeout
    assert "servers" not in added(before, inventory(session.clients))


def test_an_image_job_is_asked_again_only_without_an_image_from_the_backup(session, emu):
    emu.add_fault("ims.create_whole_image:first=1:job=fail:reason=snapshot failed")
    before = inventory(session.clients)
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    assert session.runner(run, confirm=ok).run().status == "failed"
    result = session.runner(session.journal.load(run.run_id), confirm=ok).run()
    assert result.status == "succeeded", result.error
    assert len(added(before, inventory(session.clients))["images"]) == 1


def test_a_second_runner_of_a_held_run_is_refused_with_the_holder(session, emu):
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    with RunLock(session.journal, run.run_id) as lock:
        assert lock.holder() == os.getpid()
        with pytest.raises(RunLocked) as info:
            session.runner(session.journal.load(run.run_id), confirm=ok).run()
        assert f"pid {os.getpid()}" in str(info.value) and info.value.exit_code == 2
    assert RunLock(session.journal, run.run_id).holder() is None
    assert session.runner(session.journal.load(run.run_id), confirm=ok).run().status == "succeeded"


def test_the_lock_of_a_dead_process_is_taken_over(session, emu, tmp_path):
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    holder = textwrap.dedent(
        f"""
        import os, sys
        from wizard.journal import Journal
        from wizard.ownership import RunLock
        held = RunLock(Journal({str(session.journal.directory)!r}), {run.run_id!r}).acquire()
        print("held", flush=True)
        sys.stdin.read()
        """
    )
    child = subprocess.Popen([sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        assert RunLock(session.journal, run.run_id).holder() == child.pid
        with pytest.raises(RunLocked, match=f"pid {child.pid}"):
            RunLock(session.journal, run.run_id).acquire()
    finally:
        child.kill()
        child.wait()
    with RunLock(session.journal, run.run_id) as lock:  # the kernel released the dead holder's lock
        assert lock.held
