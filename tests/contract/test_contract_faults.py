"""Every kind of emulator fault, seen through our client over loopback: throttling with
Retry-After, 5xx on reads, 5xx and lost answers on creates (AnswerLost, while the resource may
exist), lost answers on reads and on repeatable POSTs, added latency, probabilistic faults, jobs
that end in FAIL and backups that end in error."""

from __future__ import annotations

import time

import pytest

from tests.contract.helpers import job_progress, new_cbr_backup, new_csbs_backup, public_spec, raises_cloud_error
from wizard.cloud import AnswerLost, CloudError, CloudUnreachable
from wizard.cloud.http import RetryPolicy
from wizard.sim import DEMO
from wizard.sim import durations as D

PID = DEMO.project_id
POLICY = RetryPolicy()


def statuses(cloud, method, path):
    return [status for m, p, status in cloud.emu.request_log if m == method and p == path]


# ---- throttling --------------------------------------------------------------------------------
def test_429_with_retry_after_is_retried_after_exactly_that_long(cloud):
    cloud.emu.add_fault("ims.list_images:first=2:status=429:code=APIGW.0308:message=throttled:retry_after=3")
    images = cloud.clients.ims.list_images_page(__imagetype="private")
    assert len(images) == 7
    assert statuses(cloud, "GET", "/v2/cloudimages") == [429, 429, 200]
    assert cloud.sleeps == [3.0, 3.0]
    assert (cloud.clients.calls[-1].status, cloud.clients.calls[-1].attempts) == (200, 3)


def test_a_long_retry_after_is_capped(cloud):
    cloud.emu.add_fault("cbr.get_vault:first=1:status=429:retry_after=3600")
    assert cloud.clients.cbr.get_vault(cloud.ids["vault_id"]).name == "vault-erp-db"
    assert cloud.sleeps == [POLICY.max_retry_after]


def test_429_without_retry_after_backs_off_with_bounded_jitter(cloud):
    cloud.emu.add_fault("ecs.list_flavors:first=3:status=429")
    assert len(cloud.clients.ecs.list_flavors()) == 3
    assert len(cloud.sleeps) == 3
    for attempt, slept in enumerate(cloud.sleeps, start=1):
        assert 0 <= slept <= min(POLICY.max_delay, POLICY.base_delay * 2 ** (attempt - 1))


def test_429_on_a_create_is_retried_and_creates_once(cloud):
    """A throttled create was refused before anything happened, so it is safe to send again."""
    cloud.emu.add_fault("ecs.create_server:first=1:status=429:code=APIGW.0308:retry_after=2")
    job_id, [server_id] = cloud.clients.ecs.create_server(public_spec(cloud, name="throttled-once"))
    assert job_id and cloud.sleeps == [2.0]
    assert statuses(cloud, "POST", f"/v1/{PID}/cloudservers") == [429, 200]
    assert [s.id for s in cloud.clients.ecs.list_servers(name="throttled-once")] == [server_id]


def test_429_that_never_ends_gives_up_with_the_cloud_error(cloud):
    cloud.emu.add_fault("csbs.get_backup:status=429:code=APIGW.0308:message=throttled:retry_after=1")
    raises_cloud_error(
        lambda: cloud.clients.csbs.get_checkpoint_item(cloud.ids["backup_new_csbs"]),
        service="csbs",
        status=429,
        code="APIGW.0308",
        message="throttled",
    )
    assert (
        len(statuses(cloud, "GET", f"/v1/{PID}/checkpoint_items/{cloud.ids['backup_new_csbs']}")) == POLICY.max_attempts
    )
    assert cloud.sleeps == [1.0] * (POLICY.max_attempts - 1)


# ---- server errors -----------------------------------------------------------------------------
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_on_a_read_is_retried(cloud, status):
    cloud.emu.add_fault(f"cbr.get_backup:first=3:status={status}:code=BackupService.9999")
    backup = cloud.clients.cbr.get_backup(cloud.ids["backup_cbr"])
    assert backup.id == cloud.ids["backup_cbr"] and backup.status == "available"
    assert statuses(cloud, "GET", f"/v3/{PID}/backups/{cloud.ids['backup_cbr']}") == [status] * 3 + [200]
    assert len(cloud.sleeps) == 3 and cloud.clients.calls[-1].attempts == 4


