"""The engine against the cloud's documented behaviour where the first client read it wrongly
(reference cloud-api.md §10): each test names the document it follows."""

from tests.engine.helpers import added, inventory, start
from tests.frozen import BOTH_CLOUDS
from wizard.sim import DEMO


def _ims_job_polls(emu, job_id):
    documented = [r for r in emu.request_log if r[1] == f"/v1/{DEMO.project_id}/jobs/{job_id}"]
    progress = [r for r in emu.request_log if r[1] == f"/v1/cloudimages/job/{job_id}"]
    return documented, progress


@BOTH_CLOUDS
def test_the_image_job_is_polled_on_the_documented_path_and_the_percentage_read_where_it_answers(session, emu):
    """``GET /v1/{project_id}/jobs/{job_id}`` is the documented IMS job query (opentelekomcloud-docs/
    image-management-service api-ref/source/ims_apis/image_jobs/querying_the_status_of_an_asynchronous_job.rst),
    the one Terraform polls (huaweicloud/terraform-provider-huaweicloud resource_huaweicloud_ims_cbr_whole_image.go).
    ``GET /v1/cloudimages/job/{job_id}`` (the Huawei Cloud SDK's show_job_progress) only adds the percentage:
    on Huawei Cloud it is read at every poll; on OTC, whose reference lacks it, it answers 404 once and is
    not asked again."""
    events = []
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    run = session.runner(run, confirm=lambda step: True, on_event=events.append).run()
    assert run.status == "succeeded", run.error
    step = run.plan.step("create_image")
    documented, progress = _ims_job_polls(emu, step.state["job_id"])
    assert len(documented) > 2 and all(status == 200 for *_, status in documented)
    percentages = [e.progress for e in events if e.step == "create_image" and e.event == "progress"]
    if emu.profile.job_progress_path:
        assert len(progress) == len(documented) - 1  # the last poll says SUCCESS: no percentage needed
        assert all(status == 200 for *_, status in progress)
        assert any(p is not None and 0 < p < 100 for p in percentages)
        return
    assert [status for *_, status in progress] == [404]
    assert step.state["progress_path"] == "absent"
    notes = [e.message for e in events if e.step == "create_image" and e.event == "message"]
    assert any("percentage" in n and "APIGW.0101" in n for n in notes)
    assert not any(p is not None and 0 < p < 100 for p in percentages)


def _notes(events, step):
    return [e.message for e in events if e.step == step and e.event == "message"]


@BOTH_CLOUDS
def test_a_cbr_backup_already_running_is_waited_for_not_reported_as_a_lost_answer(session, emu):
    """CBR answers 500 ``BackupService.0002`` "Resources are being backed up." while a backup of the
    server runs (opentelekomcloud-docs/cloud-backup-recovery api-ref/source/appendix/error_codes.rst):
    nothing was made, so the step says so, waits for that backup and then starts its own; no lost answer,
    no reconcile window, one backup of its own."""
    cbr, server = session.clients.cbr, emu.ids["server_exists"]
    vault = cbr.create_vault(name="vault-nightly", size_gb=400, server_ids=[server])
    cbr.create_checkpoint(vault_id=vault.id, server_id=server, name="nightly")  # someone else's, still running
    before = inventory(session.clients)
    events = []
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    run = session.runner(run, confirm=lambda step: True, on_event=events.append).run()
    assert run.status == "succeeded", run.error
    notes = _notes(events, "cbr_backup")
    assert notes[0] == (
        "A backup of this server is already running (CBR BackupService.0002: Resources are being backed up.): "
        "waiting for it to finish, then this run's backup starts."
    )
    assert not any("lost" in n or "looking for" in n for n in notes)
    progress = [e.message for e in events if e.step == "cbr_backup" and e.event == "progress"]
    assert progress[0].startswith("a backup of this server is already running: waiting for it")
    backup_name = run.plan.step("cbr_backup").inputs["backup_name"]
    assert {b.name for b in cbr.list_backups(vault_id=vault.id)} == {"nightly", backup_name}
    assert set(added(before, inventory(session.clients))) == {"cbr_backups", "images"}  # the vault holding it is used
    assert "busy_since" not in run.plan.step("cbr_backup").state


@BOTH_CLOUDS
def test_a_csbs_backup_already_running_is_waited_for(session, emu):
    """CSBS answers 500 ``CSBS.1001`` "The policy is executing backup." while a manual backup of the
    server runs (opentelekomcloud-docs/cloud-server-backup-service api-ref/source/appendixes/error_codes.rst)."""
    server = emu.ids["server_exists"]
    session.clients.csbs.protect(server, backup_name="by-hand", description="", incremental=False)
    events = []
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="csbs", source_exists=True)
    run = session.runner(run, confirm=lambda step: True, on_event=events.append).run()
    assert run.status == "succeeded", run.error
    notes = _notes(events, "csbs_backup")
    assert notes[0].startswith("A backup of this server is already running (CSBS CSBS.1001: The policy is executing")
    assert not any("lost" in n for n in notes)


def test_the_backup_running_may_be_the_runs_own_whose_answer_was_lost(session, emu):
    """``wizard.ownership``'s reconcile window: a create whose answer is lost is looked for, then sent
    again. When it landed late and is not listed yet, CBR refuses the second (0002): the step looks for
    its own backup while it waits, and follows it once listed instead of making a second one."""
    emu.add_fault("cbr.create_checkpoint:first=1:late=60:visible_after=200")
    events = []
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    run = session.runner(run, confirm=lambda step: True, on_event=events.append).run()
    assert run.status == "succeeded", run.error
    notes = _notes(events, "cbr_backup")
    assert any(n.startswith("A backup of this server is already running (CBR BackupService.0002") for n in notes)
    progress = [e.message for e in events if e.step == "cbr_backup" and e.event == "progress"]
    assert "the backup already running is this run's own: following it" in progress
    [backup] = session.clients.cbr.list_backups(resource_id=emu.ids["server_exists"])  # one backup, the first
    assert backup.id == run.plan.step("cbr_backup").state["backup_id"]
    assert session.clients.ims.get_image(run.new_image_id).backup_id == backup.id


def test_a_backup_that_stays_running_stops_the_step_with_that_reason(session, emu):
    """Waiting has a bound (steps.BACKUP_RUNNING_WAIT); then the step fails with the cloud's reason,
    never with a lost answer, and the run can be resumed."""
    emu.add_fault("cbr.create_checkpoint:status=500:code=BackupService.0002:message=Resources are being backed up.")
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    run = session.runner(run, confirm=lambda step: True).run()
    assert run.status == "failed"
    step = run.plan.step("cbr_backup")
    assert step.error.message.startswith("A backup of this server is already running, and it has not finished in")
    assert "BackupService.0002" in step.error.message
    assert step.error.remedy.sentence == (
        f"Wait until the backup already running has finished, then resume the run (ecs-wizard resume {run.run_id})."
    )
    assert "sent" not in step.state
