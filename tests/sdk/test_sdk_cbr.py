"""CBR through the official SDK: vaults (list, show, create, add a server), a backup (restore point)
followed until available, backup lists and details, CBR errors."""

from __future__ import annotations

from datetime import datetime

import pytest

pytest.importorskip("huaweicloudsdkcore")
cbr = pytest.importorskip("huaweicloudsdkcbr.v1")

from tests.sdk.helpers import call, sdk_error  # noqa: E402
from wizard.sim import DEMO  # noqa: E402
from wizard.sim import durations as D  # noqa: E402

# Without python-dateutil the SDK keeps CBR's datetime fields as strings, and says so each time.
pytestmark = pytest.mark.filterwarnings("ignore:Unable to convert string to date")

SERVER_PROVIDER = "0daac4c5-6707-4851-97ba-169e36266b66"


def test_list_and_show_vaults(shared_sdk, shared_cloud):
    ids = shared_cloud.ids
    listed = call(shared_sdk.cbr.list_vault, cbr.ListVaultRequest(object_type="server"))
    assert listed.count == 2 and [v.id for v in listed.vaults] == [ids["vault_id"], ids["vault_migrated_id"]]
    holding = call(shared_sdk.cbr.list_vault, cbr.ListVaultRequest(resource_ids=ids["server_cbr"])).vaults
    assert [v.name for v in holding] == ["vault-erp-db"]
    assert call(shared_sdk.cbr.list_vault, cbr.ListVaultRequest(resource_ids=ids["server_exists"])).vaults == []
    vault = call(shared_sdk.cbr.show_vault, cbr.ShowVaultRequest(vault_id=ids["vault_id"])).vault
    assert (vault.name, vault.provider_id, vault.project_id) == ("vault-erp-db", SERVER_PROVIDER, DEMO.project_id)
    assert (vault.billing.object_type, vault.billing.size, vault.billing.status) == ("server", 200, "available")
    assert [(r.id, r.type, r.protect_status, r.backup_count) for r in vault.resources] == [
        (ids["server_cbr"], "OS::Nova::Server", "available", 1)
    ]


def test_list_and_show_backups(shared_sdk, shared_cloud):
    ids = shared_cloud.ids
    listed = call(shared_sdk.cbr.list_backups, cbr.ListBackupsRequest(vault_id=ids["vault_id"], status="available"))
    assert listed.count == 1 and [b.id for b in listed.backups] == [ids["backup_cbr"]]
    assert call(shared_sdk.cbr.list_backups, cbr.ListBackupsRequest(status="error")).count == 0
    backup = call(shared_sdk.cbr.show_backup, cbr.ShowBackupRequest(backup_id=ids["backup_cbr"])).backup
    assert (backup.resource_id, backup.resource_name, backup.status) == (ids["server_cbr"], "erp-db-01", "available")
    assert backup.extend_info.support_lld is True and backup.extend_info.supported_restore_mode == "backup"
    assert [i.image_id for i in backup.extend_info.os_images_data] == [ids["image_cbr"]]
    assert sorted((c.resource_size, c.extend_info.bootable) for c in backup.children) == [(40, True), (100, False)]
    assert datetime.fromisoformat(backup.protected_at) > datetime.fromisoformat(backup.created_at)  # CBR: UTC, no zone


def test_backups_page_by_marker(shared_sdk, shared_cloud):
    """The SDK's ``marker``: "ID of the last record displayed on the previous page" (OTC-CBR
    cbr_apis/backups/querying_all_backups.rst)."""
    every = [b.id for b in call(shared_sdk.cbr.list_backups, cbr.ListBackupsRequest()).backups]
    assert len(every) >= 2
    paged: list[str] = []
    while page := call(
        shared_sdk.cbr.list_backups, cbr.ListBackupsRequest(limit=1, marker=(paged or [None])[-1])
    ).backups:
        paged += [b.id for b in page]
    assert paged == every


