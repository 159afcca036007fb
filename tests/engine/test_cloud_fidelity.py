"""The engine against the cloud's documented behaviour where the first client read it wrongly
(reference cloud-api.md §10): each test names the document it follows."""

from tests.engine.helpers import added, inventory, repair, start
from tests.frozen import BOTH_CLOUDS
from wizard.diagnose import diagnose
from wizard.sim import DEMO
from wizard.sim import durations as D


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


# -- statuses the first emulator never produced (issue 11 item 6) ------------------------------------


@BOTH_CLOUDS
def test_a_backup_queued_first_is_waited_for(session, emu):
    """Both services queue a backup first: CBR ``waiting_protect`` and its task ``waiting``
    (opentelekomcloud-docs/cloud-backup-recovery api-ref/source/cbr_apis/backups/querying_a_specified_backup.rst,
    cbr_apis/tasks/querying_the_task_list.rst), CSBS ``waiting_protect`` (cloud-server-backup-service
    api-ref/source/api_description/backup_management/querying_a_single_backup.rst)."""
    for service in ("cbr", "csbs"):
        events = []
        run = start(session, emu.ids["image_old_csbs_server_exists"], service=service, source_exists=True)
        run = session.runner(run, confirm=lambda step: True, on_event=events.append).run()
        assert run.status == "succeeded", run.error
        progress = [e.message for e in events if e.step == f"{service}_backup" and e.event == "progress"]
        assert progress[1] == "backup waiting to start" and "backup protecting" in progress


def test_a_killed_image_fails_the_step_at_once_with_the_clouds_reason(session, emu):
    """IMS ``killed``: "an error occurs on the image uploading" (opentelekomcloud-docs/image-management-service
    api-ref/source/ims_apis/image/querying_images.rst). The step fails when IMS says so, not at its 2-hour
    timeout, with the job's reason; the killed image (it carries the run's mark) is swept; resuming works."""
    emu.add_fault("ims.create_whole_image:first=1:lost:job=fail:reason=disk snapshot failed")
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    run = session.runner(run, confirm=lambda step: True).run()
    assert run.status == "failed"
    step = run.plan.step("create_image")
    # the lost answer was reconciled by the run's mark: the image is known, its job is not
    assert step.error.message.startswith("IMS could not make the new image ")
    assert "its status is 'killed' (an error occurred while it was made)" in step.error.message
    assert step.ended_at - step.started_at < D.IMS_WHOLE_IMAGE + 120
    emu.clock.advance(D.IMAGE_DELETE)
    assert [i.status for i in session.clients.ims.find_images_by_tag("ecs-wizard-run", run.run_id)] == []
    run = session.runner(session.journal.load(run.run_id), confirm=lambda step: True).run()
    assert run.status == "succeeded", run.error


def test_a_failed_image_job_names_the_clouds_reason(session, emu):
    emu.add_fault("ims.create_whole_image:first=1:job=fail:reason=disk snapshot failed")
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    run = session.runner(run, confirm=lambda step: True).run()
    assert run.status == "failed" and "disk snapshot failed" in run.plan.step("create_image").error.message
    emu.clock.advance(D.IMAGE_DELETE)
    assert session.clients.ims.find_images_by_tag("ecs-wizard-run", run.run_id) == []  # the killed image swept


@BOTH_CLOUDS
def test_an_images_backup_being_deleted_is_missing(session, emu):
    """CBR ``waiting_delete``/``deleting`` and CSBS ``deleting``/``deleted`` (the backup documents above):
    a backup on its way out is as good as gone, so the image's verdict is backup-missing, with the
    status as evidence."""
    emu.state.backup_delete_seconds = 600.0
    cases = (
        ("image_cbr", "backup_cbr", "CBR"),
        ("image_old_csbs_server_exists", "backup_old_csbs_server_exists", "CSBS"),
    )
    for _image, backup, service in cases:
        store = emu.state.cbr_backups if service == "CBR" else emu.state.csbs_backups
        emu.state.delete_backup(store[emu.ids[backup]])
    seen = {"CBR": [], "CSBS": []}
    for _ in range(2):
        for image, _backup, service in cases:
            d = diagnose(session.clients, emu.ids[image])
            assert d.verdict == "backup-missing"
            seen[service].append(next(e.value for e in d.evidence if e.field == f"{service} backup"))
        emu.clock.advance(300.0)
    assert seen == {"CBR": ["waiting_delete", "deleting"], "CSBS": ["deleting", "deleted"]}


