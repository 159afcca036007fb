"""AK/SK verification: the reference's four vectors are accepted, tampering and skew are refused."""

import calendar
import time

import pytest
import requests

from tests.sim.helpers import Api, Signer, signature_for
from wizard.sim import DEMO, Emulator, InProcessAdapter

AK, SK = "TESTAK0123456789", "TESTSK0123456789abcdefghijklmnopqrstuvw"
PID = "0123456789abcdef0123456789abcdef"
DATE = "20240102T030405Z"
SIGNED_AT = calendar.timegm(time.strptime(DATE, "%Y%m%dT%H%M%SZ"))
SERVER = "6b1c4e7a-0000-4000-8000-000000000001"
V2_BODY = b'{"name":"fast-img","backup_id":"9b27efab-4a17-4c06-bfa2-3e0cf021d3c3","whole_image_type":"CBR"}'

VECTORS = [
    (
        "V1",
        "GET",
        "https://ims.eu-de.otc.t-systems.com/v2/cloudimages?__imagetype=private&__whole_image=true&limit=10",
        {"Content-Type": "application/json", "X-Project-Id": PID},
        b"",
        "content-type;host;x-project-id;x-sdk-date",
        "affdce255a8cac8124147a0853f2b8b40651b602831997eed0ea4178fcabaf7f",
        200,
    ),
    (
        "V2",
        "POST",
        "https://ims.eu-de.otc.t-systems.com/v1/cloudimages/wholeimages/action",
        {"Content-Type": "application/json;charset=UTF-8", "X-Project-Id": PID},
        V2_BODY,
        "content-type;host;x-project-id;x-sdk-date",
        "7f571c09bbbd061d07fc9f432dd2326692e420ef78fef35b5a299c65fe391ca5",
        400,
    ),  # authenticated; that backup does not exist
    (
        "V3",
        "GET",
        f"https://ecs.eu-de.otc.t-systems.com/v1/{PID}/cloudservers/{SERVER}",
        {},
        b"",
        "host;x-sdk-date",
        "47bb4f29776f8fa1a0e098768177de1c0b491de3b0839410386723c7d8310c30",
        404,
    ),  # authenticated; another project
    (
        "V4",
        "GET",
        f"https://cbr.eu-de.otc.t-systems.com/v3/{PID}/backups?name=my%20backup&resource_id={SERVER}"
        "&start_time=2024-01-01T00%3A00%3A00Z&status=available&status=error",
        {"Content-Type": "application/json"},
        b"",
        "content-type;host;x-sdk-date",
        "898070e0ce4c1f2033aeeb79bea28b7f75c4890daa2b4bff703c98c22af78f7e",
        404,
    ),
]


def vector_session(wall_offset: float = 0.0):
    emu = Emulator(speed=0, credentials={AK: SK}, wall_clock=lambda: SIGNED_AT + wall_offset)
    s = requests.Session()
    for host in ("ims", "ecs", "cbr"):
        s.mount(f"https://{host}.eu-de.otc.t-systems.com", InProcessAdapter(emu.app))
    return emu, s


def send(s, method, url, headers, body, signed, signature):
    host = url.split("/")[2]
    h = {
        **headers,
        "Host": host,
        "X-Sdk-Date": DATE,
        "Authorization": f"SDK-HMAC-SHA256 Access={AK}, SignedHeaders={signed}, Signature={signature}",
    }
    req = requests.Request(method, url, headers=h, data=body or None).prepare()
    return s.send(req)


@pytest.mark.parametrize(
    "name, method, url, headers, body, signed, signature, status", VECTORS, ids=[v[0] for v in VECTORS]
)
def test_reference_vectors_are_accepted(name, method, url, headers, body, signed, signature, status):
    # The test's own signer reproduces the reference signature ...
    low = {**headers, "Host": url.split("/")[2], "X-Sdk-Date": DATE}
    assert signature_for(method, url, low, body, SK, signed.split(";")) == signature
    # ... and the emulator accepts the request carrying it.
    _, s = vector_session()
    r = send(s, method, url, headers, body, signed, signature)
    assert r.status_code == status, r.text
    assert r.headers["X-Request-Id"]


@pytest.mark.parametrize("tamper", ["signature", "query", "body", "header"])
def test_tampered_vector_is_refused(tamper):
    name, method, url, headers, body, signed, signature, _ = VECTORS[1] if tamper == "body" else VECTORS[0]
    if tamper == "signature":
        signature = ("0" if signature[0] != "0" else "1") + signature[1:]
    elif tamper == "query":
        url = url.replace("limit=10", "limit=11")
    elif tamper == "body":
        body = body.replace(b"fast-img", b"slow-img")
    else:
        headers = {**headers, "X-Project-Id": "f" * 32}
    _, s = vector_session()
    r = send(s, method, url, headers, body, signed, signature)
    assert r.status_code == 401
    assert r.json()["error_code"] == "APIGW.0301"


@pytest.mark.parametrize("offset, status", [(14 * 60, 200), (-14 * 60, 200), (16 * 60, 401), (-16 * 60, 401)])
def test_sdk_date_must_be_within_15_minutes_of_real_time(offset, status):
    _, s = vector_session(wall_offset=offset)
    r = send(s, *VECTORS[0][1:7])
    assert r.status_code == status
    if status == 401:
        assert "15 minutes" in r.json()["error_msg"]


def test_skew_is_checked_against_wall_time_not_virtual_time():
    emu = Emulator(speed=0)
    emu.clock.advance(7 * 24 * 3600)  # a week of virtual time does not matter
    assert Api(emu).get("/v2/cloudimages").status_code == 200
    assert Api(emu, auth=Signer(skew=20 * 60)).get("/v2/cloudimages").status_code == 401


def test_unknown_ak_and_wrong_sk_are_refused(emu):
    r = Api(emu, auth=Signer(ak="NOSUCHAK0000")).get("/v2/cloudimages")
    assert r.status_code == 401 and "does not exist" in r.json()["error_msg"]
    r = Api(emu, auth=Signer(sk="x" * 40)).get("/v2/cloudimages")
    assert r.status_code == 401 and "signature" in r.json()["error_msg"]


def test_any_signed_header_set_with_host_and_date_is_accepted(emu):
    assert Api(emu, auth=Signer(only=["host", "x-sdk-date"])).get("/v2/cloudimages").status_code == 200
    assert Api(emu).get("/v2/cloudimages", __imagetype="private").status_code == 200  # every header signed
    assert Api(emu, auth=Signer(only=["x-sdk-date"])).get("/v2/cloudimages").status_code == 401  # host missing


def test_unauthenticated_request_is_refused(emu):
    r = emu.session().get(DEMO.endpoint + "/v2/cloudimages")
    assert r.status_code == 401 and r.json()["error_code"].startswith("APIGW.")


def test_signed_post_body_and_unsigned_payload(emu, api):
    r = api.post(
        "/v3/{pid}/vaults",
        {
            "vault": {
                "name": "v",
                "resources": [],
                "billing": {
                    "consistent_level": "crash_consistent",
                    "object_type": "server",
                    "protect_type": "backup",
                    "size": 10,
                },
            }
        },
    )
    assert r.status_code == 200, r.text
