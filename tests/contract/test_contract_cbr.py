"""CBR through CbrClient over loopback: vaults, resources, restore points and backups, with the
flat ``{"error_code", "error_msg"}`` refusals of reference §3."""

from __future__ import annotations

import pytest

from tests.contract.conftest import PASSWORD_ENV
from tests.contract.helpers import new_cbr_backup, raises_cloud_error
from wizard.cloud import CloudError
from wizard.cloud.errors import is_backup_running
from wizard.sim import DEMO, FaultRule
from wizard.sim import durations as D

MISSING = "5ca1ab1e-dead-4000-8000-000000000000"


# ---- reads -------------------------------------------------------------------------------------
def test_list_vaults_returns_server_vaults_with_their_resources(shared_cloud):
    ids = shared_cloud.ids
    vault, migrated = shared_cloud.clients.cbr.list_vaults()
    assert migrated.name == "vault-erp-crm" and migrated.holds(ids["server_stopped"])
    assert (vault.id, vault.name, vault.object_type, vault.size_gb, vault.status) == (
        ids["vault_id"],
        "vault-erp-db",
        "server",
        200,
        "available",
    )
    assert vault.holds(ids["server_cbr"]) and not vault.holds(ids["server_exists"])
    assert vault.resources[0].type == "OS::Nova::Server" and vault.resources[0].protect_status == "available"
    assert vault.used_mb == int(140 * 1024 * D.FULL_BACKUP_DATA_RATIO)


def test_list_vaults_filters_by_resource_and_name(shared_cloud):
    cbr, ids = shared_cloud.clients.cbr, shared_cloud.ids
    assert [v.id for v in cbr.list_vaults(resource_ids=ids["server_cbr"])] == [ids["vault_id"]]
    assert cbr.list_vaults(resource_ids=ids["server_exists"]) == []
    assert [v.name for v in cbr.list_vaults(name="erp-db")] == ["vault-erp-db"]
    assert cbr.list_vaults(object_type="disk") == []


def test_list_vaults_with_an_invalid_limit_is_refused(shared_cloud):
    raises_cloud_error(
        lambda: shared_cloud.clients.cbr.list_vaults(limit=0),
        service="cbr",
        status=400,
        code="BackupService.0004",
        message="limit",
    )


def test_get_vault(shared_cloud):
    vault = shared_cloud.clients.cbr.get_vault(shared_cloud.ids["vault_id"])
    assert vault.name == "vault-erp-db" and [r.id for r in vault.resources] == [shared_cloud.ids["server_cbr"]]
    assert vault.raw["billing"]["protect_type"] == "backup"


def test_get_vault_of_a_missing_vault_is_404_6105(shared_cloud):
    raises_cloud_error(
        lambda: shared_cloud.clients.cbr.get_vault(MISSING),
        service="cbr",
        status=404,
        code="BackupService.6105",
        message=MISSING,
    )


def test_list_backups_and_get_backup(shared_cloud):
    cbr, ids = shared_cloud.clients.cbr, shared_cloud.ids
    [backup] = cbr.list_backups(resource_id=ids["server_cbr"])
    assert backup.id == ids["backup_cbr"] and backup.service == "cbr" and backup.vault_id == ids["vault_id"]
    assert cbr.list_backups(vault_id=ids["vault_id"], status=["available", "error"])[0].id == backup.id
    assert (
        cbr.list_backups(status="protecting") == [] and cbr.list_backups(name="erp-db-01-cbr-2023")[0].id == backup.id
    )
    detail = cbr.get_backup(backup.id)
    assert (detail.name, detail.status, detail.support_lld, detail.resource_name) == (
        "erp-db-01-cbr-2023",
        "available",
        True,
        "erp-db-01",
    )
    assert detail.checkpoint_id and detail.checkpoint_id != detail.id
    # an available server backup reports "backup" (the example in cbr_apis/backups/querying_a_specified_backup.rst)
    assert detail.extend_info["supported_restore_mode"] == "backup"
    assert {c["extend_info"]["supported_restore_mode"] for c in detail.raw["children"]} == {None}
    assert detail.extend_info["os_images_data"] == [{"image_id": ids["image_cbr"]}]
    assert sorted(c["resource_size"] for c in detail.raw["children"]) == [40, 100]


