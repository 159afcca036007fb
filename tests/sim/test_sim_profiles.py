"""The two emulated clouds (wizard.sim.profiles): the same APIs, and each cloud's documented differences."""

import pytest

from tests.sim.helpers import Api, checkpoint_body
from wizard.sim import DEMO, Emulator, export_lines
from wizard.sim import durations as D
from wizard.sim.profiles import HWC, OTC, PROFILES

MISSING = "5ca1ab1e-dead-4000-8000-000000000000"


def _job_of_a_new_image(api, emu):
    vault, server = emu.ids["vault_id"], emu.ids["server_cbr"]
    checkpoint = api.ok("POST", "/v3/{pid}/checkpoints", checkpoint_body(vault, server))["checkpoint"]
    emu.clock.advance(D.CBR_BACKUP)
    [backup] = api.ok("GET", "/v3/{pid}/backups", checkpoint_id=checkpoint["id"])["backups"]
    body = {"name": "fast", "backup_id": backup["id"], "whole_image_type": "CBR"}
    job_id = api.ok("POST", "/v1/cloudimages/wholeimages/action", body)["job_id"]
    emu.clock.advance(D.IMS_WHOLE_IMAGE / 2)
    return job_id


def test_the_job_percentage_path_answers_on_huawei_cloud_only():
    """The Huawei Cloud SDK has ``GET /v1/cloudimages/job/{job_id}`` (show_job_progress); OTC's IMS reference
    documents only ``GET /v1/{project_id}/jobs/{job_id}`` (opentelekomcloud-docs/image-management-service
    api-ref/source/ims_apis/image_jobs/querying_the_status_of_an_asynchronous_job.rst): there the gateway
    answers the path as one it does not publish."""
    for profile in (OTC, HWC):
        emu = Emulator(speed=0, profile=profile.name)
        api = Api(emu)
        job_id = _job_of_a_new_image(api, emu)
        assert api.ok("GET", f"/v1/{{pid}}/jobs/{job_id}")["status"] == "RUNNING"
        answer = api.get(f"/v1/cloudimages/job/{job_id}")
        if profile is HWC:
            assert answer.status_code == 200 and answer.json()["entities"]["process_percent"] == 0.5
        else:
            assert answer.status_code == 404 and answer.json()["error_code"] == "APIGW.0101"


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_a_cbr_backup_that_does_not_exist(profile):
    """OTC: 404 ``BackupService.6200`` (opentelekomcloud-docs/cloud-backup-recovery api-ref/source/appendix/
    error_codes.rst). Huawei Cloud: 401 ``{"unauthorized": {"code": "401", "message": "Malformed request url"}}``
    (huaweicloud/terraform-provider-huaweicloud huaweicloud/services/cbr/resource_huaweicloud_cbr_checkpoint.go,
    parseBackupError)."""
    api = Api(Emulator(speed=0, profile=profile))
    answer = api.get(f"/v3/{{pid}}/backups/{MISSING}")
    if profile == "hwc":
        assert (answer.status_code, answer.json()) == (
            401,
            {"unauthorized": {"code": "401", "message": "Malformed request url"}},
        )
    else:
        assert (answer.status_code, answer.json()["error_code"]) == (404, "BackupService.6200")


@pytest.mark.parametrize("profile", [OTC, HWC], ids=["otc", "hwc"])
def test_region_and_zones_are_the_clouds(profile):
    """OTC: eu-de with zones eu-de-01/02; Huawei Cloud: eu-west-101 (served from myhuaweicloud.eu, the SDK's
    region files), zones named with a letter after the region."""
    emu = Emulator(speed=0, profile=profile.name)
    api = Api(emu)
    assert emu.state.region == profile.region and tuple(emu.state.availability_zones) == profile.availability_zones
    server = api.ok("GET", f"/v1/{{pid}}/cloudservers/{emu.ids['server_exists']}")["server"]
    assert server["OS-EXT-AZ:availability_zone"] == profile.availability_zones[0]
    scope = {"project": {"name": profile.region}}
    identity = {"methods": ["password"], "password": {"user": {"name": DEMO.user, "password": DEMO.password}}}
    identity["password"]["user"]["domain"] = {"name": DEMO.domain}
    assert api.call("POST", "/v3/auth/tokens", {"auth": {"identity": identity, "scope": scope}}).status_code == 201


def test_export_lines_use_each_clouds_variables_and_name_its_endpoints():
    url = "http://127.0.0.1:8765"
    otc = export_lines(url)
    assert otc[:4] == [
        f"export OS_ACCESS_KEY={DEMO.ak}",
        f"export OS_SECRET_KEY={DEMO.sk}",
        f"export OS_PROJECT_ID={DEMO.project_id}",
        "export OS_REGION_NAME=eu-de",
    ]
    assert f"export ECS_WIZARD_ENDPOINT_IMS={url}  # in place of https://ims.eu-de.otc.t-systems.com" in otc
    hwc = export_lines(url, HWC)
    assert hwc[:4] == [
        f"export HUAWEICLOUD_SDK_AK={DEMO.ak}",
        f"export HUAWEICLOUD_SDK_SK={DEMO.sk}",
        f"export HUAWEICLOUD_SDK_PROJECT_ID={DEMO.project_id}",
        "export HUAWEICLOUD_SDK_REGION=eu-west-101",
    ]
    assert f"export ECS_WIZARD_ENDPOINT_CBR={url}  # in place of https://cbr.eu-west-101.myhuaweicloud.eu" in hwc
    for lines in (otc, hwc):
        assert sorted(line.split("=")[0] for line in lines[4:]) == sorted(
            f"export ECS_WIZARD_ENDPOINT_{s}" for s in ("IAM", "IMS", "ECS", "CBR", "CSBS", "VPC", "EVS")
        )


def test_an_unknown_profile_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="unknown cloud profile 'aws'; profiles: otc, hwc"):
        Emulator(profile="aws")
