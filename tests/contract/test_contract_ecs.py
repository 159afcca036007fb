"""ECS and VPC through EcsClient/VpcClient over loopback: servers, create/delete jobs, flavors,
VPCs and subnets, with the nested ``{"error": {"code", "message"}}`` refusals of reference §4."""

from __future__ import annotations

import pytest

from tests.contract.helpers import public_spec, raises_cloud_error
from wizard.cloud import CloudError
from wizard.sim import FaultRule
from wizard.sim import durations as D

MISSING = "5ca1ab1e-dead-4000-8000-000000000000"


# ---- reads -------------------------------------------------------------------------------------
def test_get_server_returns_the_model(shared_cloud):
    ids = shared_cloud.ids
    server = shared_cloud.clients.ecs.get_server(ids["server_cbr"])
    assert (server.id, server.name, server.status, server.flavor_id) == (
        ids["server_cbr"],
        "erp-db-01",
        "ACTIVE",
        "s3.xlarge.2",
    )
    assert (server.vpc_id, server.availability_zone, server.image_id) == (
        ids["vpc_id"],
        shared_cloud.emu.profile.availability_zones[0],
        ids["image_public"],
    )
    assert len(server.volume_ids) == 2 and server.raw["os-extended-volumes:volumes_attached"][0]["bootIndex"] == "0"


def test_get_server_of_a_deleted_server_is_404_ecs_0114(shared_cloud):
    gone = shared_cloud.ids["server_deleted_id"]
    raises_cloud_error(
        lambda: shared_cloud.clients.ecs.get_server(gone),
        service="ecs",
        status=404,
        code="Ecs.0114",
        message=f"Instance[{gone}] could not be found.",
    )


def test_find_server(shared_cloud):
    ecs, ids = shared_cloud.clients.ecs, shared_cloud.ids
    assert ecs.find_server(ids["server_exists"]).name == "erp-app-01"
    assert ecs.find_server(ids["server_deleted_id"]) is None


def test_list_servers_with_a_name_filter(shared_cloud):
    ecs = shared_cloud.clients.ecs
    assert {s.name for s in ecs.list_servers()} == {"erp-app-01", "erp-db-01", "erp-web-01", "erp-crm-01"}
    assert [s.name for s in ecs.list_servers(name="erp-web")] == ["erp-web-01"]  # a fuzzy match
    assert ecs.list_servers(name="nothing-like-it") == []


def test_list_servers_with_an_invalid_limit_is_ecs_0005(shared_cloud):
    raises_cloud_error(
        lambda: shared_cloud.clients.ecs.list_servers(limit=0),
        service="ecs",
        status=400,
        code="Ecs.0005",
        message="limit",
    )


def test_list_flavors(shared_cloud):
    ecs = shared_cloud.clients.ecs
    flavors = {f.id: f for f in ecs.list_flavors()}
    assert {(f.id, f.vcpus, f.ram_mb) for f in flavors.values()} == {
        ("s3.medium.2", 1, 2048),
        ("s3.large.2", 2, 4096),
        ("s3.xlarge.2", 4, 8192),
    }
    first, second = shared_cloud.emu.profile.availability_zones
    assert flavors["s3.large.2"].raw["os_extra_specs"]["cond:operation:az"] == f"{first}(normal),{second}(normal)"
    assert len(ecs.list_flavors(second)) == 3 and ecs.list_flavors("eu-de-99") == []


def test_list_availability_zones_keeps_those_available(shared_cloud):
    assert shared_cloud.clients.ecs.list_availability_zones() == list(shared_cloud.emu.profile.availability_zones)


def test_evs_lists_the_disk_types_with_their_zones(shared_cloud):
    types = {t.name: t for t in shared_cloud.clients.evs.list_volume_types()}
    assert {"SATA", "SAS", "SSD", "GPSSD", "ESSD"} <= set(types)
    first, second = shared_cloud.emu.profile.availability_zones
    assert types["SSD"].zones == (first, second) and types["SSD"].sold_out == ()
    assert types["SSD"].available_in(second) and not types["SSD"].available_in("eu-de-99")


