"""IMS through ImsClient over loopback: listing, detail, full-ECS image creation from CBR and CSBS
backups with every documented refusal (reference §1.4, §1.7), jobs, and deletion."""

from __future__ import annotations

import pytest

from tests.contract.helpers import job_progress, new_cbr_backup, new_csbs_backup, public_spec, raises_cloud_error
from wizard.cloud import CloudError
from wizard.sim import durations as D

DEMO_FULL_IMAGES = {
    "erp-app-full-2019",
    "erp-batch-full-2019",
    "erp-db-full-2023",
    "erp-web-full-2023",
    "erp-legacy-full-2018",
    "erp-crm-full-2019",
}


# ---- reads (one shared emulator) ----------------------------------------------------------------
def test_list_images_page_returns_models_and_honours_limit_and_filters(shared_cloud):
    ims = shared_cloud.clients.ims
    page = ims.list_images_page(limit=2, __imagetype="private")
    assert len(page) == 2 and all(i.image_type == "private" for i in page)
    everything = ims.list_images_page()
    assert {i.name for i in everything} == DEMO_FULL_IMAGES | {"erp-app-sys-2020", "Standard_Ubuntu_22.04_latest"}
    public = ims.list_images_page(__imagetype="gold")
    assert [(i.name, i.whole_image, i.backup_id) for i in public] == [("Standard_Ubuntu_22.04_latest", False, None)]


def test_list_images_page_with_an_unknown_marker_is_refused(shared_cloud):
    raises_cloud_error(
        lambda: shared_cloud.clients.ims.list_images_page(marker="no-such-image"),
        service="ims",
        status=400,
        code="IMG.0001",
        message="marker",
    )


def test_list_images_follows_the_marker_across_pages(shared_cloud):
    ims = shared_cloud.clients.ims
    before = len(shared_cloud.requests("GET", "/v2/cloudimages"))
    names = [i.name for i in ims.list_images(page_size=2, __imagetype="private")]
    assert len(names) == 7 and len(set(names)) == 7
    assert len(shared_cloud.requests("GET", "/v2/cloudimages")) - before == 4  # 2 + 2 + 2 + 1 (a short page ends it)


def test_list_full_ecs_images_lists_only_private_full_ecs_images_with_their_markers(shared_cloud):
    ids = shared_cloud.ids
    images = {i.id: i for i in shared_cloud.clients.ims.list_full_ecs_images()}
    assert {i.name for i in images.values()} == DEMO_FULL_IMAGES
    assert all(i.whole_image and i.status == "active" and i.min_disk == 40 for i in images.values())
    assert images[ids["image_cbr"]].backup_id == ids["backup_cbr"]
    assert images[ids["image_cbr"]].lazyloading is True
    assert images[ids["image_old_csbs_server_exists"]].lazyloading is False
    assert images[ids["image_old_csbs_server_deleted"]].lazyloading is None  # the field is absent
    # A full-ECS image's __data_origin carries only its backup id (huaweicloud/terraform-provider-huaweicloud,
    # huaweicloud/services/ims resources: "for whole images it only carries the backup ID").
    assert images[ids["image_old_csbs_server_exists"]].raw["__data_origin"] == ids["backup_old_csbs_server_exists"]


def test_get_image_returns_the_detail(shared_cloud):
    image = shared_cloud.clients.ims.get_image(shared_cloud.ids["image_system_disk"])
    assert (image.name, image.status, image.whole_image, image.backup_id, image.image_type) == (
        "erp-app-sys-2020",
        "active",
        False,
        None,
        "private",
    )
    assert image.created_at == "2020-01-20T09:00:00Z" and image.raw["__os_type"] == "Linux"


