"""The AK/SK signer reproduces the reference's four test vectors exactly (cloud-api.md §5.2)."""

import hashlib
from datetime import UTC

import requests

from wizard.cloud.auth import EMPTY_BODY_SHA256, AkSkAuth, encode_query, sign
from wizard.cloud.secrets import Secret

AK = "TESTAK0123456789"
SK = "TESTSK0123456789abcdefghijklmnopqrstuvw"
DATE = "20240102T030405Z"
PID = "0123456789abcdef0123456789abcdef"


def test_v1_image_list_with_query():
    url = "https://ims.eu-de.otc.t-systems.com/v2/cloudimages?__imagetype=private&__whole_image=true&limit=10"
    headers = {
        "Content-Type": "application/json",
        "X-Project-Id": PID,
        "X-Sdk-Date": DATE,
        "Host": "ims.eu-de.otc.t-systems.com",
    }
    parts = sign("GET", url, headers, b"", AK, SK)
    assert parts.canonical_request.split("\n")[1] == "/v2/cloudimages/"
    assert parts.signed_headers == "content-type;host;x-project-id;x-sdk-date"
    assert (
        hashlib.sha256(parts.canonical_request.encode()).hexdigest()
        == "099ca6f01fa70b334b65f84d418379e73f48fc5ae48b5aad91d451edb69af5b2"
    )
    assert parts.signature == "affdce255a8cac8124147a0853f2b8b40651b602831997eed0ea4178fcabaf7f"


def test_v2_create_whole_image_body():
    url = "https://ims.eu-de.otc.t-systems.com/v1/cloudimages/wholeimages/action"
    body = b'{"name":"fast-img","backup_id":"9b27efab-4a17-4c06-bfa2-3e0cf021d3c3","whole_image_type":"CBR"}'
    headers = {
        "Content-Type": "application/json;charset=UTF-8",
        "X-Project-Id": PID,
        "X-Sdk-Date": DATE,
        "Host": "ims.eu-de.otc.t-systems.com",
    }
    parts = sign("POST", url, headers, body, AK, Secret(SK))
    assert parts.canonical_request.endswith("681b2ebba12c0f7013fd15547cebb2672d8841d05370cb83fa94395d906c8cda")
    assert parts.signature == "7f571c09bbbd061d07fc9f432dd2326692e420ef78fef35b5a299c65fe391ca5"


def test_v3_minimal_headers():
    url = f"https://ecs.eu-de.otc.t-systems.com/v1/{PID}/cloudservers/6b1c4e7a-0000-4000-8000-000000000001"
    parts = sign("GET", url, {"X-Sdk-Date": DATE, "Host": "ecs.eu-de.otc.t-systems.com"}, None, AK, SK)
    assert parts.signed_headers == "host;x-sdk-date"
    assert parts.canonical_request.endswith(EMPTY_BODY_SHA256)
    assert parts.signature == "47bb4f29776f8fa1a0e098768177de1c0b491de3b0839410386723c7d8310c30"


def test_v4_query_encoding_and_repeated_values():
    query = encode_query(
        {
            "resource_id": "6b1c4e7a-0000-4000-8000-000000000001",
            "status": ["error", "available"],
            "name": "my backup",
            "start_time": "2024-01-01T00:00:00Z",
        }
    )
    assert query == (
        "name=my%20backup&resource_id=6b1c4e7a-0000-4000-8000-000000000001"
        "&start_time=2024-01-01T00%3A00%3A00Z&status=available&status=error"
    )
    url = f"https://cbr.eu-de.otc.t-systems.com/v3/{PID}/backups?{query}"
    headers = {"Content-Type": "application/json", "X-Sdk-Date": DATE, "Host": "cbr.eu-de.otc.t-systems.com"}
    parts = sign("GET", url, headers, b"", AK, SK)
    assert parts.signed_headers == "content-type;host;x-sdk-date"
    assert parts.signature == "898070e0ce4c1f2033aeeb79bea28b7f75c4890daa2b4bff703c98c22af78f7e"


def test_auth_hook_signs_a_prepared_request_like_vector_3():
    from datetime import datetime

    auth = AkSkAuth(AK, Secret(SK), clock=lambda: datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))
    req = requests.Request(
        "GET", f"https://ecs.eu-de.otc.t-systems.com/v1/{PID}/cloudservers/6b1c4e7a-0000-4000-8000-000000000001"
    ).prepare()
    req.headers.clear()
    signed = auth(req)
    assert signed.headers["Authorization"] == (
        "SDK-HMAC-SHA256 Access=TESTAK0123456789, SignedHeaders=host;x-sdk-date, "
        "Signature=47bb4f29776f8fa1a0e098768177de1c0b491de3b0839410386723c7d8310c30"
    )


def test_security_token_and_project_id_are_signed():
    auth = AkSkAuth(AK, Secret(SK), project_id=PID, security_token=Secret("TEMPTOKENVALUE"))
    req = requests.Request("GET", "https://ims.eu-de.otc.t-systems.com/v2/cloudimages").prepare()
    signed = auth(req)
    assert "x-security-token" in signed.headers["Authorization"]
    assert "x-project-id" in signed.headers["Authorization"]
    assert "TEMPTOKENVALUE" not in repr(auth)
    assert SK not in repr(auth)


def test_only_the_headers_the_official_signer_signs_are_signed():
    """huaweicloud/huaweicloud-sdk-python-v3 huaweicloudsdkcore/signer/signer.py signs the SDK's own
    headers (Content-Type, Host, User-Agent, X-Project-Id, X-Sdk-Date, X-Security-Token), not the ones
    requests adds (Accept, Accept-Encoding, Connection, Content-Length), which a proxy may rewrite."""
    auth = AkSkAuth(AK, Secret(SK), project_id=PID, security_token=Secret("TEMPTOKENVALUE"))
    session = requests.Session()
    req = session.prepare_request(
        requests.Request(
            "POST",
            "https://ims.eu-de.otc.t-systems.com/v1/cloudimages/wholeimages/action",
            data=b"{}",
            headers={"Content-Type": "application/json", "User-Agent": "ecs-wizard/test", "Accept": "application/json"},
        )
    )
    assert {"Accept-Encoding", "Connection", "Content-Length"} <= set(req.headers)
    signed = auth(req).headers["Authorization"].split("SignedHeaders=")[1].split(",")[0]
    assert signed == "content-type;host;user-agent;x-project-id;x-sdk-date;x-security-token"
