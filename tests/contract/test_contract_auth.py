"""Authentication over loopback: AK/SK signing from the Huawei SDK variables, and IAM password tokens
(issue, reuse, renewal after the emulator says the token expired, and the failures)."""

from __future__ import annotations

import socket

import pytest

from tests.contract.conftest import AKSK_ENV, PASSWORD_ENV, clients_from_env, cloud_env, settings_from_env
from tests.contract.helpers import new_cbr_backup, raises_cloud_error
from tests.contract.proxy import rewriting_proxy
from wizard.cloud import CloudError, CloudUnreachable, Secret
from wizard.cloud.auth import AkSkAuth, PasswordAuth
from wizard.cloud.client import build_clients
from wizard.sim import DEMO
from wizard.sim import durations as D

TOKENS = "/v3/auth/tokens"


def test_aksk_settings_come_from_the_sdk_variables_and_the_endpoint_variable(shared_cloud):
    settings = settings_from_env(shared_cloud.url, AKSK_ENV)
    assert settings.cloud == "hwc" and settings.project_id == DEMO.project_id
    assert settings.credentials.kind == "aksk" and settings.credentials.ak == DEMO.ak
    assert settings.credentials.sk.reveal() == DEMO.sk
    assert set(settings.endpoints.values()) == {shared_cloud.url}
    assert settings.sources["endpoint.ims"] == "ECS_WIZARD_ENDPOINT"
    assert settings.sources["credentials"] == "HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK"
    clients = build_clients(settings, settings.require_credentials(), sleep=shared_cloud.sleeps.append)
    assert isinstance(clients.ims.http.auth, AkSkAuth) and clients.project_id == DEMO.project_id
    # Every service signs with the same AK/SK and reaches the emulator.
    assert clients.ims.get_image(shared_cloud.ids["image_cbr"]).name == "erp-db-full-2023"
    assert clients.ecs.get_server(shared_cloud.ids["server_exists"]).name == "erp-app-01"
    assert clients.cbr.get_vault(shared_cloud.ids["vault_id"]).name == "vault-erp-db"
    assert clients.csbs.get_checkpoint_item(shared_cloud.ids["backup_new_csbs"]).resource_name == "erp-web-01"
    assert clients.vpc.list_vpcs()[0].id == shared_cloud.ids["vpc_id"]
    assert [c.status for c in clients.calls] == [200] * 5


def test_aksk_with_a_wrong_secret_key_is_refused_once_without_retry(cloud):
    clients = cloud.connect({**AKSK_ENV, "HUAWEICLOUD_SDK_SK": "WRONG" + DEMO.sk[5:]})
    error = raises_cloud_error(
        lambda: clients.ims.get_image(cloud.ids["image_cbr"]),
        service="ims",
        status=401,
        code="APIGW.0301",
        message="Incorrect IAM authentication information",
    )
    assert DEMO.sk[5:] not in str(error) and DEMO.sk[5:] not in repr(error)
    assert len(cloud.requests("GET", "/v2/cloudimages")) == 1  # AK/SK has nothing to refresh: no second try
    assert cloud.sleeps == []


def test_aksk_with_an_unknown_access_key_is_refused(cloud):
    clients = cloud.connect({**AKSK_ENV, "HUAWEICLOUD_SDK_AK": "NOSUCHAK0000000000"})
    raises_cloud_error(
        lambda: clients.cbr.list_vaults(), service="cbr", status=401, code="APIGW.0301", message="Incorrect IAM"
    )


def test_aksk_temporary_credentials_send_and_sign_the_security_token(cloud):
    clients = cloud.connect({**AKSK_ENV, "HUAWEICLOUD_SDK_SECURITY_TOKEN": "temporary-session-token-123"})
    sent = []
    clients.ecs.http.session.hooks["response"].append(lambda r, *a, **k: sent.append(r.request.headers))
    assert clients.ecs.get_server(cloud.ids["server_cbr"]).name == "erp-db-01"
    headers = sent[0]
    assert headers["X-Security-Token"] == "temporary-session-token-123"
    assert headers["X-Project-Id"] == DEMO.project_id
    assert "x-security-token" in headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")


def test_password_settings_build_token_clients_and_resolve_the_project_from_the_token(cloud):
    settings = settings_from_env(cloud.url, cloud_env(cloud.emu, cloud.url, PASSWORD_ENV))
    assert settings.cloud == "otc" and settings.credentials.kind == "password"
    assert settings.project_id is None and settings.project_name == cloud.emu.profile.region
    clients = build_clients(settings, settings.require_credentials(), sleep=cloud.sleeps.append)
    auth = clients.ims.http.auth
    assert isinstance(auth, PasswordAuth) and auth.user == DEMO.user and auth.domain == DEMO.domain
    assert clients.project_id == DEMO.project_id  # from token.project.id
    assert len(cloud.requests("POST", TOKENS)) == 1
    # One cached token serves every service.
    assert clients.ims.get_image(cloud.ids["image_cbr"]).status == "active"
    assert clients.cbr.get_backup(cloud.ids["backup_cbr"]).status == "available"
    assert clients.csbs.get_checkpoint_item(cloud.ids["backup_new_csbs"]).support_lld is True
    assert clients.ecs.get_server(cloud.ids["server_exists"]).status == "ACTIVE"
    assert [s.id for s in clients.vpc.list_subnets()] == [cloud.ids["subnet_id"]]
    assert len(cloud.requests("POST", TOKENS)) == 1
    token = auth.token()
    assert token.value.reveal().startswith("MIIsim") and token.project_id == DEMO.project_id
    assert token.expires_at == pytest.approx(cloud.emu.clock.now() + D.TOKEN_LIFETIME, abs=1)