def test_5xx_on_a_read_that_persists_raises_the_cloud_error_after_the_last_attempt(cloud):
    cloud.emu.add_fault("ecs.get_server:status=503:code=Ecs.0503:message=Service unavailable.")
    raises_cloud_error(
        lambda: cloud.clients.ecs.get_server(cloud.ids["server_exists"]),
        service="ecs",
        status=503,
        code="Ecs.0503",
        message="Service unavailable.",
    )
    assert len(statuses(cloud, "GET", f"/v1/{PID}/cloudservers/{cloud.ids['server_exists']}")) == POLICY.max_attempts


def test_a_4xx_on_a_read_is_not_retried(cloud):
    cloud.emu.add_fault("ims.list_images:status=400:code=IMG.0001:message=bad request")
    raises_cloud_error(
        lambda: cloud.clients.ims.get_image(cloud.ids["image_cbr"]),
        service="ims",
        status=400,
        code="IMG.0001",
        message="bad request",
    )
    assert len(statuses(cloud, "GET", "/v2/cloudimages")) == 1 and cloud.sleeps == []


def test_5xx_on_a_create_is_an_answer_lost_and_is_not_repeated(cloud):
    cloud.emu.add_fault("ims.create_whole_image:first=1:status=502:code=IMG.0502:message=Bad gateway.")
    backup = new_cbr_backup(cloud)
    with pytest.raises(AnswerLost) as info:
        cloud.clients.ims.create_whole_image_from_backup(name="five-hundred", backup_id=backup.id, service="cbr")
    assert info.value.service == "ims" and info.value.method == "POST"
    assert isinstance(info.value.__cause__, CloudError) and info.value.__cause__.code == "IMG.0502"
    assert statuses(cloud, "POST", "/v1/cloudimages/wholeimages/action") == [502]
    assert cloud.sleeps == []
    # Reconciling: nothing was made this time, so creating again is right.
    assert cloud.clients.ims.find_images_by_name("five-hundred") == []
    assert cloud.clients.ims.create_whole_image_from_backup(name="five-hundred", backup_id=backup.id, service="cbr")


# ---- lost answers ------------------------------------------------------------------------------
def _ims_create(cloud):
    backup = new_cbr_backup(cloud)
    cloud.clients.ims.create_whole_image_from_backup(name="lost-image", backup_id=backup.id, service="cbr")


def _ims_find(cloud):
    return [i.name for i in cloud.clients.ims.find_images_by_name("lost-image")]


def _ecs_create(cloud):
    cloud.clients.ecs.create_server(public_spec(cloud, name="lost-server"))


def _ecs_find(cloud):
    return [s.name for s in cloud.clients.ecs.list_servers(name="lost-server")]


def _cbr_vault(cloud):
    cloud.clients.cbr.create_vault(name="lost-vault", size_gb=200, server_ids=[cloud.ids["server_exists"]])


def _cbr_vault_find(cloud):
    return [v.name for v in cloud.clients.cbr.list_vaults(name="lost-vault")]


def _cbr_checkpoint(cloud):
    cloud.clients.cbr.create_checkpoint(
        vault_id=cloud.ids["vault_id"], server_id=cloud.ids["server_cbr"], name="lost-backup"
    )


def _cbr_checkpoint_find(cloud):
    return [b.name for b in cloud.clients.cbr.list_backups(name="lost-backup")]


def _csbs_protect(cloud):
    cloud.clients.csbs.protect(cloud.ids["server_exists"], backup_name="lost-backup")


def _csbs_protect_find(cloud):
    return [b.name for b in cloud.clients.csbs.list_checkpoint_items(name="lost-backup")]


@pytest.mark.parametrize(
    "rule, create, find, name, path",
    [
        ("ims.create_whole_image", _ims_create, _ims_find, "lost-image", "/v1/cloudimages/wholeimages/action"),
        ("ecs.create_server", _ecs_create, _ecs_find, "lost-server", f"/v1/{PID}/cloudservers"),
        ("cbr.create_vault", _cbr_vault, _cbr_vault_find, "lost-vault", f"/v3/{PID}/vaults"),
        ("cbr.create_checkpoint", _cbr_checkpoint, _cbr_checkpoint_find, "lost-backup", f"/v3/{PID}/checkpoints"),
        (
            "csbs.protect",
            _csbs_protect,
            _csbs_protect_find,
            "lost-backup",
            f"/v1/{PID}/providers/fc4d5750-22e7-4798-8a46-f48f62c4c1da/resources/",
        ),
    ],
    ids=["ims-image", "ecs-server", "cbr-vault", "cbr-checkpoint", "csbs-protect"],
)
def test_a_create_whose_answer_is_lost_raises_answer_lost_while_the_resource_exists(
    cloud, rule, create, find, name, path
):
    cloud.emu.add_fault(f"{rule}:first=1:lost")
    with pytest.raises(AnswerLost) as info:
        create(cloud)
    assert info.value.method == "POST" and not isinstance(info.value, CloudError)
    sent = [status for m, p, status in cloud.emu.request_log if m == "POST" and p.startswith(path)]
    assert sent == [0]  # sent once, never answered, not repeated
    assert find(cloud) == [name]  # the cloud did it: the caller must reconcile, not create again