def test_a_dry_run_create_is_accepted_or_refused_as_the_create_would_be_and_makes_nothing(cloud):
    ecs = cloud.clients.ecs
    before = len(ecs.list_servers())
    ecs.check_create_server(public_spec(cloud))  # 202
    raises_cloud_error(
        lambda: ecs.check_create_server(public_spec(cloud, flavor_id="s9.huge.8")),
        service="ecs",
        status=400,
        code="Ecs.0029",
        message="s9.huge.8",
    )
    assert len(ecs.list_servers()) == before


def test_get_job_of_an_unknown_job_is_404(shared_cloud):
    raises_cloud_error(
        lambda: shared_cloud.clients.ecs.get_job("f" * 32),
        service="ecs",
        status=404,
        code="SIM.0404",
        message="does not exist",
    )


def test_vpc_list_vpcs_and_subnets(shared_cloud):
    vpc, ids = shared_cloud.clients.vpc, shared_cloud.ids
    [network] = vpc.list_vpcs()
    assert (network.id, network.name, network.cidr, network.vpc_id) == (
        ids["vpc_id"],
        "vpc-erp",
        "192.168.0.0/16",
        None,
    )
    [subnet] = vpc.list_subnets(ids["vpc_id"])
    assert (subnet.id, subnet.name, subnet.cidr, subnet.vpc_id, subnet.availability_zone) == (
        ids["subnet_id"],
        "subnet-erp",
        "192.168.1.0/24",
        ids["vpc_id"],
        shared_cloud.emu.profile.availability_zones[0],
    )
    assert [s.id for s in vpc.list_subnets()] == [ids["subnet_id"]]
    assert vpc.list_subnets(MISSING) == []


# ---- create ------------------------------------------------------------------------------------
def test_create_server_from_a_public_image_and_follow_the_job(cloud):
    ecs = cloud.clients.ecs
    second = cloud.emu.profile.availability_zones[1]
    spec = public_spec(
        cloud, name="contract-tmp", availability_zone=second, root_volume_size=50, tags=(("made-by", "ecs-wizard"),)
    )
    job_id, [server_id] = ecs.create_server(spec)
    job = ecs.get_job(job_id)
    assert (job.id, job.status, job.job_type, job.server_ids) == (job_id, "INIT", "createServer", [server_id])
    assert ecs.find_server(server_id) is None  # a 404 while it is being created (creating_ecss.rst)
    cloud.emu.clock.advance(D.SERVER_UNREGISTERED)
    server = ecs.get_server(server_id)
    assert (server.name, server.status, server.availability_zone, server.flavor_id) == (
        "contract-tmp",
        "BUILD",
        second,
        "s3.medium.2",
    )
    assert server.raw["tags"] == ["made-by=ecs-wizard"]
    assert ecs.get_job(job_id).status == "RUNNING"
    cloud.emu.clock.advance(D.SERVER_BUILD_FAST)
    job = ecs.get_job(job_id)
    assert job.finished and job.status == "SUCCESS" and job.entities["sub_jobs_total"] == 1
    assert job.entities["sub_jobs"][0]["job_type"] == "createSingleServer"
    assert ecs.get_server(server_id).status == "ACTIVE"
    assert [s.id for s in ecs.list_servers(name="contract-tmp")] == [server_id]


def test_create_server_from_an_old_format_full_ecs_image_is_ten_times_slower(cloud):
    """The symptom the wizard repairs, seen through our client."""
    ecs = cloud.clients.ecs
    slow_job, [slow_id] = ecs.create_server(public_spec(cloud, name="slow", image_key="image_old_csbs_server_exists"))
    fast_job, [fast_id] = ecs.create_server(public_spec(cloud, name="fast", image_key="image_cbr"))
    cloud.emu.clock.advance(D.SERVER_BUILD_FAST)
    assert ecs.get_job(fast_job).status == "SUCCESS" and ecs.get_job(slow_job).status == "RUNNING"
    cloud.emu.clock.advance(D.SERVER_BUILD_SLOW - D.SERVER_BUILD_FAST)
    assert ecs.get_job(slow_job).status == "SUCCESS"
    # A full-ECS image brings its data disk back: two volumes, like the source server.
    assert len(ecs.get_server(slow_id).volume_ids) == 2 and len(ecs.get_server(fast_id).volume_ids) == 2