def test_get_backup_of_a_missing_backup_is_a_404_on_both_clouds(shared_cloud):
    """OTC answers 404 ``BackupService.6200`` (opentelekomcloud-docs/cloud-backup-recovery
    api-ref/source/appendix/error_codes.rst). Huawei Cloud answers 401 ``{"unauthorized": {"code": "401",
    "message": "Malformed request url"}}``, which Terraform reads as a 404 (huaweicloud/terraform-provider-huaweicloud
    huaweicloud/services/cbr/resource_huaweicloud_cbr_checkpoint.go, parseBackupError); the client does too."""
    lookup = lambda: shared_cloud.clients.cbr.get_backup(MISSING)  # noqa: E731
    if shared_cloud.profile == "otc":
        raises_cloud_error(lookup, service="cbr", status=404, code="BackupService.6200", message=MISSING)
        return
    raises_cloud_error(lookup, service="cbr", status=404, code="401", message="Malformed request url")
    assert shared_cloud.emu.request_log[-1] == ("GET", f"/v3/{DEMO.project_id}/backups/{MISSING}", 401)


def test_the_huawei_cloud_not_found_401_costs_no_new_token(cloud):
    """The 401 "Malformed request url" is no credentials problem: token auth does not log in again."""
    clients = cloud.connect(PASSWORD_ENV)
    with pytest.raises(CloudError) as info:
        clients.cbr.get_backup(MISSING)
    assert info.value.status == 404
    assert len(cloud.requests("POST", "/v3/auth/tokens")) == 1
    assert len(cloud.requests("GET", f"/v3/{DEMO.project_id}/backups/{MISSING}")) == 1


def test_list_backups_with_an_invalid_limit_is_refused(shared_cloud):
    raises_cloud_error(
        lambda: shared_cloud.clients.cbr.list_backups_page(limit=5000),
        service="cbr",
        status=400,
        code="BackupService.0004",
        message="limit",
    )


def test_a_backup_is_made_by_a_task_that_reports_its_progress(cloud):
    cbr = cloud.clients.cbr
    backup = new_cbr_backup(cloud, available=False)
    assert backup.progress is None  # a CBR backup has no percentage of its own
    [waiting] = cbr.list_tasks(resource_id=cloud.ids["server_cbr"], status="waiting")  # queued first
    assert waiting.running and cbr.list_tasks(resource_id=cloud.ids["server_cbr"], status="running") == []
    assert waiting.progress == 0
    cloud.emu.clock.advance(D.CBR_BACKUP / 2)
    [task] = cbr.list_tasks(resource_id=cloud.ids["server_cbr"], status="running")
    assert (task.status, task.running, task.checkpoint_id, task.backup_id, task.backup_name) == (
        "running",
        True,
        backup.checkpoint_id,
        backup.id,
        "contract-cbr",
    )
    assert task.progress == 50 and task.error_code is None
    cloud.emu.clock.advance(D.CBR_BACKUP / 2)
    done = cbr.get_task(task.id)
    assert (done.status, done.running, done.progress) == ("success", False, 100) and done.raw["ended_at"]
    # the seeded backup's task is listed too, newest first; other operation types have none
    assert [t.backup_id for t in cbr.list_tasks(resource_id=cloud.ids["server_cbr"])] == [
        backup.id,
        cloud.ids["backup_cbr"],
    ]
    assert cbr.list_tasks(operation_type="restore") == []


