"""Business rules answer with the cloud's error codes and body formats."""

import pytest

from tests.sim.helpers import Api, checkpoint_body, server_body, vault_body
from wizard.sim import DEMO, Emulator
from wizard.sim import durations as D

WHOLE = "/v1/cloudimages/wholeimages/action"


def test_one_image_per_backup(api, emu):
    assert api.err("POST", WHOLE, {"name": "x", "backup_id": emu.ids["backup_cbr"], "whole_image_type": "CBR"}) == (
        400,
        "IMG.0029",
        "An image has already been created from this backup (one backup, one full-ECS image).",
    )


def test_whole_image_type_must_match_the_backup_service(api, emu):
    assert api.err(
        "POST", WHOLE, {"name": "x", "backup_id": emu.ids["backup_old_csbs_server_exists"], "whole_image_type": "CBR"}
    )[:2] == (400, "IMG.0198")
    assert api.err("POST", WHOLE, {"name": "x", "backup_id": emu.ids["backup_cbr"]})[:2] == (400, "IMG.0198")
    assert api.err("POST", WHOLE, {"name": "x", "backup_id": "nope", "whole_image_type": "CBR"})[:2] == (
        400,
        "IMG.0020",
    )
    assert api.err("POST", WHOLE, {"name": "x", "backup_id": "nope"})[:2] == (400, "IMG.0127")
    assert api.err("POST", WHOLE, {"name": "x", "instance_id": emu.ids["server_exists"]})[:2] == (400, "IMG.0001")


def test_backup_must_be_available(api, emu):
    server = emu.ids["server_cbr"]
    cp = api.ok("POST", "/v3/{pid}/checkpoints", checkpoint_body(emu.ids["vault_id"], server))["checkpoint"]
    backup = api.ok("GET", "/v3/{pid}/backups", checkpoint_id=cp["id"])["backups"][0]["id"]
    assert api.err("POST", WHOLE, {"name": "x", "backup_id": backup, "whole_image_type": "CBR"})[:2] == (
        400,
        "IMG.0032",
    )
    item = api.ok(
        "POST",
        f"/v1/{{pid}}/providers/fc4d5750-22e7-4798-8a46-f48f62c4c1da/resources/{server}/action",
        {"protect": {"backup_name": "b", "incremental": False}},
    )["checkpoint"]
    csbs = api.ok("GET", "/v1/{pid}/checkpoint_items", checkpoint_id=item["id"])["checkpoint_items"][0]["id"]
    assert api.err("POST", WHOLE, {"name": "x", "backup_id": csbs})[:2] == (400, "IMG.0132")
    emu.clock.advance(D.CSBS_BACKUP)
    assert api.ok("POST", WHOLE, {"name": "x", "backup_id": csbs})["job_id"]


def test_private_image_quota():
    emu = Emulator(speed=0, scenario_params={"image_quota": 7})  # the demo holds exactly 7 private images
    api = Api(emu)
    server = emu.ids["server_new_csbs"]
    item = api.ok(
        "POST",
        f"/v1/{{pid}}/providers/fc4d5750-22e7-4798-8a46-f48f62c4c1da/resources/{server}/action",
        {"protect": {"backup_name": "b", "incremental": False}},
    )["checkpoint"]
    emu.clock.advance(D.CSBS_BACKUP)
    fresh = api.ok("GET", "/v1/{pid}/checkpoint_items", checkpoint_id=item["id"])["checkpoint_items"][0]["id"]
    assert api.err("POST", WHOLE, {"name": "w", "backup_id": fresh})[:2] == (400, "IMG.0015")
    api.ok("DELETE", f"/v2/images/{emu.ids['image_system_disk']}")  # frees one
    emu.clock.advance(D.IMAGE_DELETE)  # IMS deletes asynchronously
    assert api.ok("POST", WHOLE, {"name": "w", "backup_id": fresh})["job_id"]


@pytest.mark.parametrize(
    "key, over, code",
    [
        ("image_public", {"imageRef": "no-such-image"}, "Ecs.0031"),
        ("image_backup_deleted", {}, "Ecs.0034"),
        ("image_public", {"flavorRef": "x9.huge"}, "Ecs.0029"),
        ("image_public", {"vpcid": "no-such-vpc"}, "Ecs.0005"),
        ("image_public", {"nics": [{"subnet_id": "no-such-subnet"}]}, "Ecs.0005"),
        ("image_public", {"root_volume": {"volumetype": "FLOPPY"}}, "Ecs.0005"),
        ("image_public", {"availability_zone": "eu-de-99"}, "Ecs.0005"),
    ],
)
def test_server_create_validations(api, emu, key, over, code):
    status, got, message = api.err("POST", "/v1/{pid}/cloudservers", server_body(emu, emu.ids[key], **over))
    assert (status, got) == (400, code), message


def test_server_from_an_image_that_is_not_active_yet(api, emu):
    api.ok("DELETE", f"/v2/images/{emu.ids['image_new_csbs']}")
    emu.clock.advance(D.IMAGE_DELETE)  # IMS deletes asynchronously
    job = api.ok("POST", WHOLE, {"name": "n", "backup_id": emu.ids["backup_new_csbs"]})["job_id"]
    image = api.ok("GET", "/v2/cloudimages", name="n")["images"][0]
    assert api.err("POST", "/v1/{pid}/cloudservers", server_body(emu, image["id"]))[:2] == (400, "Ecs.0032")
    assert job


