"""ECS through the official SDK: server lists and details, flavors with their extra specs, creating
servers (the ``/v1`` CreatePostPaidServers operation the emulator serves) and the job, ECS errors."""

from __future__ import annotations

import pytest

pytest.importorskip("huaweicloudsdkcore")
ecs = pytest.importorskip("huaweicloudsdkecs.v2")

from tests.sdk.helpers import call, sdk_error  # noqa: E402
from wizard.sim import DEMO  # noqa: E402
from wizard.sim import durations as D  # noqa: E402

NEWEST_FIRST = ["erp-web-01", "erp-crm-01", "erp-db-01", "erp-app-01"]


def list_servers(sdk, **filters):
    return call(sdk.ecs.list_servers_details, ecs.ListServersDetailsRequest(**filters))


def test_list_servers_details_filters_and_pages(shared_sdk, shared_cloud):
    every = list_servers(shared_sdk)
    assert every.count == 4 and [s.name for s in every.servers] == NEWEST_FIRST
    assert {s.status for s in every.servers} == {"ACTIVE", "SHUTOFF"} and {s.tenant_id for s in every.servers} == {
        DEMO.project_id
    }
    # offset is a page number; 0 and 1 both mean the first page.
    pages = [[s.name for s in list_servers(shared_sdk, limit=2, offset=page).servers] for page in (0, 1, 2, 3)]
    assert pages == [NEWEST_FIRST[:2], NEWEST_FIRST[:2], NEWEST_FIRST[2:], []]
    assert list_servers(shared_sdk, limit=2, offset=2).count == 4  # count is the total, not the page
    [web] = list_servers(shared_sdk, name="erp-web").servers
    assert web.id == shared_cloud.ids["server_new_csbs"] and web.os_ext_a_zavailability_zone == "eu-west-101b"
    assert [s.name for s in list_servers(shared_sdk, flavor="s3.xlarge.2").servers] == ["erp-db-01"]
    assert [s.name for s in list_servers(shared_sdk, status="SHUTOFF").servers] == ["erp-crm-01"]


def test_show_server(shared_sdk, shared_cloud):
    ids = shared_cloud.ids
    server = call(shared_sdk.ecs.show_server, ecs.ShowServerRequest(server_id=ids["server_cbr"])).server
    assert (server.id, server.name, server.status) == (ids["server_cbr"], "erp-db-01", "ACTIVE")
    assert (server.flavor.id, server.flavor.vcpus, server.flavor.ram) == ("s3.xlarge.2", "4", "8192")
    assert server.metadata["vpc_id"] == ids["vpc_id"] and server.os_ext_a_zavailability_zone == "eu-west-101a"
    [address] = server.addresses[ids["vpc_id"]]
    assert (address.version, address.addr, address.os_ext_ip_stype) == ("4", "192.168.1.12", "fixed")
    volumes = server.os_extended_volumesvolumes_attached
    assert [(v.boot_index, v.device) for v in volumes] == [("0", "/dev/vda"), ("-1", "/dev/vdb")]


def test_list_flavors_with_extra_specs(shared_sdk):
    flavors = {f.id: f for f in call(shared_sdk.ecs.list_flavors, ecs.ListFlavorsRequest()).flavors}
    assert {(f.id, f.vcpus, f.ram) for f in flavors.values()} == {
        ("s3.medium.2", "1", 2048),
        ("s3.large.2", "2", 4096),
        ("s3.xlarge.2", "4", 8192),
    }
    specs = flavors["s3.large.2"].os_extra_specs
    assert specs.condoperationaz == "eu-west-101a(normal),eu-west-101b(normal)" and specs.ecsperformancetype == "normal"
    in_zone = call(shared_sdk.ecs.list_flavors, ecs.ListFlavorsRequest(availability_zone="eu-west-101b")).flavors
    assert {f.os_extra_specs.condoperationaz for f in in_zone} == {"eu-west-101b(normal)"}
    assert call(shared_sdk.ecs.list_flavors, ecs.ListFlavorsRequest(availability_zone="eu-de-99")).flavors == []


def server_body(ids, image_id, **extra):
    return ecs.CreatePostPaidServersRequestBody(
        server=ecs.PostPaidServer(
            image_ref=image_id,
            flavor_ref=ids["flavor_small"],
            name="sdk-probe",
            vpcid=ids["vpc_id"],
            nics=[ecs.PostPaidServerNic(subnet_id=ids["subnet_id"])],
            root_volume=ecs.PostPaidServerRootVolume(volumetype="SSD"),
            availability_zone="eu-west-101a",
            **extra,
        )
    )


def test_create_server_and_follow_the_job(cloud, sdk):
    ids = cloud.ids
    created = call(
        sdk.ecs.create_post_paid_servers,
        ecs.CreatePostPaidServersRequest(body=server_body(ids, ids["image_cbr"], count=2)),
    )
    assert len(created.job_id) == 32 and len(created.server_ids) == 2
    statuses = []
    for _ in range(20):
        job = call(sdk.ecs.show_job, ecs.ShowJobRequest(job_id=created.job_id))
        statuses.append(job.status)
        if job.status in ("SUCCESS", "FAIL"):
            break
        cloud.emu.clock.advance(D.SERVER_BUILD_FAST / 6)
    assert statuses[0] == "INIT" and "RUNNING" in statuses and statuses[-1] == "SUCCESS"
    assert job.job_type == "createServer" and job.entities.sub_jobs_total == 2
    assert sorted(s.entities.server_id for s in job.entities.sub_jobs) == sorted(created.server_ids)
    assert {(s.status, s.job_type) for s in job.entities.sub_jobs} == {("SUCCESS", "createSingleServer")}
    server = call(sdk.ecs.show_server, ecs.ShowServerRequest(server_id=created.server_ids[0])).server
    assert (server.status, server.image.id, server.flavor.id) == ("ACTIVE", ids["image_cbr"], "s3.medium.2")
    assert list_servers(sdk, name="sdk-probe").count == 2


def test_unknown_server_is_404_ecs_0114(shared_sdk):
    missing = "0badc0de-0000-4000-8000-000000000000"
    error = sdk_error(lambda: shared_sdk.ecs.show_server(ecs.ShowServerRequest(server_id=missing)))
    assert (error.status_code, error.error_code, error.error_msg) == (
        404,
        "Ecs.0114",
        f"Instance[{missing}] could not be found.",
    )


def test_create_from_an_unknown_image_is_ecs_0031(shared_sdk, shared_cloud):
    body = server_body(shared_cloud.ids, "0badc0de-0000-4000-8000-000000000000")
    error = sdk_error(lambda: shared_sdk.ecs.create_post_paid_servers(ecs.CreatePostPaidServersRequest(body=body)))
    assert (error.status_code, error.error_code) == (400, "Ecs.0031")
    assert list_servers(shared_sdk).count == 4  # nothing created