def test_a_read_whose_answer_is_lost_is_retried(cloud):
    cloud.emu.add_fault("csbs.list_backups:first=2:lost")
    items = cloud.clients.csbs.list_checkpoint_items(resource_id=cloud.ids["server_exists"])
    assert [b.id for b in items] == [cloud.ids["backup_old_csbs_server_exists"]]
    assert statuses(cloud, "GET", f"/v1/{PID}/checkpoint_items") == [0, 0, 200]
    assert len(cloud.sleeps) == 2


def test_a_read_never_answered_is_cloud_unreachable_not_answer_lost(cloud):
    cloud.emu.add_fault("vpc.list_vpcs:lost")
    with pytest.raises(CloudUnreachable) as info:
        cloud.clients.vpc.list_vpcs()
    assert type(info.value) is CloudUnreachable and info.value.service == "vpc"
    assert statuses(cloud, "GET", f"/v1/{PID}/vpcs") == [0] * POLICY.max_attempts


def test_repeatable_posts_whose_answer_is_lost_are_retried(cloud):
    cbr, ecs, csbs, ids = cloud.clients.cbr, cloud.clients.ecs, cloud.clients.csbs, cloud.ids
    vault = cbr.create_vault(name="vault-new", size_gb=500)
    cloud.emu.add_fault("cbr.add_resources:first=1:lost")
    # The lost call added the server; the retry finds it there and adds nothing more.
    assert cbr.add_resources(vault.id, [ids["server_exists"]]) == []
    assert cbr.get_vault(vault.id).holds(ids["server_exists"])
    cloud.emu.add_fault("csbs.check_protectable:first=1:lost")
    assert csbs.check_protectable(ids["server_exists"]).ok is True
    cloud.emu.add_fault("ecs.delete_servers:first=1:lost")
    job_id = ecs.delete_servers([ids["server_new_csbs"]])
    cloud.emu.clock.advance(D.SERVER_DELETE)
    assert ecs.get_job(job_id).status == "SUCCESS" and ecs.find_server(ids["server_new_csbs"]) is None
    assert statuses(cloud, "POST", f"/v1/{PID}/cloudservers/delete") == [0, 200]


# ---- latency -----------------------------------------------------------------------------------
def test_added_latency_delays_the_answer_and_shows_in_the_call_record(cloud):
    cloud.emu.add_fault("ims.list_images:first=1:latency=0.2")
    started = time.perf_counter()
    assert cloud.clients.ims.get_image(cloud.ids["image_cbr"]).status == "active"
    assert time.perf_counter() - started >= 0.2
    assert cloud.clients.calls[-1].seconds >= 0.2 and cloud.clients.calls[-1].attempts == 1
    cloud.clients.ims.get_image(cloud.ids["image_cbr"])
    assert cloud.clients.calls[-1].seconds < 0.2


# ---- probability -------------------------------------------------------------------------------
def test_probabilistic_5xx_is_absorbed_by_retries_and_every_attempt_is_accounted_for(cloud):
    cloud.emu.add_fault("ims.list_images:prob=0.3:status=503")
    outcomes = []
    for _ in range(20):
        try:
            outcomes.append(cloud.clients.ims.get_image(cloud.ids["image_cbr"]).id)
        except CloudError as error:
            outcomes.append(error.status)
    sent = statuses(cloud, "GET", "/v2/cloudimages")
    assert 0 < sent.count(503) < len(sent) and set(sent) == {200, 503}
    assert sent.count(200) == outcomes.count(cloud.ids["image_cbr"])
    assert sum(c.attempts for c in cloud.clients.calls) == len(sent)
    assert any(c.attempts > 1 and c.status == 200 for c in cloud.clients.calls)


