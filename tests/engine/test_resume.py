"""A crash at any point, then resume: no duplicate vault, backup, image or server, same end state.
A lost create answer is reconciled by name. Failed jobs and backups end the run with the cloud's
reason."""

import pytest

from tests.engine.helpers import added, inventory, start
from wizard.sim import FaultRule


class Crash(Exception):
    """Stands for the process dying: nothing after this point runs."""


def crash_at(kind, step_name, nth=1):
    seen = {"n": 0}

    def on_event(event):
        if event.event == kind and event.step == step_name:
            seen["n"] += 1
            if seen["n"] == nth:
                raise Crash()

    return on_event


PATHS = [
    ("image_old_csbs_server_exists", "cbr", True),
    ("image_old_csbs_server_deleted", "cbr", False),
    ("image_old_csbs_server_exists", "csbs", True),
    ("image_old_csbs_server_deleted", "csbs", False),
]


def crash_points(service, source_exists):
    steps = (
        (["create_temp_server"] if not source_exists else [])
        + (["ensure_vault", "cbr_backup"] if service == "cbr" else ["csbs_backup", "check_new_format"])
        + ["create_image", "verify_image"]
    )
    if not source_exists:
        steps.append("delete_temp_server")
    points = []
    for step in steps:
        points += [(step, "step-started"), (step, "progress"), (step, "step-succeeded")]
    return points


@pytest.mark.parametrize("image_key, service, source_exists", PATHS)
def test_crash_after_each_point_then_resume_creates_nothing_twice(session, emu, image_key, service, source_exists):
    for step, kind in crash_points(service, source_exists):
        before = inventory(session.clients)
        run = start(session, emu.ids[image_key], service=service, source_exists=source_exists, cleanup=True)
        try:
            session.runner(run, confirm=lambda s: True, on_event=crash_at(kind, step)).run()
            crashed = False
        except Crash:
            crashed = True
        loaded = session.journal.load(run.run_id)  # what a new process would read
        result = session.runner(loaded, confirm=lambda s: True).run()
        assert result.status == "succeeded", (step, kind, result.error)
        diff = added(before, inventory(session.clients))
        counts = {k: len(v) for k, v in diff.items()}
        assert all(n == 1 for n in counts.values()), (step, kind, counts)
        # the same end state every time (a vault, once made, is reused: a server sits in one vault only)
        assert counts.get("images") == 1 and counts.get(f"{service}_backups") == 1, (step, kind, counts)
        if not source_exists:
            assert "servers" not in counts  # the temporary ECS was cleaned up
        assert crashed or kind == "progress"  # a step with nothing to wait on emits no progress


def test_lost_create_answer_is_reconciled_in_the_same_run(session, emu):
    emu.add_fault(FaultRule.parse("ims.create_whole_image:first=1:lost"))
    before = inventory(session.clients)
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    result = session.runner(run, confirm=lambda s: True).run()
    assert result.status == "succeeded", result.error
    assert len(added(before, inventory(session.clients))["images"]) == 1
    assert any("lost" in e.get("message", "") for e in result.events)


@pytest.mark.parametrize(
    "fault, step_name",
    [
        ("ecs.create_server:first=1:lost", "create_temp_server"),
        ("cbr.create_vault:first=1:lost", "ensure_vault"),
        ("cbr.create_checkpoint:first=1:lost", "cbr_backup"),
    ],
)
def test_lost_answers_of_every_create_are_reconciled(session, emu, fault, step_name):
    emu.add_fault(FaultRule.parse(fault))
    before = inventory(session.clients)
    run = start(session, emu.ids["image_old_csbs_server_deleted"], service="cbr", source_exists=False, cleanup=False)
    result = session.runner(run, confirm=lambda s: True).run()
    assert result.status == "succeeded", result.error
    counts = {k: len(v) for k, v in added(before, inventory(session.clients)).items()}
    assert counts == {"images": 1, "vaults": 1, "cbr_backups": 1, "servers": 1}


def test_lost_answer_then_crash_is_reconciled_on_resume(session, emu, monkeypatch):
    from wizard import steps

    emu.add_fault(FaultRule.parse("ims.create_whole_image:first=1:lost"))
    original = steps.CreateImage.reconcile

    def crash_instead(self, ctx, step):
        raise Crash()

    monkeypatch.setattr(steps.CreateImage, "reconcile", crash_instead)
    before = inventory(session.clients)
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="csbs", source_exists=True)
    with pytest.raises(Crash):
        session.runner(run, confirm=lambda s: True).run()
    loaded = session.journal.load(run.run_id)
    assert loaded.plan.step("create_image").state.get("sent")  # the journal knows a create went out
    monkeypatch.setattr(steps.CreateImage, "reconcile", original)
    result = session.runner(loaded, confirm=lambda s: True).run()
    assert result.status == "succeeded", result.error
    assert len(added(before, inventory(session.clients))["images"]) == 1