def test_create_server_from_a_missing_image_is_ecs_0031(cloud):
    raises_cloud_error(
        lambda: cloud.clients.ecs.create_server(public_spec(cloud, image_id=MISSING)),
        service="ecs",
        status=400,
        code="Ecs.0031",
        message=MISSING,
    )


def test_create_server_from_an_image_not_yet_active_is_ecs_0032(cloud):
    ims, ids = cloud.clients.ims, cloud.ids
    ims.delete_image(ids["image_new_csbs"])
    cloud.emu.clock.advance(D.IMAGE_DELETE)
    job_id = ims.create_whole_image_from_backup(name="still-saving", backup_id=ids["backup_new_csbs"], service="csbs")
    [image] = ims.find_images_by_name("still-saving")
    raises_cloud_error(
        lambda: cloud.clients.ecs.create_server(public_spec(cloud, image_id=image.id)),
        service="ecs",
        status=400,
        code="Ecs.0032",
        message="not active (status queued)",
    )
    cloud.emu.clock.advance(D.IMS_WHOLE_IMAGE)
    assert ims.get_job(job_id).image_id == image.id
    assert cloud.clients.ecs.create_server(public_spec(cloud, image_id=image.id))[0]


def test_create_server_from_a_full_ecs_image_whose_backup_is_gone_is_ecs_0034(cloud):
    raises_cloud_error(
        lambda: cloud.clients.ecs.create_server(public_spec(cloud, image_key="image_backup_deleted")),
        service="ecs",
        status=400,
        code="Ecs.0034",
        message="does not exist or has been deleted",
    )


def test_create_server_with_a_missing_flavor_is_ecs_0029(cloud):
    raises_cloud_error(
        lambda: cloud.clients.ecs.create_server(public_spec(cloud, flavor_id="s9.huge.8")),
        service="ecs",
        status=400,
        code="Ecs.0029",
        message="s9.huge.8",
    )


def test_create_server_beyond_the_server_quota_is_ecs_0001(open_cloud):
    cloud = open_cloud(scenario_params={"server_quota": 3})  # the demo project runs 3 servers
    raises_cloud_error(
        lambda: cloud.clients.ecs.create_server(public_spec(cloud)),
        service="ecs",
        status=400,
        code="Ecs.0001",
        message="quota (3)",
    )
    assert cloud.clients.ecs.list_servers(name="contract-tmp") == []


@pytest.mark.parametrize(
    "change, message",
    [
        ({"subnet_id": MISSING}, f"the subnet {MISSING} does not exist"),
        ({"root_volume_type": "FLOPPY"}, "root_volume.volumetype"),
        ({"availability_zone": "eu-de-99"}, "availability zone eu-de-99"),
        ({"vpc_id": MISSING}, f"the VPC {MISSING} does not exist"),
    ],
)
def test_create_server_with_invalid_parameters_is_ecs_0005(cloud, change, message):
    raises_cloud_error(
        lambda: cloud.clients.ecs.create_server(public_spec(cloud, **change)),
        service="ecs",
        status=400,
        code="Ecs.0005",
        message=message,
    )


@pytest.mark.parametrize(
    "code, message",
    [
        ("Ecs.0013", "Insufficient EIP quota."),
        ("Ecs.0021", "Insufficient EVS disk quota."),
        ("Ecs.0046", "The data disk type does not match."),
        ("Ecs.0048", "The full-ECS image cannot be used: its backup is not available."),
    ],
)
def test_create_server_refusals_the_emulator_does_not_model_come_through_as_injected(cloud, code, message):
    cloud.emu.add_fault(FaultRule(target="ecs.create_server", first=1, status=400, code=code, message=message))
    raises_cloud_error(
        lambda: cloud.clients.ecs.create_server(public_spec(cloud, image_key="image_cbr")),
        service="ecs",
        status=400,
        code=code,
        message=message,
    )
    assert len(cloud.requests("POST", cloud.pid_path("/cloudservers"))) == 1  # a 400 is not retried


