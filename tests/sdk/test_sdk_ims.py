"""IMS through the official SDK: listing with filters and marker paging, image details, the async
job (both job APIs), a full-ECS image from a fresh CBR backup, and IMS errors."""

from __future__ import annotations

import pytest

pytest.importorskip("huaweicloudsdkcore")
ims = pytest.importorskip("huaweicloudsdkims.v2")
cbr = pytest.importorskip("huaweicloudsdkcbr.v1")

from tests.sdk.helpers import call, sdk_error  # noqa: E402
from wizard.sim import DEMO  # noqa: E402
from wizard.sim import durations as D  # noqa: E402

# The SDK marks ShowJob and GlanceShowImage deprecated; the emulator serves both, and so does the cloud.
pytestmark = pytest.mark.filterwarnings("ignore:Method '.*' of ImsClient is deprecated:DeprecationWarning")

PRIVATE_NEWEST_FIRST = [
    "erp-web-full-2023",
    "erp-db-full-2023",
    "erp-app-sys-2020",
    "erp-crm-full-2019",
    "erp-batch-full-2019",
    "erp-app-full-2019",
    "erp-legacy-full-2018",
]


def list_images(sdk, **filters):
    return call(sdk.ims.list_images, ims.ListImagesRequest(**filters)).images


def test_list_private_images_and_page_with_a_marker(shared_sdk, shared_cloud):
    images = list_images(shared_sdk, imagetype="private")
    assert [i.name for i in images] == PRIVATE_NEWEST_FIRST
    assert {i.imagetype for i in images} == {"private"} and {i.owner for i in images} == {DEMO.project_id}
    pages, marker = [], None
    while True:
        page = list_images(shared_sdk, imagetype="private", limit=4, **({"marker": marker} if marker else {}))
        if not page:
            break
        pages.append([i.name for i in page])
        marker = page[-1].id
    assert pages == [PRIVATE_NEWEST_FIRST[:4], PRIVATE_NEWEST_FIRST[4:]]
    gold = list_images(shared_sdk, imagetype="gold")
    assert [(i.id, i.visibility, i.protected) for i in gold] == [(shared_cloud.ids["image_public"], "public", True)]


def test_list_images_by_name_id_and_creation_time(shared_sdk, shared_cloud):
    ids = shared_cloud.ids
    [by_name] = list_images(shared_sdk, name="erp-db-full-2023")
    assert by_name.id == ids["image_cbr"] and by_name.backup_id == ids["backup_cbr"] and by_name.lazyloading == "true"
    [by_id] = list_images(shared_sdk, id=ids["image_old_csbs_server_exists"])
    assert by_id.name == "erp-app-full-2019" and by_id.backup_id == ids["backup_old_csbs_server_exists"]
    assert by_id.lazyloading == "false" and by_id.data_origin == ids["backup_old_csbs_server_exists"]
    recent = list_images(shared_sdk, imagetype="private", created_at="gt:2022-01-01T00:00:00Z")
    assert [i.name for i in recent] == ["erp-web-full-2023", "erp-db-full-2023"]
    older = list_images(shared_sdk, imagetype="private", created_at="lte:2019-06-21 09:00:00")
    assert [i.name for i in older] == ["erp-batch-full-2019", "erp-app-full-2019", "erp-legacy-full-2018"]
    oldest_first = list_images(shared_sdk, imagetype="private", sort_key="created_at", sort_dir="asc")
    assert [i.name for i in oldest_first] == PRIVATE_NEWEST_FIRST[::-1]


def test_show_image(shared_sdk, shared_cloud):
    image = call(
        shared_sdk.ims.glance_show_image, ims.GlanceShowImageRequest(image_id=shared_cloud.ids["image_new_csbs"])
    )
    assert (image.id, image.name, image.status) == (shared_cloud.ids["image_new_csbs"], "erp-web-full-2023", "active")
    assert image.backup_id == shared_cloud.ids["backup_new_csbs"] and image.min_disk == 40
    assert image.virtual_env_type == "FusionCompute" and image.created_at == "2023-09-02T09:00:00Z"