def test_server_quota():
    emu = Emulator(speed=0, scenario_params={"server_quota": 5})  # the demo has 4 servers
    api = Api(emu)
    api.ok("POST", "/v1/{pid}/cloudservers", server_body(emu, emu.ids["image_public"]))
    assert api.err("POST", "/v1/{pid}/cloudservers", server_body(emu, emu.ids["image_public"]))[:2] == (400, "Ecs.0001")


def test_server_can_be_in_only_one_vault(api, emu):
    assert api.err("POST", "/v3/{pid}/vaults", vault_body("other", 200, [emu.ids["server_cbr"]]))[:2] == (
        400,
        "BackupService.6103",
    )
    vault = api.ok("POST", "/v3/{pid}/vaults", vault_body("other", 200, []))["vault"]["id"]
    body = {"resources": [{"id": emu.ids["server_cbr"], "type": "OS::Nova::Server"}]}
    assert api.err("POST", f"/v3/{{pid}}/vaults/{vault}/addresources", body)[:2] == (400, "BackupService.6103")
    # adding a server to the vault that already holds it changes nothing
    assert api.ok("POST", f"/v3/{{pid}}/vaults/{emu.ids['vault_id']}/addresources", body) == {"add_resource_ids": []}


def test_vault_capacity(api, emu):
    assert api.err("POST", "/v3/{pid}/vaults", vault_body("tiny", 5, []))[:2] == (400, "BackupService.6101")
    assert api.err("POST", "/v3/{pid}/vaults", vault_body("small", 100, [emu.ids["server_exists"]]))[:2] == (
        400,
        "BackupService.6114",
    )
    vault = api.ok("POST", "/v3/{pid}/vaults", vault_body("small", 100, []))["vault"]["id"]
    body = {"resources": [{"id": emu.ids["server_exists"], "type": "OS::Nova::Server"}]}
    assert api.err("POST", f"/v3/{{pid}}/vaults/{vault}/addresources", body)[:2] == (400, "BackupService.6114")


def test_not_found_bodies(api, emu):
    missing = "00000000-0000-4000-8000-000000000000"
    r = api.get(f"/v1/{{pid}}/cloudservers/{missing}")
    assert r.status_code == 404 and r.json() == {
        "error": {"message": f"Instance[{missing}] could not be found.", "code": "Ecs.0114"}
    }
    assert api.err("GET", f"/v3/{{pid}}/vaults/{missing}")[:2] == (404, "BackupService.6105")
    assert api.err("GET", f"/v3/{{pid}}/backups/{missing}")[:2] == (404, "BackupService.6200")
    assert api.err("GET", f"/v1/{{pid}}/checkpoint_items/{missing}")[:2] == (404, "CSBS.3001")
    assert api.err("GET", f"/v2/images/{missing}")[:2] == (400, "IMG.0027")  # every IMG code is a 400
    assert api.err("GET", f"/v1/{{pid}}/jobs/{missing}")[:2] == (404, "SIM.0404")


def test_body_formats_per_service(api, emu):
    assert set(api.get("/v3/{pid}/backups/x").json()) == {"error_code", "error_msg"}
    assert set(api.get("/v1/{pid}/checkpoint_items/x").json()) == {"error_code", "error_msg"}
    assert set(api.get("/v2/images/x").json()) == {"error"}
    assert set(api.get("/v1/{pid}/cloudservers/x").json()) == {"error"}


def test_unknown_path_and_wrong_method(api):
    r = api.get("/v9/nothing/here")
    assert r.status_code == 404 and r.json()["error_code"] == "APIGW.0101" and r.headers["X-Request-Id"]
    r = api.call("PUT", "/v2/cloudimages")
    assert r.status_code == 405 and "GET" in r.headers["Allow"] and r.json()["error_msg"]


def test_every_response_has_a_request_id_and_the_log_records_it(api, emu):
    for path in (
        "/v2/cloudimages",
        "/v3/{pid}/vaults",
        "/v1/{pid}/checkpoint_items",
        "/v1/{pid}/cloudservers/detail",
        "/nope",
    ):
        assert api.get(path).headers["X-Request-Id"]
    assert [entry[2] for entry in emu.request_log] == [200, 200, 200, 200, 404]
    assert emu.request_log[0][:2] == ("GET", "/v2/cloudimages")


def test_image_list_filters_sorting_and_delete(api, emu):
    ids = [
        i["id"]
        for i in api.ok("GET", "/v2/cloudimages", __imagetype="private", sort_key="name", sort_dir="asc")["images"]
    ]
    names = [api.ok("GET", f"/v2/images/{i}")["name"] for i in ids]
    assert names == sorted(names)
    assert [i["id"] for i in api.ok("GET", "/v2/cloudimages", id=emu.ids["image_cbr"])["images"]] == [
        emu.ids["image_cbr"]
    ]
    assert all(i["owner"] == DEMO.project_id for i in api.ok("GET", "/v2/cloudimages", owner=DEMO.project_id)["images"])
    assert len(api.ok("GET", "/v2/cloudimages", __whole_image="false")["images"]) == 2  # system-disk + public
    r = api.call("DELETE", f"/v2/images/{emu.ids['image_cbr']}", {"delete_backup": True})
    assert r.status_code == 204 and not r.content
    emu.clock.advance(D.IMAGE_DELETE)
    assert api.err("GET", f"/v2/images/{emu.ids['image_cbr']}")[:2] == (400, "IMG.0027")
    assert api.err("GET", f"/v3/{{pid}}/backups/{emu.ids['backup_cbr']}")[0] == 404
