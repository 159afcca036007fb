"""The demo's in-process transport (wizard.sim.transport) under the one cloud client: signed calls
answered, answers read in any header case, and a lost answer a transport failure as over a socket."""

from __future__ import annotations

import pytest

from wizard.cloud.auth import AkSkAuth
from wizard.cloud.http import AnswerLost, CloudError, CloudUnreachable, HttpClient
from wizard.cloud.secrets import Secret
from wizard.sim import DEMO, Emulator


def client(emu: Emulator, service: str = "ims") -> HttpClient:
    auth = AkSkAuth(DEMO.ak, Secret(DEMO.sk), project_id=DEMO.project_id)
    return HttpClient(service, DEMO.endpoint, auth=auth, session=emu.transport(), sleep=lambda s: None)


def test_signed_calls_are_answered_and_headers_read_in_any_case():
    emu = Emulator(speed=0)
    answer = client(emu).request("GET", "/v2/cloudimages", params={"limit": 2})
    assert answer.status_code == 200 and len(answer.json()["images"]) <= 2
    assert answer.headers["x-request-id"] == answer.headers["X-Request-Id"]
    assert answer.headers.get("CONTENT-TYPE", "").startswith("application/json")


def test_a_wrong_signature_is_the_gateways_refusal():
    emu = Emulator(speed=0)
    http = client(emu)
    http.auth = AkSkAuth(DEMO.ak, Secret("not-the-secret"), project_id=DEMO.project_id)
    with pytest.raises(CloudError) as info:
        http.get("/v2/cloudimages")
    assert info.value.status == 401 and info.value.code == "APIGW.0301"


def test_a_lost_answer_is_no_answer_a_read_retried_and_a_create_reported_as_possibly_done():
    emu = Emulator(speed=0, faults=["ims.list_images:lost"])
    with pytest.raises(CloudUnreachable) as read:
        client(emu).get("/v2/cloudimages")
    assert read.value.kind == "dropped" and not isinstance(read.value, AnswerLost)
    assert [path for _, path, _ in emu.request_log].count("/v2/cloudimages") == 4  # the client's attempts
    emu = Emulator(speed=0, faults=["ecs.delete_servers:lost"])
    with pytest.raises(AnswerLost):
        client(emu, "ecs").post(
            f"/v1/{DEMO.project_id}/cloudservers/delete", {"servers": [{"id": emu.ids["server_exists"]}]}
        )
    assert [status for _, path, status in emu.request_log if path.endswith("/delete")] == [0]  # sent once, lost


def test_an_unknown_path_and_a_wrong_method_answer_as_the_gateway_does():
    emu = Emulator(speed=0)
    with pytest.raises(CloudError) as unknown:
        client(emu).get("/v9/nothing")
    assert unknown.value.status == 404 and unknown.value.code == "APIGW.0101"
    answer = emu.transport().request("PUT", DEMO.endpoint + "/_sim/clock")
    assert answer.status_code == 405 and answer.headers["Allow"] == "GET, HEAD, POST"