def test_whole_image_from_a_cbr_backup_job_to_success_and_image_active(cloud, sdk):
    ids = cloud.ids
    # A new CBR backup of erp-db-01, which already sits in the demo vault.
    checkpoint = call(
        sdk.cbr.create_checkpoint,
        cbr.CreateCheckpointRequest(
            body=cbr.VaultBackupReq(
                checkpoint=cbr.VaultBackup(
                    vault_id=ids["vault_id"],
                    parameters=cbr.CheckpointParam(resources=[ids["server_cbr"]], name="db-fast", incremental=False),
                )
            )
        ),
    ).checkpoint
    [backup] = call(sdk.cbr.list_backups, cbr.ListBackupsRequest(checkpoint_id=checkpoint.id)).backups
    cloud.emu.clock.advance(D.CBR_BACKUP)
    assert call(sdk.cbr.show_backup, cbr.ShowBackupRequest(backup_id=backup.id)).backup.status == "available"

    body = ims.CreateWholeImageRequestBody(
        name="erp-db-fast", backup_id=backup.id, whole_image_type="CBR", description="from the SDK"
    )
    job_id = call(sdk.ims.create_whole_image, ims.CreateWholeImageRequest(body=body)).job_id
    assert len(job_id) == 32

    statuses, image_statuses = [], []
    for _ in range(40):
        job = call(sdk.ims.show_job, ims.ShowJobRequest(job_id=job_id))
        statuses.append(job.status)
        image_statuses += [i.status for i in list_images(sdk, name="erp-db-fast")]
        if job.status in ("SUCCESS", "FAIL"):
            break
        cloud.emu.clock.advance(D.IMS_WHOLE_IMAGE / 20)
    assert statuses[0] == "INIT" and "RUNNING" in statuses and statuses[-1] == "SUCCESS"
    assert image_statuses[0] == "queued" and "saving" in image_statuses and image_statuses[-1] == "active"
    assert job.job_type == "imsCreateWholeImageByBackupJob" and job.end_time.endswith("Z")
    assert job.entities.image_name == "erp-db-fast" and job.error_code is None
    image_id = job.entities.image_id

    progress = call(sdk.ims.show_job_progress, ims.ShowJobProgressRequest(job_id=job_id))
    assert progress.status == "SUCCESS" and progress.entities.image_id == image_id
    assert progress.entities.process_percent == 1.0 and progress.entities.current_task == "finished"
    image = call(sdk.ims.glance_show_image, ims.GlanceShowImageRequest(image_id=image_id))
    assert (image.status, image.backup_id, image.imagetype, image.lazyloading) == (
        "active",
        backup.id,
        "private",
        "true",
    )
    shown = call(sdk.cbr.show_backup, cbr.ShowBackupRequest(backup_id=backup.id)).backup
    assert [d.image_id for d in shown.extend_info.os_images_data] == [image_id]
    # updated_at is when the image became active: the job's end.
    assert image.updated_at == job.end_time[:19] + "Z"
    assert [i.id for i in list_images(sdk, updated_at=f"gte:{image.updated_at}")] == [image_id]
    assert list_images(sdk, imagetype="private", sort_key="updated_at", sort_dir="desc")[0].id == image_id


def test_unknown_image_is_400_img_0027(shared_sdk):
    error = sdk_error(
        lambda: shared_sdk.ims.glance_show_image(
            ims.GlanceShowImageRequest(image_id="0badc0de-0000-4000-8000-000000000000")
        )
    )
    # Every IMG code is a 400 (opentelekomcloud-docs/image-management-service api-ref/source/error_codes.rst).
    assert (error.status_code, error.error_code) == (400, "IMG.0027")
    assert "does not exist" in error.error_msg and len(error.request_id) == 32


def test_second_image_from_the_same_backup_is_img_0029(shared_sdk, shared_cloud):
    body = ims.CreateWholeImageRequestBody(
        name="again", backup_id=shared_cloud.ids["backup_cbr"], whole_image_type="CBR"
    )
    error = sdk_error(lambda: shared_sdk.ims.create_whole_image(ims.CreateWholeImageRequest(body=body)))
    assert (error.status_code, error.error_code) == (400, "IMG.0029")
    assert shared_cloud.emu.state.jobs == {}  # refused: no job started


def test_bad_time_filter_and_unknown_job(shared_sdk):
    error = sdk_error(lambda: shared_sdk.ims.list_images(ims.ListImagesRequest(created_at="after:yesterday")))
    assert (error.status_code, error.error_code) == (400, "IMG.0001") and "created_at" in error.error_msg
    error = sdk_error(lambda: shared_sdk.ims.show_job(ims.ShowJobRequest(job_id="f" * 32)))
    assert error.status_code == 404 and error.error_code == "SIM.0404"