def test_get_image_reads_the_facts_from_the_image_list_by_id(shared_cloud):
    """``get_image`` reads ``GET /v2/cloudimages?id=<id>``, as Terraform does (huaweicloud/terraform-provider-
    huaweicloud huaweicloud/services/ims/resource_huaweicloud_images_image.go): only there is ``__whole_image``
    documented. The native detail omits it (opentelekomcloud-docs/image-management-service
    api-ref/source/native_openstack_apis/image_native_openstack_apis/querying_image_details_native_openstack_api.rst)."""
    image_id = shared_cloud.ids["image_cbr"]
    before = len(shared_cloud.emu.request_log)
    image = shared_cloud.clients.ims.get_image(image_id)
    assert image.whole_image and image.backup_id == shared_cloud.ids["backup_cbr"]
    assert shared_cloud.emu.request_log[before:] == [("GET", "/v2/cloudimages", 200)]
    native = shared_cloud.clients.ims.http.get(f"/v2/images/{image_id}")
    assert "__whole_image" not in native and native["__backup_id"] == shared_cloud.ids["backup_cbr"]


def test_get_image_of_a_missing_image_is_404(shared_cloud):
    """The list answers an unknown id with no image; the client says so as a 404."""
    missing = "5ca1ab1e-dead-4000-8000-000000000000"
    with pytest.raises(CloudError) as info:
        shared_cloud.clients.ims.get_image(missing)
    assert (info.value.service, info.value.status) == ("ims", 404) and missing in info.value.message


def test_the_native_detail_of_a_missing_image_is_400_img_0027(shared_cloud):
    """Every IMG code is a 400 in IMS's error-code table (opentelekomcloud-docs/image-management-service
    api-ref/source/error_codes.rst)."""
    missing = "5ca1ab1e-dead-4000-8000-000000000000"
    raises_cloud_error(
        lambda: shared_cloud.clients.ims.http.get(f"/v2/images/{missing}"),
        service="ims",
        status=400,
        code="IMG.0027",
        message="does not exist",
    )


def test_image_exists(shared_cloud):
    ims = shared_cloud.clients.ims
    assert ims.image_exists(shared_cloud.ids["image_public"]) is True
    assert ims.image_exists("5ca1ab1e-dead-4000-8000-000000000000") is False


def test_find_images_by_name_is_an_exact_match(shared_cloud):
    ims = shared_cloud.clients.ims
    [image] = ims.find_images_by_name("erp-web-full-2023")
    assert image.id == shared_cloud.ids["image_new_csbs"]
    assert ims.find_images_by_name("erp-web-full") == []


def test_get_job_of_an_unknown_job_is_404(shared_cloud):
    ims = shared_cloud.clients.ims
    raises_cloud_error(
        lambda: ims.get_job("0" * 32), service="ims", status=404, code="SIM.0404", message="does not exist"
    )
    if shared_cloud.emu.profile.job_progress_path:
        raises_cloud_error(
            lambda: ims.get_job_progress("0" * 32), service="ims", status=404, code="SIM.0404", message="does not exist"
        )
    else:
        assert job_progress(shared_cloud, "0" * 32) is None


# ---- writes (a fresh emulator each) --------------------------------------------------------------
def test_create_from_a_cbr_backup_then_follow_the_job_to_an_active_image(cloud):
    ims = cloud.clients.ims
    backup = new_cbr_backup(cloud)
    job_id = ims.create_whole_image_from_backup(
        name="erp-db-fast",
        backup_id=backup.id,
        service="cbr",
        description="made by the contract suite",
        tags={"made-by": "ecs-wizard"},
    )
    assert len(job_id) == 32
    job = ims.get_job(job_id)
    assert (job.id, job.status, job.job_type, job.image_id) == (job_id, "INIT", "imsCreateWholeImageByBackupJob", None)
    assert not job.finished
    [image] = ims.find_images_by_name("erp-db-fast")
    assert image.status == "queued" and image.whole_image and image.backup_id == backup.id
    assert image.raw["tags"] == ["made-by.ecs-wizard"] and image.raw["__description"] == "made by the contract suite"
    cloud.emu.clock.advance(D.IMS_WHOLE_IMAGE / 2)
    progress = job_progress(cloud, job_id)
    assert progress is None or (progress.status == "RUNNING" and progress.progress == pytest.approx(50.0))
    assert ims.get_image(image.id).status == "saving"
    cloud.emu.clock.advance(D.IMS_WHOLE_IMAGE / 2)
    job = ims.get_job(job_id)
    assert job.finished and job.status == "SUCCESS" and job.image_id == image.id and job.error_code is None
    progress = job_progress(cloud, job_id)
    assert progress is None or progress.progress == pytest.approx(100.0)
    done = ims.get_image(image.id)
    assert done.status == "active" and done.lazyloading is True and done.raw["__data_origin"] == backup.id
    # The backup now names the image made from it.
    assert cloud.clients.cbr.get_backup(backup.id).extend_info["os_images_data"] == [{"image_id": image.id}]