# ---- delete ------------------------------------------------------------------------------------
def test_delete_servers_runs_a_job_after_which_the_server_is_gone(cloud):
    ecs, ids = cloud.clients.ecs, cloud.ids
    job_id = ecs.delete_servers([ids["server_exists"]])
    job = ecs.get_job(job_id)
    assert job.job_type == "deleteServer" and job.server_ids == [ids["server_exists"]] and not job.finished
    assert ecs.get_server(ids["server_exists"]).raw["OS-EXT-STS:task_state"] == "deleting"
    cloud.emu.clock.advance(D.SERVER_DELETE)
    assert ecs.get_job(job_id).status == "SUCCESS"
    assert ecs.find_server(ids["server_exists"]) is None
    raises_cloud_error(
        lambda: ecs.get_server(ids["server_exists"]),
        service="ecs",
        status=404,
        code="Ecs.0114",
        message="could not be found",
    )
    # Deleting again is accepted and harmless.
    assert ecs.delete_servers([ids["server_exists"]])


def test_delete_servers_with_no_server_is_ecs_0005(cloud):
    raises_cloud_error(
        lambda: cloud.clients.ecs.delete_servers([]), service="ecs", status=400, code="Ecs.0005", message="1 to 1000"
    )


# ---- the other "server is gone" code ------------------------------------------------------------
def test_ecs_0614_also_means_gone(cloud):
    cloud.emu.add_fault("ecs.get_server:status=404:code=Ecs.0614:message=The ECS does not exist.")
    ecs, server_id = cloud.clients.ecs, cloud.ids["server_exists"]
    raises_cloud_error(
        lambda: ecs.get_server(server_id), service="ecs", status=404, code="Ecs.0614", message="does not exist"
    )
    assert ecs.find_server(server_id) is None


def test_find_server_raises_on_errors_that_do_not_mean_gone(cloud):
    cloud.emu.add_fault("ecs.get_server:status=403:code=Ecs.0403:message=Forbidden.")
    with pytest.raises(CloudError) as info:
        cloud.clients.ecs.find_server(cloud.ids["server_exists"])
    assert (info.value.status, info.value.code, info.value.message) == (403, "Ecs.0403", "Forbidden.")


def test_vpc_errors_use_the_flat_code_message_body(cloud):
    cloud.emu.add_fault("vpc.list_subnets:status=400:code=VPC.0101:message=Invalid vpc_id.")
    raises_cloud_error(
        lambda: cloud.clients.vpc.list_subnets("x"),
        service="vpc",
        status=400,
        code="VPC.0101",
        message="Invalid vpc_id.",
    )
    cloud.emu.add_fault("vpc.list_vpcs:status=403:code=VPC.0403:message=Forbidden.")
    raises_cloud_error(cloud.clients.vpc.list_vpcs, service="vpc", status=403, code="VPC.0403", message="Forbidden.")


# ---- dry run and quotas --------------------------------------------------------------------------
def test_check_create_server_is_a_dry_run_202_that_creates_nothing(cloud):
    """OTC-ECS ``apis_recommended/lifecycle_management/creating_ecss.rst``: ``dry_run`` true checks the
    request, "no instances will be created"; a passing check answers 202, a failing one the error."""
    ecs = cloud.clients.ecs
    before = {s.id for s in ecs.list_servers()}
    assert ecs.check_create_server(public_spec(cloud)) is None
    assert [r[2] for r in cloud.requests("POST", cloud.pid_path("/cloudservers"))] == [202]
    assert {s.id for s in ecs.list_servers()} == before
    raises_cloud_error(
        lambda: ecs.check_create_server(public_spec(cloud, flavor_id="no-such-flavor")),
        service="ecs",
        status=400,
        code="Ecs.0029",
        message="The flavor no-such-flavor does not exist.",
    )
    assert {s.id for s in ecs.list_servers()} == before


def test_get_limits_reads_the_absolute_quotas(cloud):
    """OTC-ECS ``apis_recommended/tenant_quota_management/querying_tenant_quotas.rst``: ``absolute``
    with ``maxTotalInstances``/``totalInstancesUsed`` and the cores and RAM (MB)."""
    limits = cloud.clients.ecs.get_limits()
    assert (limits["maxTotalInstances"], limits["totalInstancesUsed"]) == (20, 4)  # a stopped ECS counts too
    assert limits["totalCoresUsed"] > 0 and limits["maxTotalRAMSize"] >= limits["totalRAMUsed"] > 0
    cloud.clients.ecs.create_server(public_spec(cloud))
    assert cloud.clients.ecs.get_limits()["totalInstancesUsed"] == 5