def test_a_new_backup_deleted_before_its_image_fails_the_step_at_once(session, emu):
    emu.state.backup_delete_seconds = 600.0
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    step = run.plan.step("cbr_backup")

    def delete_it(event):
        backup_id = step.state.get("backup_id")
        if event.step == "cbr_backup" and event.event == "progress" and backup_id:
            emu.state.delete_backup(emu.state.cbr_backups[backup_id])

    run = session.runner(run, confirm=lambda s: True, on_event=delete_it).run()
    assert run.status == "failed"
    assert "is being deleted (status waiting_delete)" in step.error.message
    assert "backup_id" not in step.state  # a resumed run makes a new one


def test_an_ecs_that_answers_404_while_being_created_is_waited_for(session, emu):
    """ "If the system returns a 404 error, the ECS is being created, or creating the ECS failed"
    (opentelekomcloud-docs/elastic-cloud-server api-ref/source/apis_recommended/lifecycle_management/
    creating_ecss.rst): a new ECS adopted by the run's mark (its create's answer was lost) answers 404 at
    first; that is no failure."""
    emu.add_fault("ecs.create_server:first=1:lost")
    events = []
    run = start(session, emu.ids["image_old_csbs_server_deleted"], service="cbr", source_exists=False)
    run = session.runner(run, confirm=lambda step: True, on_event=events.append).run()
    assert run.status == "succeeded", run.error
    server_id = run.plan.step("create_temp_server").outputs["server_id"]
    gets = [r[-1] for r in emu.request_log if r[0] == "GET" and r[1].endswith(f"/cloudservers/{server_id}")]
    assert gets[0] == 404 and 200 in gets
    messages = [e.message for e in events if e.step == "create_temp_server" and e.event == "progress"]
    assert "ECS being created (ECS answers 404 for it so far)" in messages


def test_a_restore_point_in_error_fails_the_backup_step_before_its_backup_is_listed(session, emu):
    """While the new backup is not listed, the step asks its restore point (``GET /v3/{project_id}/
    checkpoints/{id}``, opentelekomcloud-docs/cloud-backup-recovery api-ref/source/cbr_apis/restore_points/
    querying_a_restore_point.rst) and stops once that is in error, instead of waiting for a listing."""
    emu.add_fault("cbr.create_checkpoint:first=1:visible_after=3600:backup=error:reason=snapshot failed")
    emu.add_fault("cbr.list_tasks:status=403:code=BackupService.0403")
    events = []
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    run = session.runner(run, confirm=lambda step: True, on_event=events.append).run()
    assert run.status == "failed"
    step = run.plan.step("cbr_backup")
    assert step.error.message.endswith("is 'error': no backup will come of it.")
    assert step.ended_at - step.started_at < D.CBR_BACKUP + 60  # not the hour the listing takes
    progress = [e.message for e in events if e.step == "cbr_backup" and e.event == "progress"]
    assert "restore point protecting: waiting for the backup to appear" in progress


