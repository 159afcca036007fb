"""AK/SK signing as the official SDK does it: the header set it signs (Host with the loopback port,
X-Project-Id, Content-Type, User-Agent), and the 401 answers for a wrong SK, an unknown AK and a
stale X-Sdk-Date, as the SDK reports them."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytest.importorskip("huaweicloudsdkcore")
ims = pytest.importorskip("huaweicloudsdkims.v2")
ecs = pytest.importorskip("huaweicloudsdkecs.v2")
cbr = pytest.importorskip("huaweicloudsdkcbr.v1")

from tests.sdk.helpers import call, connect, sdk_error  # noqa: E402

WRONG_SK = "WRONGSK0" * 5  # 40 characters, like a real SK


def test_the_sdk_signs_host_with_port_and_project_and_the_emulator_accepts_it(shared_cloud):
    sdk = connect(shared_cloud.url)
    assert len(call(sdk.ims.list_images, ims.ListImagesRequest(limit=1)).images) == 1
    assert (
        call(sdk.ecs.show_server, ecs.ShowServerRequest(server_id=shared_cloud.ids["server_cbr"])).server.name
        == "erp-db-01"
    )
    assert call(sdk.cbr.list_vault, cbr.ListVaultRequest()).count == 2
    port = urlsplit(shared_cloud.url).port
    assert port and all(url.startswith(f"http://127.0.0.1:{port}/") for _, url, _ in sdk.signed)
    for method, _, headers in sdk.signed:
        assert method == "GET" and {"host", "x-sdk-date", "x-project-id", "content-type"} <= set(headers)
        assert list(headers) == sorted(headers)
    assert [r[2] for r in shared_cloud.requests("GET", "/")[-3:]] == [200, 200, 200]


def test_a_wrong_sk_is_401_apigw_0301_for_every_service(shared_cloud):
    sdk = connect(shared_cloud.url, sk=WRONG_SK)
    calls = [
        lambda: sdk.ims.list_images(ims.ListImagesRequest()),
        lambda: sdk.ecs.list_servers_details(ecs.ListServersDetailsRequest()),
        lambda: sdk.cbr.list_vault(cbr.ListVaultRequest()),
    ]
    for attempt in calls:
        error = sdk_error(attempt)
        assert (error.status_code, error.error_code) == (401, "APIGW.0301")
        assert "signature" in error.error_msg and len(error.request_id) == 32


def test_an_unknown_ak_is_401(shared_cloud):
    sdk = connect(shared_cloud.url, ak="NOSUCHAK0000000000X")
    error = sdk_error(lambda: sdk.ims.list_images(ims.ListImagesRequest()))
    assert (error.status_code, error.error_code) == (401, "APIGW.0301") and "does not exist" in error.error_msg


def test_a_stale_sdk_date_is_401(shared_cloud):
    sdk = connect(shared_cloud.url)
    # ListImagesRequest lets the caller set X-Sdk-Date; the SDK then signs that value.
    error = sdk_error(lambda: sdk.ims.list_images(ims.ListImagesRequest(x_sdk_date="20200101T000000Z")))
    assert (error.status_code, error.error_code) == (401, "APIGW.0301") and "15 minutes" in error.error_msg
    assert call(sdk.ims.list_images, ims.ListImagesRequest(limit=1)).images  # the current time passes