def test_a_failed_backup_task_carries_the_reason(cloud):
    cloud.emu.add_fault(FaultRule.parse("cbr.create_checkpoint:first=1:backup=error:reason=snapshot quota exceeded"))
    backup = new_cbr_backup(cloud)
    [task] = cloud.clients.cbr.list_tasks(vault_id=cloud.ids["vault_id"], status="failed")
    assert task.backup_id == backup.id and task.error_message == "snapshot quota exceeded" and task.error_code


def test_get_task_of_a_missing_task_is_404(shared_cloud):
    raises_cloud_error(
        lambda: shared_cloud.clients.cbr.get_task(MISSING),
        service="cbr",
        status=404,
        code="BackupService.0404",
        message=MISSING,
    )


# ---- vaults ------------------------------------------------------------------------------------
def test_create_vault_with_a_server(cloud):
    cbr, ids = cloud.clients.cbr, cloud.ids
    vault = cbr.create_vault(
        name="vault-erp-app", size_gb=200, server_ids=[ids["server_exists"]], description="for the fix"
    )
    assert vault.name == "vault-erp-app" and vault.size_gb == 200 and vault.object_type == "server"
    assert vault.holds(ids["server_exists"]) and vault.raw["description"] == "for the fix"
    assert [v.id for v in cbr.list_vaults(resource_ids=ids["server_exists"])] == [vault.id]


def test_create_vault_raises_a_small_size_to_the_10_gb_minimum(cloud):
    vault = cloud.clients.cbr.create_vault(name="tiny", size_gb=1)
    assert vault.size_gb == 10 and vault.resources == []


def test_create_vault_with_a_server_already_in_a_vault_is_refused(cloud):
    raises_cloud_error(
        lambda: cloud.clients.cbr.create_vault(name="v", size_gb=200, server_ids=[cloud.ids["server_cbr"]]),
        service="cbr",
        status=400,
        code="BackupService.6103",
        message=cloud.ids["vault_id"],
    )


def test_create_vault_with_a_missing_server_is_404_7100(cloud):
    raises_cloud_error(
        lambda: cloud.clients.cbr.create_vault(name="v", size_gb=200, server_ids=[cloud.ids["server_deleted_id"]]),
        service="cbr",
        status=404,
        code="BackupService.7100",
        message=cloud.ids["server_deleted_id"],
    )


def test_create_vault_smaller_than_its_servers_is_6114(cloud):
    raises_cloud_error(
        lambda: cloud.clients.cbr.create_vault(name="too-small", size_gb=100, server_ids=[cloud.ids["server_exists"]]),
        service="cbr",
        status=400,
        code="BackupService.6114",
        message="(100 GB)",
    )
    assert cloud.clients.cbr.list_vaults(name="too-small") == []  # nothing was created


# ---- add resources -----------------------------------------------------------------------------
def test_add_resources_adds_and_is_harmless_to_repeat(cloud):
    cbr, ids = cloud.clients.cbr, cloud.ids
    vault = cbr.create_vault(name="vault-new", size_gb=500)
    assert cbr.add_resources(vault.id, [ids["server_exists"], ids["server_new_csbs"]]) == [
        ids["server_exists"],
        ids["server_new_csbs"],
    ]
    assert cbr.add_resources(vault.id, [ids["server_exists"]]) == []
    assert {r.id for r in cbr.get_vault(vault.id).resources} == {ids["server_exists"], ids["server_new_csbs"]}


def test_add_resources_to_a_missing_vault_is_404_6105(cloud):
    raises_cloud_error(
        lambda: cloud.clients.cbr.add_resources(MISSING, [cloud.ids["server_exists"]]),
        service="cbr",
        status=404,
        code="BackupService.6105",
        message=MISSING,
    )


def test_add_resources_of_a_server_in_another_vault_is_refused(cloud):
    vault = cloud.clients.cbr.create_vault(name="vault-new", size_gb=500)
    raises_cloud_error(
        lambda: cloud.clients.cbr.add_resources(vault.id, [cloud.ids["server_cbr"]]),
        service="cbr",
        status=400,
        code="BackupService.6103",
        message="associated with a vault",
    )