def test_vault_resource_checkpoint_and_backup(cloud, sdk):
    server = cloud.ids["server_exists"]
    billing = cbr.BillingCreate(
        consistent_level="crash_consistent", object_type="server", protect_type="backup", size=200
    )
    vault = call(
        sdk.cbr.create_vault,
        cbr.CreateVaultRequest(
            body=cbr.VaultCreateReq(vault=cbr.VaultCreate(name="vault-erp-app", resources=[], billing=billing))
        ),
    ).vault
    assert (vault.name, vault.billing.size, vault.billing.object_type, vault.resources) == (
        "vault-erp-app",
        200,
        "server",
        [],
    )

    added = call(
        sdk.cbr.add_vault_resource,
        cbr.AddVaultResourceRequest(
            vault_id=vault.id,
            body=cbr.VaultAddResourceReq(
                resources=[
                    cbr.ResourceCreate(
                        id=server, type="OS::Nova::Server", extra_info=cbr.ResourceExtraInfo(exclude_volumes=[])
                    )
                ]
            ),
        ),
    )
    assert added.add_resource_ids == [server]
    assert [v.id for v in call(sdk.cbr.list_vault, cbr.ListVaultRequest(resource_ids=server)).vaults] == [vault.id]

    checkpoint = call(
        sdk.cbr.create_checkpoint,
        cbr.CreateCheckpointRequest(
            body=cbr.VaultBackupReq(
                checkpoint=cbr.VaultBackup(
                    vault_id=vault.id,
                    parameters=cbr.CheckpointParam(resources=[server], name="app-full", incremental=False),
                )
            )
        ),
    ).checkpoint
    assert checkpoint.status == "protecting" and checkpoint.vault.id == vault.id
    assert [r.id for r in checkpoint.vault.resources] == [server] and checkpoint.vault.skipped_resources == []

    [backup] = call(sdk.cbr.list_backups, cbr.ListBackupsRequest(checkpoint_id=checkpoint.id)).backups
    assert (backup.name, backup.vault_id, backup.resource_id, backup.status) == (
        "app-full",
        vault.id,
        server,
        "waiting_protect",  # queued first (cbr_apis/backups/querying_a_specified_backup.rst)
    )
    assert backup.extend_info.supported_restore_mode == "na"
    [task] = call(
        sdk.cbr.list_op_logs, cbr.ListOpLogsRequest(operation_type="backup", resource_id=server)
    ).operation_logs
    assert (task.status, task.checkpoint_id, task.extra_info.backup.backup_id, task.extra_info.common.progress) == (
        "waiting",
        checkpoint.id,
        backup.id,
        0,
    )
    cloud.emu.clock.advance(D.CBR_BACKUP / 4)
    assert (
        call(
            sdk.cbr.show_op_log, cbr.ShowOpLogRequest(operation_log_id=task.id)
        ).operation_log.extra_info.common.progress
        == 25
    )
    cloud.emu.clock.advance(D.CBR_BACKUP * 3 / 4)
    ended = call(sdk.cbr.show_op_log, cbr.ShowOpLogRequest(operation_log_id=task.id)).operation_log
    assert (ended.status, ended.extra_info.common.progress, ended.vault_id) == (
        "success",
        100,
        vault.id,
    ) and ended.ended_at
    done = call(sdk.cbr.show_backup, cbr.ShowBackupRequest(backup_id=backup.id)).backup
    assert (done.status, done.checkpoint_id, done.extend_info.supported_restore_mode) == (
        "available",
        checkpoint.id,
        "backup",
    )
    assert done.extend_info.support_lld is True and done.protected_at != ""
    shown = call(sdk.cbr.show_vault, cbr.ShowVaultRequest(vault_id=vault.id)).vault
    assert [(r.id, r.backup_count) for r in shown.resources] == [(server, 1)] and shown.billing.used > 0


def test_unknown_backup_is_huawei_clouds_401_and_unknown_vault_is_404(shared_sdk):
    """Huawei Cloud answers a look-up of a backup that does not exist with 401 "Malformed request url"
    (huaweicloud/terraform-provider-huaweicloud huaweicloud/services/cbr/resource_huaweicloud_cbr_checkpoint.go,
    parseBackupError, which reads it as a 404); the SDK reports it as it comes."""
    error = sdk_error(
        lambda: shared_sdk.cbr.show_backup(cbr.ShowBackupRequest(backup_id="0badc0de-0000-4000-8000-000000000000"))
    )
    assert (error.status_code, error.error_code, error.error_msg) == (401, "401", "Malformed request url")
    error = sdk_error(
        lambda: shared_sdk.cbr.show_vault(cbr.ShowVaultRequest(vault_id="0badc0de-0000-4000-8000-000000000000"))
    )
    assert (error.status_code, error.error_code) == (404, "BackupService.6105")


def test_too_small_vault_for_the_server_is_refused(cloud, sdk):
    billing = cbr.BillingCreate(
        consistent_level="crash_consistent", object_type="server", protect_type="backup", size=100
    )
    vault = call(
        sdk.cbr.create_vault,
        cbr.CreateVaultRequest(
            body=cbr.VaultCreateReq(vault=cbr.VaultCreate(name="too-small", resources=[], billing=billing))
        ),
    ).vault
    body = cbr.VaultAddResourceReq(
        resources=[cbr.ResourceCreate(id=cloud.ids["server_exists"], type="OS::Nova::Server")]
    )
    error = sdk_error(lambda: sdk.cbr.add_vault_resource(cbr.AddVaultResourceRequest(vault_id=vault.id, body=body)))
    assert (error.status_code, error.error_code) == (400, "BackupService.6114")
    assert call(sdk.cbr.show_vault, cbr.ShowVaultRequest(vault_id=vault.id)).vault.resources == []