def test_create_from_a_new_format_csbs_backup(cloud):
    ims = cloud.clients.ims
    backup = new_csbs_backup(cloud)
    assert backup.support_lld is True and backup.status == "available"
    job_id = ims.create_whole_image_from_backup(name="erp-app-fast", backup_id=backup.id, service="csbs")
    cloud.emu.clock.advance(D.IMS_WHOLE_IMAGE)
    job = ims.get_job(job_id)
    assert job.status == "SUCCESS"
    image = ims.get_image(job.image_id)
    assert image.name == "erp-app-fast" and image.backup_id == backup.id and image.lazyloading is True


def test_create_from_a_backup_that_already_has_an_image_is_img_0029(cloud):
    ids = cloud.ids
    for backup_id, service in ((ids["backup_cbr"], "cbr"), (ids["backup_new_csbs"], "csbs")):
        raises_cloud_error(
            lambda backup_id=backup_id, service=service: cloud.clients.ims.create_whole_image_from_backup(
                name="second", backup_id=backup_id, service=service
            ),
            service="ims",
            status=400,
            code="IMG.0029",
            message="one backup, one full-ECS image",
        )


def test_create_from_a_cbr_backup_still_protecting_is_img_0032(cloud):
    backup = new_cbr_backup(cloud, available=False)
    cloud.emu.clock.advance(D.BACKUP_WAITING)
    assert cloud.clients.cbr.get_backup(backup.id).status == "protecting"
    raises_cloud_error(
        lambda: cloud.clients.ims.create_whole_image_from_backup(name="too-early", backup_id=backup.id, service="cbr"),
        service="ims",
        status=400,
        code="IMG.0032",
        message="not available (status protecting)",
    )


def test_create_from_a_csbs_backup_still_protecting_is_img_0132(cloud):
    backup = new_csbs_backup(cloud, available=False)
    cloud.emu.clock.advance(D.BACKUP_WAITING)
    raises_cloud_error(
        lambda: cloud.clients.ims.create_whole_image_from_backup(name="too-early", backup_id=backup.id, service="csbs"),
        service="ims",
        status=400,
        code="IMG.0132",
        message="status protecting",
    )


def test_create_from_missing_backups_is_img_0020_for_cbr_and_img_0127_for_csbs(cloud):
    ims = cloud.clients.ims
    gone = cloud.ids["backup_deleted_id"]
    raises_cloud_error(
        lambda: ims.create_whole_image_from_backup(name="x", backup_id=gone, service="cbr"),
        service="ims",
        status=400,
        code="IMG.0020",
        message=gone,
    )
    raises_cloud_error(
        lambda: ims.create_whole_image_from_backup(name="x", backup_id=gone, service="csbs"),
        service="ims",
        status=400,
        code="IMG.0127",
        message=gone,
    )


