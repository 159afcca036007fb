"""Abandon (``wizard.abandon``): what a failed or interrupted run made is listed with what it costs,
deleted in dependency order with each deletion journaled, and the run ends ``abandoned``; with
``keep_image`` the new image, its backup and their vault stay; nothing without the run's mark or
journal entry is touched; an interrupted abandon, started again, ends the same way; ``cleanup``
deletes only the ECSs an unfinished run made and leaves it resumable."""

import pytest

from tests.engine.helpers import inventory, start
from wizard import abandon, ownership
from wizard.errors import UsageError
from wizard.ownership import MARK_KEY

IMAGE_GONE = "image_old_csbs_server_deleted"
IMAGE_EXISTS = "image_old_csbs_server_exists"


class Crash(BaseException):
    """The process dies here."""


def ok(step):
    return True


def marked(emu, run):
    """What carries the run's mark now, per kind (the emulator's own count)."""
    return {k: v for k, v in emu.state.tag_counts().get(f"{MARK_KEY}={run.run_id}", {}).items() if v}


def failed_run(session, emu, fault, image=IMAGE_GONE, **answers):
    emu.add_fault(fault)
    answers = {"service": "cbr", "source_exists": image == IMAGE_EXISTS, **answers}
    run = session.runner(start(session, emu.ids[image], **answers), confirm=ok).run()
    assert run.status == "failed", run.status
    return session.journal.load(run.run_id)


def test_a_failed_run_is_listed_with_what_it_costs_in_delete_order(session, emu):
    run = failed_run(session, emu, "ims.create_whole_image:first=1:status=400")
    found = abandon.survey(session.clients, run)
    assert [t.owned.type for t in found.to_delete] == ["cbr backup", "vault", "server"]
    assert found.kept == []
    vault, server = found.to_delete[1], found.to_delete[2]
    assert "capacity (140 GB) is billed" in vault.cost
    assert "flavor s3.xlarge.2" in server.cost
    assert {t.found_by for t in found.to_delete} == {"its mark", "its name in the run's vault"}
    text = "\n".join(found.lines())
    assert text.startswith("To delete (3), in this order:")
    assert f"server ecs-wizard-tmp-{run.run_id[:8]} ({server.owned.id})" in text


def test_abandon_deletes_everything_in_order_journals_each_deletion_and_ends_abandoned(session, emu):
    run = failed_run(session, emu, "ims.create_whole_image:first=1:status=400")
    before = marked(emu, run)
    assert before == {"servers": 1, "vaults": 1, "cbr_backups": 1}
    events = []
    outcome = session.abandoner(run, on_event=events.append).abandon()
    assert outcome.complete
    emu.clock.advance(3600)
    assert marked(emu, run) == {}
    saved = session.journal.load(run.run_id)
    assert saved.status == "abandoned" and not saved.resumable
    assert [(d["type"], d["status"], d["by"]) for d in saved.deletions] == [
        ("cbr backup", "deleted", "abandon"),
        ("vault", "deleted", "abandon"),
        ("server", "deleted", "abandon"),
    ]
    assert saved.deletions[2]["job_id"]  # the server's delete job, journaled before it was waited on
    kinds = [e.event for e in events if e.event != "progress"]
    assert kinds[0] == "abandon-started" and kinds[-1] == "run-finished"
    assert kinds.count("deleting") == kinds.count("deleted") == 3
    assert events[-1].status == "abandoned" and events[-1].data["remaining"] == []
    assert any(e.event == "progress" and "is deleting" in e.message for e in events)  # the server was waited for


def test_each_deletion_is_journaled_before_its_call(session, emu):
    """The intent is on disk when the call goes out: the journal read at that moment names it."""
    run = failed_run(session, emu, "ims.create_whole_image:first=1:status=400")
    seen = []

    def look_at_the_journal(record):
        if record.method == "DELETE" or record.path.endswith("/cloudservers/delete"):
            on_disk = session.journal.load(run.run_id)
            seen.append([(d["type"], d["status"]) for d in on_disk.deletions][-1])

    for client in (session.clients.cbr, session.clients.ecs, session.clients.ims, session.clients.csbs):
        client.http.on_call = look_at_the_journal
    session.abandoner(run).abandon()
    assert seen == [("cbr backup", "deleting"), ("vault", "deleting"), ("server", "deleting")]


