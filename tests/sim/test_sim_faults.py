"""Fault rules: syntax, first N, probability, lost answers on both transports, failing jobs and
backups, latency, and the admin endpoints."""

import time

import pytest
import requests

from tests.sim.helpers import Api, checkpoint_body, server_body
from wizard.sim import DEMO, BackgroundServer, Emulator, FaultRule, all_operations
from wizard.sim import durations as D

WHOLE = "/v1/cloudimages/wholeimages/action"


def test_parse_the_command_line_syntax():
    rule = FaultRule.parse("ims.create_whole_image:first=1:status=500:code=IMG.0000:message=boom")
    assert (rule.target, rule.first, rule.status, rule.code, rule.message) == (
        "ims.create_whole_image",
        1,
        500,
        "IMG.0000",
        "boom",
    )
    assert FaultRule.parse("ecs.create_server:lost").lost
    assert FaultRule.parse("cbr.backup:prob=0.5:status=503").target == "cbr.create_checkpoint"  # alias
    rule = FaultRule.parse("ims.create_whole_image:job=fail:reason=disk snapshot failed")
    assert (rule.job, rule.reason) == ("fail", "disk snapshot failed")
    assert FaultRule.parse("cbr.create_checkpoint:backup=error").backup == "error"
    assert FaultRule.parse("*.*:latency=0.2").latency == 0.2
    assert "ims.create_whole_image" in all_operations() and "csbs.protect" in all_operations()


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("ims.make_coffee:status=500", "unknown operation"),
        ("foo.bar:status=500", "unknown service"),
        ("ims.create_whole_image", "needs an effect"),
        ("ims.create_whole_image:status=abc", "bad value"),
        ("ims.create_whole_image:colour=red", "unknown key"),
        ("ims.create_whole_image:status=500:lost", "cannot both"),
        ("ims.create_whole_image:prob=2:status=500", "between 0 and 1"),
        ("noservice:status=500", "SERVICE.OPERATION"),
    ],
)
def test_bad_rules_raise_a_clear_value_error(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        FaultRule.parse(text)


def test_first_n_then_normal(api, emu):
    emu.add_fault(FaultRule.parse("ims.list_images:first=2:status=503:code=IMG.0503:message=busy"))
    assert api.err("GET", "/v2/cloudimages") == (503, "IMG.0503", "busy")
    assert api.err("GET", "/v2/cloudimages")[0] == 503
    assert api.get("/v2/cloudimages").status_code == 200
    emu.add_fault(FaultRule(target="cbr.list_vaults", status=500))
    assert api.err("GET", "/v3/{pid}/vaults")[:2] == (500, "BackupService.0000")  # flat CBR body, default code
    emu.clear_faults()
    assert api.get("/v3/{pid}/vaults").status_code == 200


def test_probability_is_repeatable_with_the_seed():
    def run():
        emu = Emulator(speed=0, faults=["cbr.list_vaults:prob=0.5:status=503"])
        api = Api(emu)
        return [api.get("/v3/{pid}/vaults").status_code for _ in range(60)]

    first, second = run(), run()
    assert first == second
    assert 15 < first.count(503) < 45


def test_wildcards_match_every_operation_of_a_service(api, emu):
    emu.add_fault("csbs.*:first=2:status=500")
    assert api.get("/v1/{pid}/checkpoint_items").status_code == 500
    assert api.get(f"/v1/{{pid}}/checkpoint_items/{emu.ids['backup_new_csbs']}").status_code == 500
    assert api.get("/v1/{pid}/checkpoint_items").status_code == 200
    assert api.get("/v2/cloudimages").status_code == 200


def test_lost_answer_in_process_still_performs_the_action(api, emu):
    emu.add_fault("ecs.create_server:first=1:lost")
    with pytest.raises(requests.ConnectionError):
        api.post("/v1/{pid}/cloudservers", server_body(emu, emu.ids["image_public"], "lost-one"))
    assert api.ok("GET", "/v1/{pid}/cloudservers/detail", name="lost-one")["count"] == 1
    assert emu.request_log[-2] == ("POST", "/v1/" + DEMO.project_id + "/cloudservers", 0)


def test_lost_answer_over_http_closes_the_connection(emu):
    emu.add_fault("ims.create_whole_image:first=1:lost")
    with BackgroundServer(emu) as url:
        api = Api(emu, base=url)
        api.ok("DELETE", f"/v2/images/{emu.ids['image_new_csbs']}")
        emu.clock.advance(D.IMAGE_DELETE)  # IMS deletes asynchronously
        with pytest.raises(requests.ConnectionError):
            api.post(WHOLE, {"name": "lost-image", "backup_id": emu.ids["backup_new_csbs"]})
        assert len(api.ok("GET", "/v2/cloudimages", name="lost-image")["images"]) == 1  # it was created
        assert api.get("/v2/cloudimages").status_code == 200  # and the server keeps serving


def test_job_that_fails_with_a_reason(api, emu):
    emu.add_fault("ims.create_whole_image:first=1:job=fail:reason=disk snapshot failed")
    api.ok("DELETE", f"/v2/images/{emu.ids['image_new_csbs']}")
    emu.clock.advance(D.IMAGE_DELETE)  # IMS deletes asynchronously
    job_id = api.ok("POST", WHOLE, {"name": "doomed", "backup_id": emu.ids["backup_new_csbs"]})["job_id"]
    emu.clock.advance(D.JOB_INIT + 1)
    assert api.ok("GET", f"/v1/{{pid}}/jobs/{job_id}")["status"] == "RUNNING"
    emu.clock.advance(D.IMS_WHOLE_IMAGE)
    job = api.ok("GET", f"/v1/{{pid}}/jobs/{job_id}")
    assert job["status"] == "FAIL" and job["fail_reason"] == "disk snapshot failed" and job["error_code"]
    # a failed job leaves its image "killed" (ims_apis/image/querying_images.rst), listed until deleted
    [killed] = api.ok("GET", "/v2/cloudimages", name="doomed")["images"]
    assert killed["status"] == "killed"
    api.ok("DELETE", f"/v2/images/{killed['id']}")
    emu.clock.advance(D.IMAGE_DELETE)
    assert api.ok("GET", "/v2/cloudimages", name="doomed")["images"] == []
    assert api.ok("POST", WHOLE, {"name": "again", "backup_id": emu.ids["backup_new_csbs"]})[
        "job_id"
    ]  # backup is free again


def test_server_create_job_that_fails(api, emu):
    emu.add_fault("ecs.create_server:job=fail:reason=no capacity in eu-de-01")
    data = api.ok("POST", "/v1/{pid}/cloudservers", server_body(emu, emu.ids["image_public"]))
    emu.clock.advance(D.SERVER_BUILD_FAST)
    job = api.ok("GET", f"/v1/{{pid}}/jobs/{data['job_id']}")
    assert job["status"] == "FAIL" and job["entities"]["sub_jobs"][0]["fail_reason"] == "no capacity in eu-de-01"
    assert api.get(f"/v1/{{pid}}/cloudservers/{data['serverIds'][0]}").status_code == 404


def test_backup_that_ends_in_error(api, emu):
    emu.add_fault("cbr.create_checkpoint:first=1:backup=error:reason=volume snapshot timed out")
    cp = api.ok("POST", "/v3/{pid}/checkpoints", checkpoint_body(emu.ids["vault_id"], emu.ids["server_cbr"]))[
        "checkpoint"
    ]
    emu.clock.advance(D.CBR_BACKUP)
    backup = api.ok("GET", "/v3/{pid}/backups", checkpoint_id=cp["id"])["backups"][0]
    assert backup["status"] == "error" and backup["extend_info"]["fail_reason"] == "volume snapshot timed out"
    emu.add_fault("csbs.protect:backup=error:reason=agent offline")
    server = emu.ids["server_exists"]
    cp = api.ok(
        "POST",
        f"/v1/{{pid}}/providers/fc4d5750-22e7-4798-8a46-f48f62c4c1da/resources/{server}/action",
        {"protect": {"backup_name": "b", "incremental": False}},
    )["checkpoint"]
    emu.clock.advance(D.CSBS_BACKUP)
    item = api.ok("GET", "/v1/{pid}/checkpoint_items", checkpoint_id=cp["id"])["checkpoint_items"][0]
    assert item["status"] == "error" and item["extend_info"]["fail_reason"] == "agent offline"


def test_latency_is_real_seconds(api, emu):
    emu.add_fault("*.*:first=1:latency=0.2")
    started = time.perf_counter()
    assert api.get("/v2/cloudimages").status_code == 200
    assert time.perf_counter() - started >= 0.2
    started = time.perf_counter()
    api.get("/v2/cloudimages")
    assert time.perf_counter() - started < 0.2


def test_admin_endpoints_need_no_auth(emu):
    s = emu.session()
    base = DEMO.endpoint
    r = s.post(
        base + "/_sim/faults",
        json={"rules": ["ims.list_images:first=1:status=500", {"target": "ecs.get_server", "status": 503, "first": 1}]},
    )
    assert r.status_code == 201 and len(r.json()["faults"]) == 2
    assert Api(emu).get("/v2/cloudimages").status_code == 500
    assert s.delete(base + "/_sim/faults").status_code == 204
    assert s.get(base + "/_sim/faults").json() == {"faults": []}
    assert s.post(base + "/_sim/faults", json={"rules": ["ims.nothing:status=500"]}).status_code == 400
    before = emu.clock.now()
    r = s.post(base + "/_sim/clock", json={"advance": 90})
    assert r.status_code == 200 and r.json()["now"] == pytest.approx(before + 90)
    state = s.get(base + "/_sim/state").json()
    assert emu.ids["image_cbr"] in state["images"] and emu.ids["server_exists"] in state["servers"]
    assert state["speed"] == 0


def test_job_and_backup_failures_need_an_operation_that_starts_one():
    with pytest.raises(ValueError, match="starts a job"):
        FaultRule.parse("ims.list_images:job=fail")
    with pytest.raises(ValueError, match="starts a backup"):
        FaultRule.parse("ims.create_whole_image:backup=error")
    assert FaultRule.parse("*.*:job=fail").job == "fail"


def test_retry_after_header_on_an_injected_throttle(api, emu):
    emu.add_fault("ims.list_images:first=1:status=429:code=APIGW.0308:message=throttled:retry_after=2.5")
    r = api.get("/v2/cloudimages")
    assert r.status_code == 429 and r.headers["Retry-After"] == "2.5"
    assert r.json()["error"] == {"code": "APIGW.0308", "message": "throttled"}
    r = api.get("/v2/cloudimages")
    assert r.status_code == 200 and "Retry-After" not in r.headers
    assert FaultRule.parse("cbr.list_vaults:status=429:retry_after=0").to_dict()["retry_after"] == 0.0
    with pytest.raises(ValueError, match="retry_after"):
        FaultRule.parse("ims.list_images:latency=0.1:retry_after=2")