def test_add_resources_of_a_missing_server_is_404_7100(cloud):
    vault = cloud.clients.cbr.create_vault(name="vault-new", size_gb=500)
    raises_cloud_error(
        lambda: cloud.clients.cbr.add_resources(vault.id, [MISSING]),
        service="cbr",
        status=404,
        code="BackupService.7100",
        message=MISSING,
    )


def test_add_resources_beyond_the_vault_capacity_is_6114(cloud):
    cbr, ids = cloud.clients.cbr, cloud.ids
    vault = cbr.create_vault(name="vault-small", size_gb=150, server_ids=[ids["server_exists"]])  # 140 GB of disks
    raises_cloud_error(
        lambda: cbr.add_resources(vault.id, [ids["server_new_csbs"]]),
        service="cbr",
        status=400,
        code="BackupService.6114",
        message="(150 GB)",
    )
    assert [r.id for r in cbr.get_vault(vault.id).resources] == [ids["server_exists"]]


# ---- restore points and backups ----------------------------------------------------------------
def test_create_checkpoint_starts_a_backup_that_becomes_available(cloud):
    cbr, ids = cloud.clients.cbr, cloud.ids
    checkpoint = cbr.create_checkpoint(
        vault_id=ids["vault_id"], server_id=ids["server_cbr"], name="fix-1", description="d"
    )
    assert checkpoint["status"] == "protecting" and checkpoint["vault"]["id"] == ids["vault_id"]
    assert [r["id"] for r in checkpoint["vault"]["resources"]] == [ids["server_cbr"]]
    assert checkpoint["vault"]["skipped_resources"] == []
    [backup] = cbr.list_backups(checkpoint_id=checkpoint["id"])
    assert backup.id != checkpoint["id"]  # the restore point is not the backup
    assert (backup.name, backup.status, backup.resource_id, backup.vault_id) == (
        "fix-1",
        "waiting_protect",  # queued first (cbr_apis/backups/querying_a_specified_backup.rst lists the status)
        ids["server_cbr"],
        ids["vault_id"],
    )
    assert backup.raw["extend_info"]["incremental"] is False  # our client asks for a full backup
    cloud.emu.clock.advance(D.CBR_BACKUP / 2)
    assert cbr.get_backup(backup.id).status == "protecting"
    cloud.emu.clock.advance(D.CBR_BACKUP / 2)
    done = cbr.get_backup(backup.id)
    assert done.status == "available" and done.support_lld is True
    assert done.extend_info["supported_restore_mode"] == "backup"


def test_create_checkpoint_in_a_missing_vault_is_404_6105(cloud):
    raises_cloud_error(
        lambda: cloud.clients.cbr.create_checkpoint(vault_id=MISSING, server_id=cloud.ids["server_cbr"], name="x"),
        service="cbr",
        status=404,
        code="BackupService.6105",
        message=MISSING,
    )


def test_create_checkpoint_of_a_server_not_in_the_vault_is_0001(cloud):
    raises_cloud_error(
        lambda: cloud.clients.cbr.create_checkpoint(
            vault_id=cloud.ids["vault_id"], server_id=cloud.ids["server_exists"], name="x"
        ),
        service="cbr",
        status=400,
        code="BackupService.0001",
        message="No resource is available",
    )


def test_create_checkpoint_beyond_the_vault_capacity_is_6114(cloud):
    cbr, ids = cloud.clients.cbr, cloud.ids
    vault = cbr.create_vault(name="vault-tight", size_gb=140, server_ids=[ids["server_exists"]])  # 140 GB of disks
    for n in range(20):  # each full backup stores 5 % of 140 GB = 7 GB; the 21st no longer fits
        cbr.create_checkpoint(vault_id=vault.id, server_id=ids["server_exists"], name=f"b{n}")
        cloud.emu.clock.advance(D.CBR_BACKUP)  # one backup of a server at a time
    raises_cloud_error(
        lambda: cbr.create_checkpoint(vault_id=vault.id, server_id=ids["server_exists"], name="b20"),
        service="cbr",
        status=400,
        code="BackupService.6114",
        message="capacity is insufficient",
    )
    assert len(cbr.list_backups(vault_id=vault.id)) == 20


