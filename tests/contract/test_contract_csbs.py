"""CSBS through CsbsClient over loopback: check protectable, protect (back up), checkpoint items,
with the flat ``{"error_code", "error_msg"}`` refusals of reference §2."""

from __future__ import annotations

from tests.contract.helpers import public_spec, raises_cloud_error
from wizard.sim import durations as D

MISSING = "5ca1ab1e-dead-4000-8000-000000000000"


# ---- reads -------------------------------------------------------------------------------------
def test_get_checkpoint_item_tells_old_and_new_format_apart(shared_cloud):
    csbs, ids = shared_cloud.clients.csbs, shared_cloud.ids
    old = csbs.get_checkpoint_item(ids["backup_old_csbs_server_exists"])
    assert (old.service, old.status, old.support_lld, old.resource_id, old.resource_name) == (
        "csbs",
        "available",
        False,
        ids["server_exists"],
        "erp-app-01",
    )
    assert old.checkpoint_id and old.checkpoint_id != old.id
    assert old.extend_info["os_images_data"] == [{"image_id": ids["image_old_csbs_server_exists"]}]
    assert sorted(v["source_volume_size"] for v in old.extend_info["volume_backups"]) == [40, 100]
    oldest = csbs.get_checkpoint_item(ids["backup_old_csbs_server_deleted"])
    assert oldest.support_lld is None and "support_lld" not in oldest.extend_info  # the field is simply absent
    assert oldest.resource_name == "erp-batch-01"
    new = csbs.get_checkpoint_item(ids["backup_new_csbs"])
    assert new.support_lld is True and new.progress == 100 and new.fail_reason is None


def test_get_checkpoint_item_of_a_missing_backup_is_404_csbs_3001(shared_cloud):
    raises_cloud_error(
        lambda: shared_cloud.clients.csbs.get_checkpoint_item(shared_cloud.ids["backup_deleted_id"]),
        service="csbs",
        status=404,
        code="CSBS.3001",
        message="does not exist",
    )


def test_list_checkpoint_items_filters(shared_cloud):
    csbs, ids = shared_cloud.clients.csbs, shared_cloud.ids
    assert {b.id for b in csbs.list_checkpoint_items()} == {
        ids["backup_old_csbs_server_exists"],
        ids["backup_old_csbs_server_deleted"],
        ids["backup_new_csbs"],
    }
    [item] = csbs.list_checkpoint_items(resource_id=ids["server_new_csbs"])
    assert item.id == ids["backup_new_csbs"]
    assert [b.id for b in csbs.list_checkpoint_items(checkpoint_id=item.checkpoint_id)] == [item.id]
    assert csbs.list_checkpoint_items(status="protecting") == []
    assert len(csbs.list_checkpoint_items(status="available", limit=2)) == 2
    assert [b.name for b in csbs.list_checkpoint_items(name=item.name)] == [item.name]


def test_the_name_filter_is_fuzzy_in_csbs_and_exact_in_the_client(shared_cloud):
    """CSBS: "Fuzzy search based on field name is supported." (opentelekomcloud-docs/cloud-server-backup-service
    api-ref/source/api_description/backup_management/querying_all_backups.rst); the client keeps exact matches."""
    csbs = shared_cloud.clients.csbs
    names = [b.name for b in csbs.list_checkpoint_items()]
    part = names[0][:-2]
    raw = csbs.http.get(f"/v1/{shared_cloud.emu.state.project_id}/checkpoint_items", params={"name": part})
    assert {b["name"] for b in raw["checkpoint_items"]} == {n for n in names if part in n} and part not in names
    assert csbs.list_checkpoint_items(name=part) == []
    assert [b.name for b in csbs.list_checkpoint_items(name=names[0])] == [names[0]]


def test_list_checkpoint_items_with_an_invalid_limit_is_refused(shared_cloud):
    raises_cloud_error(
        lambda: shared_cloud.clients.csbs.list_checkpoint_items(limit=0),
        service="csbs",
        status=400,
        code="CSBS.1001",
        message="limit",
    )


def test_check_protectable_of_a_running_and_a_missing_server(shared_cloud):
    csbs, ids = shared_cloud.clients.csbs, shared_cloud.ids
    ok = csbs.check_protectable(ids["server_exists"])
    assert (ok.server_id, ok.ok, ok.code, ok.message) == (ids["server_exists"], True, None, None)
    gone = csbs.check_protectable(ids["server_deleted_id"])
    assert (gone.ok, gone.code, gone.message) == (False, "CSBS.6000", "The server does not exist.")


