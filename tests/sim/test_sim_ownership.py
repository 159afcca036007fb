"""What lets a client own what it makes: tags stored and filtered where the real API filters by tag,
the deletes a sweep needs, and the faults that make ownership hard (``late``, ``visible_after``,
delete jobs that fail). Each filter cites the document it follows."""

import pytest
import requests

from tests.sim.helpers import CSBS_PROVIDER, Api, checkpoint_body, protect_body, server_body, vault_body
from wizard.sim import Emulator, FaultRule
from wizard.sim import durations as D

MARK = {"key": "ecs-wizard-run", "value": "run1"}


def tagged_server(api, emu, name="marked", tags=(MARK,)):
    body = server_body(emu, emu.ids["image_public"], name, server_tags=list(tags))
    return api.ok("POST", "/v1/{pid}/cloudservers", body)["serverIds"][0]


def test_ecs_list_filters_by_tags_as_key_equals_value(api, emu):
    """OTC-ECS ``apis_recommended/lifecycle_management/querying_details_about_ecss.rst``: ``tags`` query."""
    marked = tagged_server(api, emu)
    tagged_server(api, emu, "other", [{"key": "ecs-wizard-run", "value": "run2"}])
    found = api.ok("GET", "/v1/{pid}/cloudservers/detail", tags="ecs-wizard-run=run1")
    assert [s["id"] for s in found["servers"]] == [marked]
    assert found["servers"][0]["tags"] == ["ecs-wizard-run=run1"]


def test_ecs_create_accepts_otc_tags_strings(api, emu):
    """OTC-ECS ``creating_ecss.rst`` defines ``tags`` as "key.value" strings (reference section 10, 9g)."""
    body = server_body(emu, emu.ids["image_public"], "otc-style", tags=["ecs-wizard-run.run1"])
    server_id = api.ok("POST", "/v1/{pid}/cloudservers", body)["serverIds"][0]
    emu.clock.advance(D.SERVER_UNREGISTERED)
    assert api.ok("GET", f"/v1/{{pid}}/cloudservers/{server_id}")["server"]["tags"] == ["ecs-wizard-run=run1"]


def fresh_csbs_backup(api, emu) -> str:
    path = f"/v1/{{pid}}/providers/{CSBS_PROVIDER}/resources/{emu.ids['server_exists']}/action"
    checkpoint = api.ok("POST", path, protect_body())["checkpoint"]
    emu.clock.advance(D.CSBS_BACKUP + 1)
    return api.ok("GET", "/v1/{pid}/checkpoint_items", checkpoint_id=checkpoint["id"])["checkpoint_items"][0]["id"]


def test_ims_list_filters_by_tag(api, emu):
    """OTC-IMS ``ims_apis/image/querying_images.rst``: ``tag=key=value`` also finds older "key.value" tags."""
    body = {"name": "tagged", "backup_id": fresh_csbs_backup(api, emu), "image_tags": [MARK]}
    api.ok("POST", "/v1/cloudimages/wholeimages/action", body)
    found = api.ok("GET", "/v2/cloudimages", tag="ecs-wizard-run=run1")["images"]
    assert [i["name"] for i in found] == ["tagged"]
    assert api.ok("GET", "/v2/cloudimages", tag="ecs-wizard-run=other")["images"] == []


def test_cbr_vaults_by_tag_through_resource_instances(api, emu):
    """OTC-CBR ``cbr_apis/tags/querying_vault_resources.rst``: the vault list has no tag filter; the
    ``resource_instances/action`` call does (``resource_detail`` is an array of vaults)."""
    body = vault_body("marked-vault", 100, [])
    body["vault"]["tags"] = [MARK]
    vault = api.ok("POST", "/v3/{pid}/vaults", body)["vault"]
    api.ok("POST", "/v3/{pid}/vaults", vault_body("unmarked-vault", 100, []))
    assert vault["tags"] == [MARK]
    query = {"action": "filter", "tags": [{"key": "ecs-wizard-run", "values": ["run1"]}]}
    found = api.ok("POST", "/v3/{pid}/vault/resource_instances/action", query)
    assert found["total_count"] == 1
    assert found["resources"][0]["resource_id"] == vault["id"]
    assert found["resources"][0]["resource_detail"][0]["name"] == "marked-vault"
    assert api.ok("POST", "/v3/{pid}/vault/resource_instances/action", {**query, "action": "count"}) == {
        "total_count": 1
    }
    assert api.err("POST", "/v3/{pid}/vault/resource_instances/action", {"tags": []})[0] == 400


