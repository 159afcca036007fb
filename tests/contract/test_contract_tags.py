"""Tags and deletes through our client over loopback: what the wizard's ownership of a run's
resources rests on (each call cites the document it follows in its docstring in ``wizard.cloud``)."""

from __future__ import annotations

from dataclasses import replace

from tests.contract.helpers import new_cbr_backup, new_csbs_backup, public_spec, raises_cloud_error
from wizard.sim import durations as D

MARK = {"ecs-wizard-run": "run1"}


def test_servers_by_tags(cloud):
    ecs = cloud.clients.ecs
    _, [marked] = ecs.create_server(replace(public_spec(cloud, "marked"), tags=(("ecs-wizard-run", "run1"),)))
    ecs.create_server(replace(public_spec(cloud, "other"), tags=(("ecs-wizard-run", "run2"),)))
    found = ecs.list_servers(tags=MARK)
    assert [s.id for s in found] == [marked] and found[0].tags == MARK


def test_images_by_tag(cloud):
    backup = new_csbs_backup(cloud)
    cloud.clients.ims.create_whole_image_from_backup(name="marked", backup_id=backup.id, service="csbs", tags=MARK)
    [image] = cloud.clients.ims.find_images_by_tag("ecs-wizard-run", "run1")
    assert image.name == "marked" and image.tags == MARK
    assert cloud.clients.ims.find_images_by_tag("ecs-wizard-run", "run2") == []


def test_vaults_by_tags_and_deleted(cloud):
    cbr = cloud.clients.cbr
    vault = cbr.create_vault(name="marked", size_gb=100, tags=MARK)
    cbr.create_vault(name="unmarked", size_gb=100)
    [found] = cbr.list_vaults_by_tags(MARK)
    assert (found.id, found.name, found.tags) == (vault.id, "marked", MARK)
    cbr.delete_vault(vault.id)
    assert cbr.list_vaults_by_tags(MARK) == []
    raises_cloud_error(
        lambda: cbr.get_vault(vault.id), service="cbr", status=404, code="BackupService.6105", message="not exist"
    )


def test_cbr_backup_deleted(cloud):
    backup = new_cbr_backup(cloud)
    cloud.clients.cbr.delete_backup(backup.id)
    assert cloud.clients.cbr.list_backups(checkpoint_id=backup.checkpoint_id) == []


def test_csbs_backups_by_tags_and_deleted(cloud):
    csbs = cloud.clients.csbs
    checkpoint = csbs.protect(cloud.ids["server_exists"], backup_name="marked", tags=MARK)
    cloud.emu.clock.advance(D.CSBS_BACKUP)
    [found] = csbs.list_checkpoint_items_by_tags(MARK)
    assert (found.checkpoint_id, found.name, found.tags) == (checkpoint["id"], "marked", MARK)
    csbs.delete_checkpoint(checkpoint["id"])
    assert csbs.list_checkpoint_items_by_tags(MARK) == []
