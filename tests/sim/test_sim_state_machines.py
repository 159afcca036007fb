"""Asynchronous state computed from the virtual clock (speed 0 + advance)."""

from tests.sim.helpers import CSBS_PROVIDER, checkpoint_body, protect_body, server_body, vault_body
from wizard.sim import durations as D


def create_server(api, emu, image, name="tmp"):
    data = api.ok("POST", "/v1/{pid}/cloudservers", server_body(emu, image, name))
    return data["job_id"], data["serverIds"][0]


def test_server_build_then_active_with_job_and_details(api, emu):
    job_id, server_id = create_server(api, emu, emu.ids["image_new_csbs"])
    job = api.ok("GET", f"/v1/{{pid}}/jobs/{job_id}")
    assert job["status"] == "INIT" and job["job_type"] == "createServer"
    # "if the system returns a 404 error, the ECS is being created" (ECS creating_ecss.rst)
    assert api.err("GET", f"/v1/{{pid}}/cloudservers/{server_id}")[:2] == (404, "Ecs.0114")
    emu.clock.advance(D.SERVER_UNREGISTERED)
    assert api.ok("GET", f"/v1/{{pid}}/cloudservers/{server_id}")["server"]["status"] == "BUILD"
    assert api.ok("GET", f"/v1/{{pid}}/jobs/{job_id}")["status"] == "RUNNING"
    emu.clock.advance(D.SERVER_BUILD_FAST)
    job = api.ok("GET", f"/v1/{{pid}}/jobs/{job_id}")
    assert job["status"] == "SUCCESS" and job["end_time"]
    assert job["entities"]["sub_jobs"][0]["entities"]["server_id"] == server_id
    assert job["entities"]["sub_jobs"][0]["job_type"] == "createSingleServer"
    server = api.ok("GET", f"/v1/{{pid}}/cloudservers/{server_id}")["server"]
    assert server["status"] == "ACTIVE" and server["name"] == "tmp"
    assert (
        server["flavor"]["id"] == emu.ids["flavor_medium"]
        and server["flavor"]["vcpus"] == "2"
        and server["flavor"]["ram"] == "4096"
    )
    assert server["image"]["id"] == emu.ids["image_new_csbs"] and server["metadata"]["vpc_id"] == emu.ids["vpc_id"]
    assert server["OS-EXT-AZ:availability_zone"] == "eu-de-01"
    assert len(server["os-extended-volumes:volumes_attached"]) == 2  # full-ECS image restores the data disk
    assert server["created"].endswith("Z")
    listed = api.ok("GET", "/v1/{pid}/cloudservers/detail", name="tmp")
    assert listed["count"] == 1 and listed["servers"][0]["id"] == server_id


def test_server_from_old_format_image_builds_ten_times_slower(api, emu):
    _, fast = create_server(api, emu, emu.ids["image_cbr"], "fast")
    _, slow = create_server(api, emu, emu.ids["image_old_csbs_server_deleted"], "slow")
    emu.clock.advance(D.SERVER_BUILD_FAST)
    assert api.ok("GET", f"/v1/{{pid}}/cloudservers/{fast}")["server"]["status"] == "ACTIVE"
    assert api.ok("GET", f"/v1/{{pid}}/cloudservers/{slow}")["server"]["status"] == "BUILD"
    emu.clock.advance(D.SERVER_BUILD_SLOW - D.SERVER_BUILD_FAST)
    assert api.ok("GET", f"/v1/{{pid}}/cloudservers/{slow}")["server"]["status"] == "ACTIVE"
    assert D.SERVER_BUILD_SLOW >= 10 * D.SERVER_BUILD_FAST


def test_server_delete_removes_it_and_its_vault_membership(api, emu):
    server = emu.ids["server_cbr"]
    vault = emu.ids["vault_id"]
    job_id = api.ok("POST", "/v1/{pid}/cloudservers/delete", {"servers": [{"id": server}], "delete_volume": True})[
        "job_id"
    ]
    assert api.ok("GET", f"/v1/{{pid}}/jobs/{job_id}")["job_type"] == "deleteServer"
    emu.clock.advance(D.SERVER_DELETE)
    assert api.ok("GET", f"/v1/{{pid}}/jobs/{job_id}")["status"] == "SUCCESS"
    assert api.err("GET", f"/v1/{{pid}}/cloudservers/{server}")[:2] == (404, "Ecs.0114")
    assert api.ok("GET", f"/v3/{{pid}}/vaults/{vault}")["vault"]["resources"] == []
    assert (
        api.ok("GET", f"/v3/{{pid}}/backups/{emu.ids['backup_cbr']}")["backup"]["status"] == "available"
    )  # backups stay