def test_csbs_backups_by_tag_through_resource_instances(api, emu):
    """OTC-CSBS ``tag_management/querying_backup_resources_by_tag.rst``."""
    body = protect_body()
    body["protect"]["tags"] = [MARK]
    api.ok("POST", f"/v1/{{pid}}/providers/{CSBS_PROVIDER}/resources/{emu.ids['server_exists']}/action", body)
    query = {"action": "filter", "tags": [{"key": "ecs-wizard-run", "values": ["run1"]}]}
    found = api.ok("POST", "/v1/{pid}/csbs_backup/resource_instances/action", query)
    assert found["total_count"] == 1 and found["resources"][0]["tags"] == [MARK]
    assert found["resources"][0]["resource_detail"]["resource_id"] == emu.ids["server_exists"]


def test_deletes_of_vaults_and_backups(api, emu):
    """OTC-CBR ``vaults/deleting_a_vault.rst`` and ``backups/deleting_a_backup.rst`` (204); OTC-CSBS
    ``backup_management/deleting_a_backup.rst`` (200). A backup an image was made from is kept."""
    server = emu.ids["server_exists"]
    vault = api.ok("POST", "/v3/{pid}/vaults", vault_body("v", 200, [server]))["vault"]
    api.ok("POST", "/v3/{pid}/checkpoints", checkpoint_body(vault["id"], server))
    emu.clock.advance(D.CBR_BACKUP + 1)
    backup = api.ok("GET", "/v3/{pid}/backups", vault_id=vault["id"])["backups"][0]
    assert api.call("DELETE", f"/v3/{{pid}}/backups/{backup['id']}").status_code == 204
    assert api.err("GET", f"/v3/{{pid}}/backups/{backup['id']}")[:2] == (404, "BackupService.6200")
    api.ok("POST", "/v3/{pid}/checkpoints", checkpoint_body(vault["id"], server))
    assert api.call("DELETE", f"/v3/{{pid}}/vaults/{vault['id']}").status_code == 204
    assert api.ok("GET", "/v3/{pid}/backups", vault_id=vault["id"])["count"] == 0
    assert api.err("GET", f"/v3/{{pid}}/vaults/{vault['id']}")[:2] == (404, "BackupService.6105")

    checkpoint = api.ok("POST", f"/v1/{{pid}}/providers/{CSBS_PROVIDER}/resources/{server}/action", protect_body())[
        "checkpoint"
    ]
    emu.clock.advance(D.CSBS_BACKUP + 1)
    item = api.ok("GET", "/v1/{pid}/checkpoint_items", checkpoint_id=checkpoint["id"])["checkpoint_items"][0]
    api.ok("POST", "/v1/cloudimages/wholeimages/action", {"name": "from-it", "backup_id": item["id"]})
    path = f"/v1/{{pid}}/providers/{CSBS_PROVIDER}/checkpoints/{checkpoint['id']}"
    assert api.err("DELETE", path)[:2] == (400, "CSBS.8007")
    emu.clock.advance(D.IMS_WHOLE_IMAGE + 1)
    image = api.ok("GET", "/v2/cloudimages", name="from-it")["images"][0]
    assert api.call("DELETE", f"/v2/images/{image['id']}").status_code == 204
    emu.clock.advance(D.IMAGE_DELETE)  # IMS deletes asynchronously
    assert api.call("DELETE", path).status_code == 200
    assert api.err("GET", f"/v1/{{pid}}/checkpoint_items/{item['id']}")[:2] == (404, "CSBS.3001")