# ---- writes ------------------------------------------------------------------------------------
def test_check_protectable_of_a_server_still_building_is_csbs_6006(cloud):
    _, [server_id] = cloud.clients.ecs.create_server(public_spec(cloud))
    answer = cloud.clients.csbs.check_protectable(server_id)
    assert (answer.ok, answer.code) == (False, "CSBS.6006") and "BUILD" in answer.message
    cloud.emu.clock.advance(D.SERVER_BUILD_FAST)
    assert cloud.clients.csbs.check_protectable(server_id).ok is True


def test_protect_makes_a_full_new_format_backup(cloud):
    csbs, ids = cloud.clients.csbs, cloud.ids
    checkpoint = csbs.protect(
        ids["server_exists"], backup_name="fix-full", description="full", tags={"made-by": "ecs-wizard"}
    )
    assert checkpoint["status"] == "protecting"
    assert [r["id"] for r in checkpoint["protection_plan"]["resources"]] == [ids["server_exists"]]
    [item] = csbs.list_checkpoint_items(checkpoint_id=checkpoint["id"])
    assert item.id != checkpoint["id"]  # the checkpoint is the backup record, not the backup
    assert (item.name, item.status, item.support_lld, item.resource_id) == (
        "fix-full",
        "waiting_protect",  # queued first (backup_management/querying_a_single_backup.rst lists the status)
        True,
        ids["server_exists"],
    )
    assert item.raw["tags"] == [{"key": "made-by", "value": "ecs-wizard"}] and item.raw["description"] == "full"
    cloud.emu.clock.advance(D.CSBS_BACKUP)
    done = csbs.get_checkpoint_item(item.id)
    assert done.status == "available" and done.progress == 100 and done.extend_info["incremental"] is False


def test_protect_incrementally_continues_the_old_format_chain(cloud):
    """Why the wizard asks for a full backup: an incremental one inherits the old format."""
    csbs, ids = cloud.clients.csbs, cloud.ids
    checkpoint = csbs.protect(ids["server_exists"], backup_name="fix-incremental", incremental=True)
    [item] = csbs.list_checkpoint_items(checkpoint_id=checkpoint["id"])
    assert item.support_lld is False and item.extend_info["incremental"] is True


def test_protect_incrementally_keeps_a_new_format_chain_new(cloud):
    csbs, ids = cloud.clients.csbs, cloud.ids
    checkpoint = csbs.protect(ids["server_new_csbs"], backup_name="web-incremental", incremental=True)
    [item] = csbs.list_checkpoint_items(checkpoint_id=checkpoint["id"])
    assert item.support_lld is True and item.extend_info["incremental"] is True


def test_protect_a_missing_server_is_csbs_6000(cloud):
    raises_cloud_error(
        lambda: cloud.clients.csbs.protect(cloud.ids["server_deleted_id"], backup_name="x"),
        service="csbs",
        status=400,
        code="CSBS.6000",
        message=cloud.ids["server_deleted_id"],
    )


def test_protect_a_server_still_building_is_csbs_6006(cloud):
    _, [server_id] = cloud.clients.ecs.create_server(public_spec(cloud))
    raises_cloud_error(
        lambda: cloud.clients.csbs.protect(server_id, backup_name="x"),
        service="csbs",
        status=400,
        code="CSBS.6006",
        message="(BUILD)",
    )
    assert cloud.clients.csbs.list_checkpoint_items(resource_id=server_id) == []


def test_protect_refusals_the_emulator_does_not_model_come_through_as_injected(cloud):
    csbs = cloud.clients.csbs
    cloud.emu.add_fault("csbs.protect:first=1:status=400:code=CSBS.9006:message=The backup quota is exceeded.")
    raises_cloud_error(
        lambda: csbs.protect(cloud.ids["server_exists"], backup_name="x"),
        service="csbs",
        status=400,
        code="CSBS.9006",
        message="quota",
    )
    cloud.emu.add_fault("csbs.protect:first=1:status=400:code=CSBS.6010:message=The server has a shared volume.")
    raises_cloud_error(
        lambda: csbs.protect(cloud.ids["server_exists"], backup_name="x"),
        service="csbs",
        status=400,
        code="CSBS.6010",
        message="shared volume",
    )
    assert csbs.protect(cloud.ids["server_exists"], backup_name="x")["status"] == "protecting"