def test_cbr_vault_backup_and_whole_image(api, emu):
    server = emu.ids["server_exists"]
    vault = api.ok("POST", "/v3/{pid}/vaults", vault_body("v1", 140, []))["vault"]
    assert api.ok(
        "POST",
        f"/v3/{{pid}}/vaults/{vault['id']}/addresources",
        {"resources": [{"id": server, "type": "OS::Nova::Server"}]},
    )["add_resource_ids"] == [server]
    assert api.ok("GET", "/v3/{pid}/vaults", resource_ids=server)["vaults"][0]["id"] == vault["id"]
    checkpoint = api.ok("POST", "/v3/{pid}/checkpoints", checkpoint_body(vault["id"], server))["checkpoint"]
    assert checkpoint["status"] == "protecting" and checkpoint["vault"]["resources"][0]["id"] == server
    backups = api.ok("GET", "/v3/{pid}/backups", checkpoint_id=checkpoint["id"])["backups"]
    assert len(backups) == 1
    backup_id = backups[0]["id"]
    assert backups[0]["status"] == "waiting_protect" and "progress" not in backups[0]["extend_info"]
    [task] = api.ok("GET", "/v3/{pid}/operation-logs", operation_type="backup", resource_id=server)["operation_logs"]
    assert task["extra_info"]["backup"]["backup_id"] == backup_id and task["checkpoint_id"] == checkpoint["id"]
    assert (task["status"], task["extra_info"]["common"]["progress"], task["ended_at"]) == ("waiting", 0, "")
    emu.clock.advance(D.CBR_BACKUP / 2)
    backup = api.ok("GET", f"/v3/{{pid}}/backups/{backup_id}")["backup"]
    assert backup["status"] == "protecting"
    assert (
        api.ok("GET", f"/v3/{{pid}}/operation-logs/{task['id']}")["operation_log"]["extra_info"]["common"]["progress"]
        == 50
    )
    emu.clock.advance(D.CBR_BACKUP / 2)
    backup = api.ok("GET", f"/v3/{{pid}}/backups/{backup_id}")["backup"]
    assert backup["status"] == "available" and backup["extend_info"]["support_lld"] is True
    assert backup["resource_id"] == server and {c["resource_size"] for c in backup["children"]} == {40, 100}
    assert api.ok("GET", "/v3/{pid}/backups", status=["error", "available"], vault_id=vault["id"])["count"] == 1
    assert api.ok("GET", f"/v3/{{pid}}/vaults/{vault['id']}")["vault"]["billing"]["used"] > 0

    job_id = api.ok(
        "POST",
        "/v1/cloudimages/wholeimages/action",
        {"name": "fast", "backup_id": backup_id, "whole_image_type": "CBR"},
    )["job_id"]
    seen_job, seen_image = [], []
    for _ in range(40):
        job = api.ok("GET", f"/v1/{{pid}}/jobs/{job_id}")
        seen_job.append(job["status"])
        images = api.ok("GET", "/v2/cloudimages", name="fast")["images"]
        if images:
            seen_image.append(images[0]["status"])
        emu.clock.advance(D.IMS_WHOLE_IMAGE / 30)
    assert seen_job[0] == "INIT" and "RUNNING" in seen_job and seen_job[-1] == "SUCCESS"
    assert seen_image[0] == "queued" and "saving" in seen_image and seen_image[-1] == "active"
    image_id = api.ok("GET", f"/v1/{{pid}}/jobs/{job_id}")["entities"]["image_id"]
    [image] = api.ok("GET", "/v2/cloudimages", id=image_id)["images"]
    assert image["__whole_image"] == "true" and image["__backup_id"] == backup_id and image["__lazyloading"] == "true"
    assert image["status"] == "active" and image["created_at"].endswith("Z")
    assert api.ok("GET", f"/v3/{{pid}}/backups/{backup_id}")["backup"]["extend_info"]["os_images_data"] == [
        {"image_id": image_id}
    ]


def protect(api, server, incremental):
    return api.ok(
        "POST", f"/v1/{{pid}}/providers/{CSBS_PROVIDER}/resources/{server}/action", protect_body(incremental)
    )["checkpoint"]


def item_of(api, checkpoint):
    items = api.ok("GET", "/v1/{pid}/checkpoint_items", checkpoint_id=checkpoint["id"])["checkpoint_items"]
    assert len(items) == 1
    return items[0]