def test_late_performs_the_action_later_and_loses_the_answer(api, emu):
    emu.add_fault("cbr.create_vault:first=1:late=45")
    with pytest.raises(requests.ConnectionError):
        api.post("/v3/{pid}/vaults", vault_body("late-vault", 100, []))
    assert api.ok("GET", "/v3/{pid}/vaults", name="late-vault")["count"] == 0
    emu.clock.advance(44)
    assert api.ok("GET", "/v3/{pid}/vaults", name="late-vault")["count"] == 0
    emu.clock.advance(1)
    vaults = api.ok("GET", "/v3/{pid}/vaults", name="late-vault")["vaults"]
    assert len(vaults) == 1


def test_a_late_action_starts_at_its_own_time(api, emu):
    """A backup performed late started when it was due, not when someone next looked."""
    server = emu.ids["server_exists"]
    vault = api.ok("POST", "/v3/{pid}/vaults", vault_body("v", 200, [server]))["vault"]
    emu.add_fault("cbr.create_checkpoint:first=1:late=10")
    with pytest.raises(requests.ConnectionError):
        api.post("/v3/{pid}/checkpoints", checkpoint_body(vault["id"], server))
    emu.clock.advance(10 + D.CBR_BACKUP)
    backups = api.ok("GET", "/v3/{pid}/backups", vault_id=vault["id"])["backups"]
    assert [b["status"] for b in backups] == ["available"]


def test_visible_after_hides_the_new_resource_from_lists_only(api, emu):
    emu.add_fault("ecs.create_server:first=1:visible_after=60")
    server_id = tagged_server(api, emu, "slow-to-list")
    emu.clock.advance(D.SERVER_UNREGISTERED)
    assert api.ok("GET", "/v1/{pid}/cloudservers/detail", name="slow-to-list")["count"] == 0
    assert api.ok("GET", f"/v1/{{pid}}/cloudservers/{server_id}")["server"]["id"] == server_id
    emu.clock.advance(60)
    assert api.ok("GET", "/v1/{pid}/cloudservers/detail", name="slow-to-list")["count"] == 1


def test_a_failed_delete_job_leaves_the_server(api, emu):
    server_id = tagged_server(api, emu)
    emu.clock.advance(D.SERVER_BUILD_FAST + 1)
    emu.add_fault("ecs.delete_servers:first=1:job=fail:reason=locked")
    job = api.ok("POST", "/v1/{pid}/cloudservers/delete", {"servers": [{"id": server_id}]})["job_id"]
    emu.clock.advance(D.SERVER_DELETE + 1)
    assert api.ok("GET", f"/v1/{{pid}}/jobs/{job}")["status"] == "FAIL"
    assert api.ok("GET", f"/v1/{{pid}}/cloudservers/{server_id}")["server"]["status"] == "ACTIVE"


def test_state_counts_resources_by_tag(api, emu):
    tagged_server(api, emu)
    body = vault_body("marked", 100, [])
    body["vault"]["tags"] = [MARK]
    api.ok("POST", "/v3/{pid}/vaults", body)
    counts = api.ok("GET", "/_sim/state")["tags"]
    assert counts["ecs-wizard-run=run1"] == {"servers": 1, "vaults": 1}


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("ims.list_images:late=5", "late= needs"),
        ("ecs.get_server:visible_after=5", "visible_after= needs"),
        ("cbr.create_vault:late=5:lost", "late already"),
        ("cbr.create_vault:late=-1", ">= 0"),
    ],
)
def test_bad_ownership_fault_rules(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        FaultRule.parse(text)


def test_late_actions_survive_the_demo_snapshot(tmp_path):
    from wizard.sim import snapshot

    emu = Emulator(scenario="demo", speed=0)
    api = Api(emu)
    emu.add_fault("cbr.create_vault:first=1:late=30")
    with pytest.raises(requests.ConnectionError):
        api.post("/v3/{pid}/vaults", vault_body("kept-late", 100, []))
    again = snapshot.loads(snapshot.dumps(emu), speed=0)
    again.clock.advance(30)
    assert Api(again).ok("GET", "/v3/{pid}/vaults", name="kept-late")["count"] == 1