def test_a_region_that_makes_images_only_from_cbr_backups_sends_the_csbs_path_to_cbr(session, emu):
    """IMG.0190 "Full-ECS images can be created only from CBR backups." (opentelekomcloud-docs/
    image-management-service api-ref/source/error_codes.rst) comes after the CSBS backup was made: the step
    says so, advises the CBR path and names the backup that is now billed; the CBR path then works."""
    emu.state.cbr_only_images = True  # the scenario parameter cbr_only
    image = emu.ids["image_old_csbs_server_exists"]
    run = session.runner(start(session, image, service="csbs", source_exists=True), confirm=lambda s: True).run()
    assert run.status == "failed"
    step = run.plan.step("create_image")
    backup_id = run.plan.step("csbs_backup").outputs["backup_id"]
    assert step.error.code == "IMG.0190"
    assert step.error.message == (
        "This region makes full-ECS images only from CBR backups (IMS IMG.0190: Full-ECS images can be created only "
        f"from CBR backups.), so the CSBS backup {backup_id} this run made cannot become one."
    )
    assert step.error.remedy.sentence == (
        f"This region makes full-ECS images only from CBR backups; use the CBR path instead (ecs-wizard run {image} "
        f"--service cbr); the CSBS backup {backup_id} this run made is billed as storage while it is kept: keep it, "
        "or delete it in the CSBS console."
    )
    assert session.clients.csbs.get_checkpoint_item(backup_id).status == "available"  # kept: the user decides
    run = session.runner(start(session, image, service="cbr", source_exists=True), confirm=lambda s: True).run()
    assert run.status == "succeeded", run.error


def test_a_cbr_backup_without_lazy_loading_is_affected_and_its_stopped_source_is_backed_up_again(session, emu):
    """``extend_info.support_lld`` is a documented Boolean of a CBR backup (opentelekomcloud-docs/
    cloud-backup-recovery api-ref/source/cbr_apis/backups/querying_a_specified_backup.rst) and CSBS backups
    taken over by CBR may lack lazy loading: false is affected, with the evidence shown as for CSBS. A
    stopped (SHUTOFF) ECS is a valid backup source (opentelekomcloud-docs/elastic-cloud-server ECS statuses)."""
    image = emu.ids["image_old_cbr"]
    diagnosis = diagnose(session.clients, image)
    assert diagnosis.verdict == "affected" and diagnosis.backup_service == "cbr"
    assert "CBR backup that does not support lazy loading" in diagnosis.summary
    lld = next(e for e in diagnosis.evidence if e.field == "extend_info.support_lld")
    assert (lld.value, lld.source) == ("false", f"CBR GET backups/{emu.ids['backup_old_cbr']}")
    assert diagnosis.source_server.exists and diagnosis.source_server.status == "SHUTOFF"
    before = inventory(session.clients)
    run = repair(session, image, service="cbr", source_exists=True)
    assert run.status == "succeeded", run.error
    diff = added(before, inventory(session.clients))
    assert set(diff) == {"images", "cbr_backups"}  # the server's vault is used again: nothing billable beyond
    [backup_id] = diff["cbr_backups"]
    assert session.clients.cbr.get_backup(backup_id).resource_id == emu.ids["server_stopped"]
    assert diagnose(session.clients, run.new_image_id).verdict == "not-affected-cbr"


@BOTH_CLOUDS
def test_an_image_is_made_from_a_cbr_backup_whose_restore_mode_is_backup(session, emu):
    """``extend_info.supported_restore_mode`` is ``na`` by default; the document's example of an available
    server backup says ``backup`` (data restored from the disks' backups), not ``snapshot``
    (opentelekomcloud-docs/cloud-backup-recovery api-ref/source/cbr_apis/backups/querying_a_specified_backup.rst).
    A full-ECS image is made from such a backup: the wizard waits for ``available``, never for ``snapshot``."""
    before = inventory(session.clients)
    run = repair(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    assert run.status == "succeeded", run.error
    [backup_id] = added(before, inventory(session.clients))["cbr_backups"]
    backup = session.clients.cbr.get_backup(backup_id)
    assert (backup.status, backup.extend_info["supported_restore_mode"]) == ("available", "backup")
    image = session.clients.ims.get_image(run.new_image_id)
    assert image.backup_id == backup_id and image.status == "active"