def test_csbs_backup_progress_and_format(api, emu):
    server = emu.ids["server_exists"]  # its backup chain is old-format
    protectable = api.ok(
        "POST",
        f"/v1/{{pid}}/providers/{CSBS_PROVIDER}/resources/action",
        {"check_protectable": [{"resource_id": server, "resource_type": "OS::Nova::Server"}]},
    )
    assert protectable["protectable"][0]["result"] is True
    full = item_of(api, protect(api, server, incremental=False))
    assert full["status"] == "waiting_protect" and full["extend_info"]["progress"] == 0  # first in the queue
    emu.clock.advance(D.BACKUP_WAITING)
    assert api.ok("GET", f"/v1/{{pid}}/checkpoint_items/{full['id']}")["checkpoint_item"]["status"] == "protecting"
    emu.clock.advance(D.CSBS_BACKUP)
    full = api.ok("GET", f"/v1/{{pid}}/checkpoint_items/{full['id']}")["checkpoint_item"]
    assert full["status"] == "available" and full["extend_info"]["progress"] == 100
    assert full["extend_info"]["support_lld"] is True  # a full backup is new-format
    assert full["backup_data"]["vcpus"] == 2 and full["backup_data"]["ram"] == 4096
    assert full["extend_info"]["resource_az"] == "eu-de-01" and len(full["extend_info"]["volume_backups"]) == 2


def test_incremental_csbs_backup_keeps_the_old_format(api, emu):
    inc = item_of(api, protect(api, emu.ids["server_exists"], incremental=True))
    assert inc["extend_info"]["support_lld"] is False and inc["extend_info"]["incremental"] is True


def test_first_backup_of_a_never_backed_up_server_is_new_format(api, emu):
    _, server = create_server(api, emu, emu.ids["image_cbr"], "fresh")
    emu.clock.advance(D.SERVER_BUILD_FAST)
    first = item_of(api, protect(api, server, incremental=True))
    assert first["extend_info"]["support_lld"] is True and first["extend_info"]["incremental"] is False
    emu.clock.advance(D.CSBS_BACKUP)
    second = item_of(api, protect(api, server, incremental=True))
    assert second["extend_info"]["support_lld"] is True and second["extend_info"]["incremental"] is True


def test_seeded_old_csbs_backups_lack_or_deny_lazy_loading(api, emu):
    a = api.ok("GET", f"/v1/{{pid}}/checkpoint_items/{emu.ids['backup_old_csbs_server_exists']}")["checkpoint_item"]
    b = api.ok("GET", f"/v1/{{pid}}/checkpoint_items/{emu.ids['backup_old_csbs_server_deleted']}")["checkpoint_item"]
    assert a["extend_info"]["support_lld"] is False and "support_lld" not in b["extend_info"]
    assert b["resource_id"] == emu.ids["server_deleted_id"]
    assert (
        b["backup_data"]["vcpus"] == 4
        and b["backup_data"]["ram"] == 8192
        and b["extend_info"]["resource_az"] == "eu-de-02"
    )
    assert api.err("GET", f"/v1/{{pid}}/cloudservers/{emu.ids['server_deleted_id']}")[:2] == (404, "Ecs.0114")


def test_demo_images_are_what_their_keys_say(api, emu):
    def img(key):
        [image] = api.ok("GET", "/v2/cloudimages", id=emu.ids[key])["images"]
        return image

    assert img("image_old_csbs_server_exists")["name"] == "erp-app-full-2019"
    for key in (
        "image_old_csbs_server_exists",
        "image_old_csbs_server_deleted",
        "image_cbr",
        "image_new_csbs",
        "image_backup_deleted",
    ):
        assert img(key)["__whole_image"] == "true" and img(key)["__backup_id"]
    assert img("image_system_disk").get("__whole_image") != "true"
    assert (
        api.ok("GET", f"/v3/{{pid}}/backups/{img('image_cbr')['__backup_id']}")["backup"]["extend_info"]["support_lld"]
        is True
    )
    assert api.err("GET", f"/v1/{{pid}}/checkpoint_items/{img('image_backup_deleted')['__backup_id']}")[:2] == (
        404,
        "CSBS.3001",
    )
    assert api.err("GET", f"/v3/{{pid}}/backups/{img('image_backup_deleted')['__backup_id']}")[:2] == (
        404,
        "BackupService.6200",
    )
    whole = api.ok("GET", "/v2/cloudimages", __imagetype="private", __whole_image="True")["images"]
    assert len(whole) == 6
    assert len(api.ok("GET", "/v1/{pid}/cloudservers/flavors")["flavors"]) == 3
    vpcs = api.ok("GET", "/v1/{pid}/vpcs")["vpcs"]
    assert [v["id"] for v in vpcs] == [emu.ids["vpc_id"]]
    subnets = api.ok("GET", "/v1/{pid}/subnets", vpc_id=emu.ids["vpc_id"])["subnets"]
    assert [s["id"] for s in subnets] == [emu.ids["subnet_id"]] and subnets[0]["vpc_id"] == emu.ids["vpc_id"]