def test_a_restore_point_is_read_until_available(cloud):
    """``GET /v3/{project_id}/checkpoints/{checkpoint_id}`` (opentelekomcloud-docs/cloud-backup-recovery
    api-ref/source/cbr_apis/restore_points/querying_a_restore_point.rst), which Terraform polls until
    ``available``; an unknown one is 404 BackupService.6217 (Huawei Cloud: its 401, read as a 404)."""
    cbr, ids = cloud.clients.cbr, cloud.ids
    checkpoint = cbr.create_checkpoint(vault_id=ids["vault_id"], server_id=ids["server_cbr"], name="rp")
    point = cbr.get_checkpoint(checkpoint["id"])
    assert (point["id"], point["status"], point["vault"]["id"]) == (checkpoint["id"], "protecting", ids["vault_id"])
    assert [r["id"] for r in point["vault"]["resources"]] == [ids["server_cbr"]]
    cloud.emu.clock.advance(D.CBR_BACKUP)
    assert cbr.get_checkpoint(checkpoint["id"])["status"] == "available"
    with pytest.raises(CloudError) as info:
        cbr.get_checkpoint(MISSING)
    assert info.value.status == 404
    assert info.value.code == ("401" if cloud.emu.profile.cbr_missing_is_401 else "BackupService.6217")


def test_a_backup_of_a_server_being_backed_up_is_refused_with_a_500_that_is_no_lost_answer(cloud):
    """CBR answers 500 ``BackupService.0002`` "Resources are being backed up." while a backup of the
    server runs (opentelekomcloud-docs/cloud-backup-recovery api-ref/source/appendix/error_codes.rst). A
    5xx on a create usually proves nothing either way (AnswerLost), but this one says nothing was done:
    the client raises the cloud's error, once, and the server can be backed up when the first is done."""
    cbr, ids, pid = cloud.clients.cbr, cloud.ids, cloud.emu.state.project_id
    cbr.create_checkpoint(vault_id=ids["vault_id"], server_id=ids["server_cbr"], name="first")
    error = raises_cloud_error(
        lambda: cbr.create_checkpoint(vault_id=ids["vault_id"], server_id=ids["server_cbr"], name="second"),
        service="cbr",
        status=500,
        code="BackupService.0002",
        message="Resources are being backed up.",
    )
    assert is_backup_running(error)
    assert len(cloud.requests("POST", f"/v3/{pid}/checkpoints")) == 2  # not repeated
    assert [b.name for b in cbr.list_backups(resource_id=ids["server_cbr"]) if b.name in ("first", "second")] == [
        "first"
    ]
    cloud.emu.clock.advance(D.CBR_BACKUP)
    assert cbr.create_checkpoint(vault_id=ids["vault_id"], server_id=ids["server_cbr"], name="second")["id"]


def test_create_checkpoint_snapshot_quota_is_8300(cloud):
    cloud.emu.add_fault(
        "cbr.create_checkpoint:first=1:status=400:code=BackupService.8300:message=The snapshot quota is insufficient."
    )
    raises_cloud_error(
        lambda: cloud.clients.cbr.create_checkpoint(
            vault_id=cloud.ids["vault_id"], server_id=cloud.ids["server_cbr"], name="x"
        ),
        service="cbr",
        status=400,
        code="BackupService.8300",
        message="snapshot quota",
    )


def test_list_backups_by_resource_lists_old_and_new_backups(cloud):
    backup = new_cbr_backup(cloud)
    assert backup.status == "available" and backup.vault_id == cloud.ids["vault_id"]
    assert {b.id for b in cloud.clients.cbr.list_backups(resource_id=cloud.ids["server_cbr"])} == {
        backup.id,
        cloud.ids["backup_cbr"],
    }