def test_create_with_the_wrong_backup_type_is_img_0198(cloud):
    """IMG.0198 "Backup ID does not match the backup type or does not exist." (opentelekomcloud-docs/
    image-management-service api-ref/source/error_codes.rst), both ways round."""
    ims = cloud.clients.ims
    cbr_backup = new_cbr_backup(cloud)
    csbs_backup = new_csbs_backup(cloud)
    # A CBR backup sent without whole_image_type "CBR" (our client's CSBS route).
    raises_cloud_error(
        lambda: ims.create_whole_image_from_backup(name="x", backup_id=cbr_backup.id, service="csbs"),
        service="ims",
        status=400,
        code="IMG.0198",
        message="whole_image_type CBR",
    )
    # A CSBS backup sent with whole_image_type "CBR".
    raises_cloud_error(
        lambda: ims.create_whole_image_from_backup(name="x", backup_id=csbs_backup.id, service="cbr"),
        service="ims",
        status=400,
        code="IMG.0198",
        message="does not match the backup type",
    )


def test_a_region_that_makes_full_ecs_images_only_from_cbr_backups_refuses_csbs_with_img_0190(open_cloud):
    """IMG.0190 "Full-ECS images can be created only from CBR backups." (opentelekomcloud-docs/
    image-management-service api-ref/source/error_codes.rst): the emulator's ``cbr_only`` region."""
    cloud = open_cloud(scenario_params={"cbr_only": True})
    ims = cloud.clients.ims
    raises_cloud_error(
        lambda: ims.create_whole_image_from_backup(name="x", backup_id=new_csbs_backup(cloud).id, service="csbs"),
        service="ims",
        status=400,
        code="IMG.0190",
        message="only from CBR backups",
    )
    assert ims.create_whole_image_from_backup(name="y", backup_id=new_cbr_backup(cloud).id, service="cbr")


def test_create_beyond_the_private_image_quota_is_img_0015(open_cloud):
    cloud = open_cloud(scenario_params={"image_quota": 6})  # the demo project holds 6 private images
    backup = new_csbs_backup(cloud)
    raises_cloud_error(
        lambda: cloud.clients.ims.create_whole_image_from_backup(
            name="one-too-many", backup_id=backup.id, service="csbs"
        ),
        service="ims",
        status=400,
        code="IMG.0015",
        message="quota (6)",
    )


def test_create_with_an_invalid_name_is_img_0001(cloud):
    raises_cloud_error(
        lambda: cloud.clients.ims.create_whole_image_from_backup(
            name="n" * 129, backup_id=cloud.ids["backup_cbr"], service="cbr"
        ),
        service="ims",
        status=400,
        code="IMG.0001",
        message="1 to 128 characters",
    )


@pytest.mark.parametrize(
    "code, message",
    [
        ("IMG.0033", "The backup is not a system disk backup."),
        ("IMG.0134", "The backup has been used to create an image."),
    ],
)
def test_create_refusals_the_emulator_does_not_model_come_through_as_injected(cloud, code, message):
    cloud.emu.add_fault(f"ims.create_whole_image:first=1:status=400:code={code}:message={message}")
    backup = new_csbs_backup(cloud)
    raises_cloud_error(
        lambda: cloud.clients.ims.create_whole_image_from_backup(name="x", backup_id=backup.id, service="csbs"),
        service="ims",
        status=400,
        code=code,
        message=message,
    )
    assert len(cloud.requests("POST", "/v1/cloudimages/wholeimages/action")) == 1  # a 400 is not retried


def test_get_job_progress_of_an_ecs_job_is_404(cloud):
    job_id, _ = cloud.clients.ecs.create_server(public_spec(cloud))
    assert cloud.clients.ecs.get_job(job_id).id == job_id
    if not cloud.emu.profile.job_progress_path:
        assert job_progress(cloud, job_id) is None
        return
    raises_cloud_error(
        lambda: cloud.clients.ims.get_job_progress(job_id), service="ims", status=404, code="SIM.0404", message=job_id
    )