def test_keep_image_keeps_exactly_the_image_its_backup_and_its_vault(session, emu):
    # the run fails at its test launch: the new image, its backup and vault exist
    run = failed_run(session, emu, "ecs.create_server:first=1:status=400", image=IMAGE_EXISTS, test_launch=True)
    assert run.new_image_id
    found = abandon.survey(session.clients, run, keep_image=True)
    assert sorted(t.owned.type for t in found.kept) == ["cbr backup", "image", "vault"]
    outcome = session.abandoner(run).abandon(keep_image=True)
    assert outcome.complete
    emu.clock.advance(3600)
    assert marked(emu, run) == {"images": 1, "vaults": 1, "cbr_backups": 1}
    assert session.clients.ims.get_image(run.new_image_id).status == "active"
    saved = session.journal.load(run.run_id)
    assert saved.status == "abandoned"
    assert sorted(d["type"] for d in saved.deletions if d["status"] == "kept") == ["cbr backup", "image", "vault"]


def test_keep_image_without_an_image_says_so_and_deletes_the_rest(session, emu):
    run = failed_run(session, emu, "ims.create_whole_image:first=1:status=400")
    found = abandon.survey(session.clients, run, keep_image=True)
    assert found.kept == [] and "made no image" in found.notes[0]
    session.abandoner(run).abandon(keep_image=True)
    emu.clock.advance(3600)
    assert marked(emu, run) == {}


def test_csbs_path_abandon_deletes_the_image_before_its_backup(session, emu):
    run = failed_run(
        session, emu, "ecs.create_server:first=1:status=400", image=IMAGE_EXISTS, service="csbs", test_launch=True
    )
    assert marked(emu, run) == {"images": 1, "csbs_backups": 1}
    session.abandoner(run).abandon()
    deletes = [(m, p) for m, p, _ in emu.request_log if m == "DELETE"]
    assert [p.split("/")[3] if p.startswith("/v2/images") else "checkpoint" for _, p in deletes] == [
        run.new_image_id,
        "checkpoint",
    ]
    assert all(status < 400 for m, _, status in emu.request_log if m == "DELETE")
    emu.clock.advance(3600)
    assert marked(emu, run) == {}


def test_nothing_without_the_runs_mark_or_journal_entry_is_touched(session, emu):
    """A vault the run reused is not its own; another run's resources carry another mark."""
    other = failed_run(session, emu, "ims.create_whole_image:first=1:status=400")
    run = start(session, emu.ids[IMAGE_GONE], service="cbr", source_exists=False)
    emu.add_fault("ims.create_whole_image:first=1:status=400")
    run = session.runner(run, confirm=ok).run()
    other_before = marked(emu, other)
    before = inventory(session.clients)
    session.abandoner(session.journal.load(run.run_id)).abandon()
    emu.clock.advance(3600)
    after = inventory(session.clients)
    assert marked(emu, other) == other_before  # the other run's server, vault and backup stand
    gone = {k: before[k] - after[k] for k in before if before[k] - after[k]}
    assert gone == {
        "servers": {run.plan.step("create_temp_server").state["server_id"]},
        "vaults": {run.plan.step("ensure_vault").state["vault_id"]},
        "cbr_backups": {run.plan.step("cbr_backup").state["backup_id"]},
    }


def test_a_vault_that_also_holds_backups_the_run_did_not_make_is_kept(session, emu):
    run = failed_run(session, emu, "ims.create_whole_image:first=1:status=400")
    vault_id = run.plan.step("ensure_vault").state["vault_id"]
    server_id = run.plan.step("create_temp_server").state["server_id"]
    session.clients.cbr.create_checkpoint(vault_id=vault_id, server_id=server_id, name="someone-elses-backup")
    emu.clock.advance(3600)
    found = abandon.survey(session.clients, run)
    [vault] = [t for t in found.targets if t.owned.type == "vault"]
    assert vault.kept.startswith("it also holds backups this run did not make")
    session.abandoner(run).abandon()
    assert session.clients.cbr.get_vault(vault_id).id == vault_id
    assert [b.name for b in session.clients.cbr.list_backups(vault_id=vault_id)] == ["someone-elses-backup"]


def test_a_resource_only_the_journal_names_is_deleted(session, emu, monkeypatch):
    """A journal from before the mark (or a tag filter that missed): found by its journaled id."""
    run = failed_run(session, emu, "ims.create_whole_image:first=1:status=400")
    monkeypatch.setattr(ownership, "marked_servers", lambda clients, run_id, name=None: [])
    [server] = [t for t in abandon.survey(session.clients, run).to_delete if t.owned.type == "server"]
    assert server.found_by == "the run's journal"
    session.abandoner(run).abandon()
    monkeypatch.undo()
    emu.clock.advance(3600)
    assert marked(emu, run) == {}


def test_a_failed_server_delete_job_is_asked_again(session, emu):
    run = failed_run(session, emu, "ims.create_whole_image:first=1:status=400")
    emu.add_fault("ecs.delete_servers:first=1:job=fail")
    outcome = session.abandoner(run).abandon()
    assert outcome.complete
    assert sum(1 for m, p, _ in emu.request_log if p.endswith("/cloudservers/delete")) == 2
    emu.clock.advance(3600)
    assert marked(emu, run) == {}


