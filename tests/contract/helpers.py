"""Provocations shared by the contract tests: fresh backups, and one assertion for cloud errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from wizard.cloud import CloudError
from wizard.cloud.ecs import ServerSpec
from wizard.cloud.models import Backup, Job
from wizard.sim import durations as D


def raises_cloud_error(call: Callable[[], object], *, service: str, status: int, code: str, message: str) -> CloudError:
    """Run ``call``; it must raise a CloudError with exactly this service, status and code, and a
    message containing ``message``."""
    with pytest.raises(CloudError) as info:
        call()
    error = info.value
    assert (error.service, error.status, error.code) == (service, status, code), repr(error)
    assert message in error.message, repr(error)
    assert error.request_id and len(error.request_id) == 32  # the emulator's X-Request-Id reached us
    return error


def new_cbr_backup(cloud, *, available: bool = True) -> Backup:
    """Back up erp-db-01 (already in the demo vault) with CBR; optionally let it finish."""
    cbr = cloud.clients.cbr
    checkpoint = cbr.create_checkpoint(
        vault_id=cloud.ids["vault_id"], server_id=cloud.ids["server_cbr"], name="contract-cbr"
    )
    if available:
        cloud.emu.clock.advance(D.CBR_BACKUP)
    [backup] = cbr.list_backups(checkpoint_id=checkpoint["id"])
    return backup


def new_csbs_backup(cloud, *, available: bool = True, server_key: str = "server_exists") -> Backup:
    """A full (new-format) CSBS backup of a demo server; optionally let it finish."""
    csbs = cloud.clients.csbs
    checkpoint = csbs.protect(cloud.ids[server_key], backup_name="contract-csbs", incremental=False)
    if available:
        cloud.emu.clock.advance(D.CSBS_BACKUP)
    [backup] = csbs.list_checkpoint_items(checkpoint_id=checkpoint["id"])
    return backup


def public_spec(cloud, name: str = "contract-tmp", image_key: str = "image_public", **changes) -> ServerSpec:
    """A valid server spec in the demo VPC; ``changes`` override any field."""
    ids = cloud.ids
    spec = ServerSpec(
        name=name,
        image_id=ids[image_key],
        flavor_id=ids["flavor_small"],
        vpc_id=ids["vpc_id"],
        subnet_id=ids["subnet_id"],
        root_volume_type="SSD",
    )
    return replace(spec, **changes)


def job_progress(cloud, job_id: str) -> Job | None:
    """The IMS job's answer on the percentage path where the cloud publishes it (``hwc``; the Huawei
    Cloud SDK's ``show_job_progress``); where it does not (``otc``, whose API reference lacks it) it is
    the gateway's 404 ``APIGW.0101``, and None is returned."""
    ims = cloud.clients.ims
    if cloud.emu.profile.job_progress_path:
        return ims.get_job_progress(job_id)
    raises_cloud_error(
        lambda: ims.get_job_progress(job_id), service="ims", status=404, code="APIGW.0101", message="does not exist"
    )
    return None