def test_the_job_percentage_path_is_published_on_huawei_cloud_only(cloud):
    """``GET /v1/cloudimages/job/{job_id}`` is the Huawei Cloud SDK's ``show_job_progress``
    (huaweicloud/huaweicloud-sdk-python-v3 huaweicloud-sdk-ims); OTC's IMS reference documents only
    ``GET /v1/{project_id}/jobs/{job_id}`` (opentelekomcloud-docs/image-management-service
    api-ref/source/ims_apis/image_jobs/querying_the_status_of_an_asynchronous_job.rst)."""
    job_id = cloud.clients.ims.create_whole_image_from_backup(
        name="percent", backup_id=new_cbr_backup(cloud).id, service="cbr"
    )
    cloud.emu.clock.advance(D.IMS_WHOLE_IMAGE / 2)
    assert cloud.clients.ims.get_job(job_id).status == "RUNNING"  # the documented path, on both clouds
    progress = job_progress(cloud, job_id)
    if cloud.profile == "hwc":
        assert progress is not None and progress.progress == pytest.approx(50.0)
    else:
        assert progress is None


def test_delete_image_answers_204_and_removes_it_a_little_later_freeing_its_backup(cloud):
    """IMS deletes asynchronously: 204 at once, the image gone later (huaweicloud/terraform-provider-huaweicloud
    resourceWholeImageDelete polls the list until it is)."""
    ims, ids = cloud.clients.ims, cloud.ids
    ims.delete_image(ids["image_new_csbs"])
    assert cloud.requests("DELETE", f"/v2/images/{ids['image_new_csbs']}")[-1][2] == 204
    assert ims.image_exists(ids["image_new_csbs"]) is True  # still being deleted
    cloud.emu.clock.advance(D.IMAGE_DELETE)
    assert ims.image_exists(ids["image_new_csbs"]) is False
    assert ids["image_new_csbs"] not in {i.id for i in ims.list_full_ecs_images()}
    # One backup, one image: the backup can be used again, and it still exists.
    assert cloud.clients.csbs.get_checkpoint_item(ids["backup_new_csbs"]).status == "available"
    assert ims.create_whole_image_from_backup(name="again", backup_id=ids["backup_new_csbs"], service="csbs")


def test_delete_image_with_its_backup_deletes_the_backup_too(cloud):
    ims, ids = cloud.clients.ims, cloud.ids
    ims.delete_image(ids["image_cbr"], delete_backup=True)
    cloud.emu.clock.advance(D.IMAGE_DELETE)
    assert not ims.image_exists(ids["image_cbr"])
    with pytest.raises(CloudError) as info:
        cloud.clients.cbr.get_backup(ids["backup_cbr"])
    assert info.value.status == 404  # BackupService.6200 on OTC, Huawei Cloud's 401 "Malformed request url" read


def test_delete_of_a_missing_or_public_image_answers_204_and_changes_nothing(cloud):
    """IMS answers every delete with 204 (huaweicloud/terraform-provider-huaweicloud resourceWholeImageDelete)."""
    ims = cloud.clients.ims
    ims.delete_image(cloud.ids["image_system_disk"])
    cloud.emu.clock.advance(D.IMAGE_DELETE)
    for image_id in (cloud.ids["image_system_disk"], cloud.ids["image_public"]):
        ims.delete_image(image_id)
        assert cloud.requests("DELETE", f"/v2/images/{image_id}")[-1][2] == 204
    cloud.emu.clock.advance(D.IMAGE_DELETE)
    assert cloud.clients.ims.image_exists(cloud.ids["image_public"])


def test_image_exists_raises_on_errors_other_than_404(cloud):
    cloud.emu.add_fault("ims.list_images:first=1:status=403:code=IMG.0403:message=forbidden")
    with pytest.raises(CloudError) as info:
        cloud.clients.ims.image_exists(cloud.ids["image_cbr"])
    assert (info.value.status, info.value.code) == (403, "IMG.0403")


def test_get_quota_reads_the_private_image_quota(cloud):
    """OTC-IMS ``ims_apis/image_quota/querying_the_image_quota.rst``: ``quotas.resources[]`` with
    ``type`` ``image``, ``used`` and ``quota``."""
    used, quota = cloud.clients.ims.get_quota()["image"]
    assert quota == 100 and used == len([i for i in cloud.clients.ims.list_images(__imagetype="private")])