def test_image_job_that_fails_ends_the_run_with_the_cloud_reason_and_resumes(session, emu):
    emu.add_fault(FaultRule.parse("ims.create_whole_image:first=1:job=fail:reason=disk snapshot failed"))
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    result = session.runner(run, confirm=lambda s: True).run()
    assert result.status == "failed" and result.resumable
    assert "disk snapshot failed" in result.error.message
    again = session.runner(session.journal.load(run.run_id), confirm=lambda s: True).run()
    assert again.status == "succeeded"


def test_backup_that_ends_in_error_fails_the_run_with_its_reason(session, emu):
    emu.add_fault(FaultRule.parse("cbr.create_checkpoint:first=1:backup=error:reason=volume snapshot timed out"))
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    result = session.runner(run, confirm=lambda s: True).run()
    assert result.status == "failed"
    assert "volume snapshot timed out" in result.error.message
    assert result.plan.step("cbr_backup").status == "failed"


def test_permanent_cloud_error_carries_code_request_id_and_remedy(session, emu):
    emu.add_fault(FaultRule.parse("ims.create_whole_image:first=1:status=400:code=IMG.0015:message=quota exceeded"))
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    result = session.runner(run, confirm=lambda s: True).run()
    assert result.status == "failed"
    assert result.error.code == "IMG.0015" and result.error.request_id
    assert "quota" in result.error.remedy.sentence


def test_transient_errors_are_retried_within_the_step(session, emu):
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    # more 503s in a row than one call's retries absorb: the step itself tries again
    emu.add_fault(FaultRule.parse("cbr.get_backup:first=6:status=503"))
    result = session.runner(run, confirm=lambda s: True).run()
    assert result.status == "succeeded", result.error


def test_a_cloud_that_does_not_answer_is_tried_again_within_the_step(session, emu):
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    # more unanswered reads in a row than one call's retries absorb: the step tries again, as for a 503
    emu.add_fault(FaultRule.parse("cbr.get_backup:first=6:lost"))
    session.clients.cbr.http.sleep = emu.clock.advance  # the client's backoff on the virtual clock
    messages: list[str] = []
    result = session.runner(
        run, confirm=lambda s: True, on_event=lambda e: messages.append(e.message) if e.event == "message" else None
    ).run()
    assert result.status == "succeeded", result.error
    assert any(m.endswith("; retrying (attempt 2 of 3)") and "did not answer" in m for m in messages)


def test_a_cloud_that_never_answers_fails_the_step_after_its_attempts(session, emu):
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    emu.add_fault(FaultRule.parse("cbr.get_backup:lost"))
    session.clients.cbr.http.sleep = emu.clock.advance
    result = session.runner(run, confirm=lambda s: True).run()
    step = result.plan.step("cbr_backup")
    assert result.status == "failed" and result.resumable and step.attempts == step.max_attempts
    assert "did not answer" in step.error.message and "Check the network" in step.error.remedy.sentence


def test_cancel_leaves_a_resumable_run(session, emu):
    flag = {"cancel": False}

    def on_event(event):
        if event.event == "progress" and event.step == "cbr_backup":
            flag["cancel"] = True

    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    result = session.runner(run, confirm=lambda s: True, on_event=on_event, should_cancel=lambda: flag["cancel"]).run()
    assert result.status == "cancelled" and result.resumable
    assert result.plan.step("cbr_backup").state.get("checkpoint_id")
    again = session.runner(session.journal.load(run.run_id), confirm=lambda s: True).run()
    assert again.status == "succeeded"


def _cbr_backup_events(session, run) -> tuple[list[float | None], list[str]]:
    """Run to the end; the cbr_backup step's progress percentages and messages."""
    progress: list[float | None] = []
    messages: list[str] = []

    def on_event(event):
        if event.step == "cbr_backup" and event.event == "progress":
            progress.append(event.progress)
        elif event.step == "cbr_backup" and event.event == "message":
            messages.append(event.message)

    result = session.runner(run, confirm=lambda s: True, on_event=on_event).run()
    assert result.status == "succeeded", result.error
    return progress, messages


def test_cbr_backup_progress_comes_from_its_task(session, emu):
    """CBR puts no percentage on a backup; the step reads it from the backup's task (operation log)."""
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    percentages = [p for p in _cbr_backup_events(session, run)[0] if p is not None]
    assert len(percentages) >= 3 and percentages == sorted(percentages) and 0 < percentages[1] < 100
    step = session.journal.load(run.run_id).plan.step("cbr_backup")
    task = session.clients.cbr.get_task(step.state["task_id"])
    assert task.status == "success" and task.backup_id == step.outputs["backup_id"] == step.state["backup_id"]


def test_cbr_backup_without_readable_tasks_polls_the_backup_alone(session, emu):
    emu.add_fault(FaultRule.parse("cbr.list_tasks:status=403:code=CBR.0403"))
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    progress, messages = _cbr_backup_events(session, run)
    assert set(progress) <= {None, 100.0}
    step = session.journal.load(run.run_id).plan.step("cbr_backup")
    assert step.state["task_id"] == "" and step.outputs["backup_id"]
    assert any("CBR tasks cannot be read (CBR.0403)" in m for m in messages)