def test_a_deletion_the_cloud_refuses_leaves_the_run_abandoning_and_a_second_abandon_finishes(session, emu):
    run = failed_run(session, emu, "ims.create_whole_image:first=1:status=400")
    emu.add_fault("cbr.delete_vault:first=1:status=400:code=BackupService.0001:message=busy")
    outcome = session.abandoner(run).abandon()
    assert not outcome.complete
    [left] = outcome.remaining
    assert left["type"] == "vault" and "busy" in left["reason"]
    saved = session.journal.load(run.run_id)
    assert saved.status == "abandoning" and not saved.resumable
    assert session.abandoner(saved).abandon().complete
    emu.clock.advance(3600)
    assert marked(emu, run) == {}
    assert session.journal.load(run.run_id).status == "abandoned"


@pytest.mark.parametrize("nth", [1, 2, 3])
def test_an_abandon_interrupted_at_each_deletion_then_started_again_ends_the_same(session, emu, nth):
    run = failed_run(session, emu, "ims.create_whole_image:first=1:status=400")
    calls = {"n": 0}

    def die_after_the_nth_delete(record):
        if record.method == "DELETE" or record.path.endswith("/cloudservers/delete"):
            calls["n"] += 1
            if calls["n"] == nth:
                raise Crash()

    for client in (session.clients.cbr, session.clients.ecs):
        client.http.on_call = die_after_the_nth_delete
    with pytest.raises(Crash):
        session.abandoner(run).abandon()
    interrupted = session.journal.load(run.run_id)
    assert interrupted.status == "abandoning"
    assert interrupted.deletions[-1]["status"] == "deleting"  # the intent reached the journal
    outcome = session.abandoner(interrupted).abandon()
    assert outcome.complete
    emu.clock.advance(3600)
    assert marked(emu, run) == {}
    assert {d["status"] for d in session.journal.load(run.run_id).deletions} == {"deleted"}


def test_a_create_whose_answer_was_lost_is_waited_for_and_deleted_too(session, emu):
    """Abandoned while a create's answer is lost: the create lands later, inside its window; the
    abandon waits the window out and deletes what landed."""
    emu.add_fault("ims.create_whole_image:first=1:late=45")
    run = start(session, emu.ids[IMAGE_GONE], service="cbr", source_exists=False)
    stop = {"after": False}

    def stop_after_the_lost_answer(event):
        stop["after"] |= event.event == "message" and "was lost" in event.message

    session.runner(run, confirm=ok, on_event=stop_after_the_lost_answer, should_cancel=lambda: stop["after"]).run()
    run = session.journal.load(run.run_id)
    assert "sent" in run.plan.step("create_image").state  # cancelled while the image may still land
    session.abandoner(run).abandon()
    emu.clock.advance(3600)
    assert marked(emu, run) == {}


def test_a_run_that_succeeded_cannot_be_abandoned(session, emu):
    run = session.runner(start(session, emu.ids[IMAGE_EXISTS], service="cbr", source_exists=True), confirm=ok).run()
    with pytest.raises(UsageError, match="succeeded: its new image is the result"):
        abandon.check_abandonable(run)


def test_cleanup_of_an_unfinished_run_deletes_only_its_ecs_and_a_resume_makes_a_new_one(session, emu):
    run = failed_run(session, emu, "cbr.create_checkpoint:first=1:status=400")
    temp_id = run.plan.step("create_temp_server").state["server_id"]
    outcome = session.abandoner(run).cleanup()
    assert outcome.complete and [d["id"] for d in outcome.deleted] == [temp_id]
    saved = session.journal.load(run.run_id)
    assert saved.status == "failed" and saved.resumable
    assert marked(emu, saved) == {"vaults": 1}
    assert saved.plan.step("create_temp_server").status == "pending"  # the backup still needs an ECS
    result = session.runner(saved, confirm=ok).run()
    assert result.status == "succeeded", result.error
    assert result.plan.step("create_temp_server").state["server_id"] != temp_id


def test_cleanup_after_the_backup_keeps_the_run_going_without_a_new_ecs(session, emu):
    run = failed_run(session, emu, "ims.create_whole_image:first=1:status=400")
    session.abandoner(run).cleanup()
    saved = session.journal.load(run.run_id)
    assert saved.plan.step("create_temp_server").status == "succeeded"  # the backup exists: no new ECS needed
    result = session.runner(saved, confirm=ok).run()
    assert result.status == "succeeded", result.error
    assert marked(emu, result) == {"images": 1, "vaults": 1, "cbr_backups": 1}