# ---- work that ends badly ----------------------------------------------------------------------
def test_an_image_job_that_ends_in_fail_reports_its_reason_and_leaves_a_killed_image(cloud):
    """IMS ``killed``: "an error occurs on the image uploading" (opentelekomcloud-docs/image-management-service
    api-ref/source/ims_apis/image/querying_images.rst); the image stays until deleted."""
    cloud.emu.add_fault("ims.create_whole_image:first=1:job=fail:code=IMG.0410:reason=disk snapshot failed")
    ims = cloud.clients.ims
    backup = new_cbr_backup(cloud)
    job_id = ims.create_whole_image_from_backup(name="doomed", backup_id=backup.id, service="cbr")
    [image] = ims.find_images_by_name("doomed")
    cloud.emu.clock.advance(D.JOB_INIT + 1)
    assert ims.get_job(job_id).status == "RUNNING"
    cloud.emu.clock.advance(D.IMS_WHOLE_IMAGE)
    job = ims.get_job(job_id)
    assert (job.status, job.fail_reason, job.error_code, job.image_id) == (
        "FAIL",
        "disk snapshot failed",
        "IMG.0410",
        None,
    )
    progress = job_progress(cloud, job_id)
    assert job.finished and (progress is None or progress.status == "FAIL")
    assert ims.get_image(image.id).status == "killed"
    # The backup is free for another try.
    assert ims.create_whole_image_from_backup(name="second-try", backup_id=backup.id, service="cbr")


def test_a_server_create_job_that_ends_in_fail(cloud):
    cloud.emu.add_fault("ecs.create_server:first=1:job=fail:code=Ecs.0100:reason=no capacity in eu-de-01")
    ecs = cloud.clients.ecs
    job_id, [server_id] = ecs.create_server(public_spec(cloud, name="doomed"))
    cloud.emu.clock.advance(D.SERVER_BUILD_FAST)
    job = ecs.get_job(job_id)
    assert job.status == "FAIL" and job.error_code == "Ecs.0100" and job.fail_reason == "no capacity in eu-de-01"
    assert job.entities["sub_jobs"][0]["fail_reason"] == "no capacity in eu-de-01"
    assert job.server_ids == [server_id] and ecs.find_server(server_id) is None


def test_a_server_delete_job_that_ends_in_fail_leaves_the_server(cloud):
    cloud.emu.add_fault("ecs.delete_servers:first=1:job=fail:reason=volume busy")
    ecs = cloud.clients.ecs
    job_id = ecs.delete_servers([cloud.ids["server_exists"]])
    cloud.emu.clock.advance(D.SERVER_DELETE)
    job = ecs.get_job(job_id)
    assert (job.status, job.fail_reason) == ("FAIL", "volume busy")
    assert ecs.get_server(cloud.ids["server_exists"]).status == "ACTIVE"


def test_a_cbr_backup_that_ends_in_error_reports_why_and_cannot_be_imaged(cloud):
    cloud.emu.add_fault("cbr.create_checkpoint:first=1:backup=error:reason=volume snapshot timed out")
    backup = new_cbr_backup(cloud)
    assert (backup.status, backup.fail_reason) == ("error", "volume snapshot timed out")
    assert (
        cloud.clients.cbr.get_backup(backup.id).extend_info["fail_code"]["Description"] == "volume snapshot timed out"
    )
    raises_cloud_error(
        lambda: cloud.clients.ims.create_whole_image_from_backup(name="x", backup_id=backup.id, service="cbr"),
        service="ims",
        status=400,
        code="IMG.0032",
        message="status error",
    )


def test_a_csbs_backup_that_ends_in_error_reports_why_and_cannot_be_imaged(cloud):
    cloud.emu.add_fault("csbs.protect:first=1:backup=error:reason=agent offline")
    backup = new_csbs_backup(cloud)
    detail = cloud.clients.csbs.get_checkpoint_item(backup.id)
    assert (detail.status, detail.fail_reason) == ("error", "agent offline")
    assert detail.extend_info["fail_op"] == "backup"
    raises_cloud_error(
        lambda: cloud.clients.ims.create_whole_image_from_backup(name="x", backup_id=backup.id, service="csbs"),
        service="ims",
        status=400,
        code="IMG.0132",
        message="status error",
    )