def test_password_expired_token_is_renewed_once_after_a_401(cloud):
    clients = cloud.connect(PASSWORD_ENV)
    assert clients.ims.image_exists(cloud.ids["image_cbr"])
    first = clients.ims.http.auth.token().value
    cloud.emu.clock.advance(D.TOKEN_LIFETIME + 60)  # the emulator now refuses the cached token
    before = len(cloud.emu.request_log)
    image = clients.ims.get_image(cloud.ids["image_new_csbs"])
    assert image.name == "erp-web-full-2023"
    statuses = [status for _, path, status in cloud.emu.request_log[before:] if path == "/v2/cloudimages"]
    assert statuses == [401, 200]
    assert len(cloud.requests("POST", TOKENS)) == 2
    assert clients.ims.http.auth.token().value != first
    assert cloud.sleeps == []  # a renewal is not a retry: no back-off
    assert clients.calls[-1].status == 200 and clients.calls[-1].attempts == 2


def test_password_a_second_401_after_renewal_is_an_error_not_a_loop(cloud):
    clients = cloud.connect(PASSWORD_ENV)
    cloud.emu.add_fault("cbr.list_vaults:status=401:code=APIGW.0307:message=the token has expired")
    raises_cloud_error(
        clients.cbr.list_vaults, service="cbr", status=401, code="APIGW.0307", message="the token has expired"
    )
    assert [s for *_, s in cloud.requests("GET", f"/v3/{DEMO.project_id}/vaults")] == [401, 401]
    assert len(cloud.requests("POST", TOKENS)) == 2  # build_clients' token, then exactly one renewal


def test_password_token_is_refreshed_before_expiry_on_the_emulator_clock(cloud):
    auth = PasswordAuth(
        cloud.url,
        DEMO.user,
        Secret(DEMO.password),
        DEMO.domain,
        project_name=cloud.emu.profile.region,
        wall_clock=cloud.emu.clock.now,
    )
    first = auth.token()
    assert auth.token() is first
    cloud.emu.clock.advance(D.TOKEN_LIFETIME - auth.refresh_margin + 1)  # inside the refresh margin
    second = auth.token()
    assert second.value != first.value and second.expires_at > first.expires_at
    assert len(cloud.requests("POST", TOKENS)) == 2
    assert auth.resolved_project_id() == DEMO.project_id


def test_password_wrong_password_is_an_iam_error_that_never_shows_the_password(cloud):
    secret = "not-the-demo-password"
    with pytest.raises(CloudError) as info:
        cloud.connect({**PASSWORD_ENV, "OS_PASSWORD": secret})  # no project id: build_clients asks IAM at once
    error = info.value
    assert (error.service, error.status, error.code) == ("iam", 401, "401")
    assert error.message == "The username or password is wrong."
    assert secret not in repr(error) and secret not in str(error)


def test_password_wrong_domain_and_wrong_project_are_refused(cloud):
    with pytest.raises(CloudError) as info:
        cloud.connect({**PASSWORD_ENV, "OS_USER_DOMAIN_NAME": "other-domain"})
    assert (info.value.status, info.value.message) == (401, "The username or password is wrong.")
    # With a project id the token is only asked for on the first call.
    clients = cloud.connect({**PASSWORD_ENV, "OS_PROJECT_ID": "0" * 32})
    with pytest.raises(CloudError) as info:
        clients.ims.get_image(cloud.ids["image_cbr"])
    assert (info.value.service, info.value.status) == ("iam", 401)
    assert "project" in info.value.message


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_nobody_listening_is_cloud_unreachable_for_both_auth_kinds():
    url = _closed_port_url()
    with pytest.raises(CloudUnreachable) as info:
        clients_from_env(url, PASSWORD_ENV, sleep=lambda s: None)
    assert info.value.service == "iam"
    sleeps = []
    clients = clients_from_env(url, AKSK_ENV, sleep=sleeps.append)
    with pytest.raises(CloudUnreachable) as info:
        clients.ims.get_image("anything")
    assert info.value.service == "ims" and len(sleeps) == 3  # retried: a read is safe to repeat


def test_aksk_signatures_survive_a_proxy_that_rewrites_connection_and_accept_encoding(cloud):
    """The signer signs what the official SDK signer signs (content-type;host;user-agent;x-project-id;
    x-sdk-date, huaweicloud/huaweicloud-sdk-python-v3 huaweicloudsdkcore/signer/signer.py), so a proxy
    that rewrites hop-by-hop headers does not turn every call into 401 APIGW.0301 (reference §10 item 2)."""
    with rewriting_proxy(cloud.url) as (url, forwarded):
        clients = clients_from_env(url, AKSK_ENV, sleep=cloud.sleeps.append)
        image = clients.ims.get_image(cloud.ids["image_cbr"])
        job = clients.ims.create_whole_image_from_backup(
            name="via-proxy", backup_id=new_cbr_backup(cloud).id, service="cbr"
        )
    assert image.name == "erp-db-full-2023" and len(job) == 32
    assert forwarded and all(h["Connection"] == "close" and h["Accept-Encoding"] == "identity" for h in forwarded)
    signed = {h["Authorization"].split("SignedHeaders=")[1].split(",")[0] for h in forwarded}
    assert signed == {"content-type;host;user-agent;x-project-id;x-sdk-date"}
