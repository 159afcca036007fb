"""The real cloud's transport reads the proxy and CA bundle environment once per endpoint
(wizard.cloud.endpoint_session), and honours it as requests does: HTTPS_PROXY, NO_PROXY,
REQUESTS_CA_BUNDLE, TLS verification on by default and off only when asked (--insecure)."""

from concurrent.futures import ThreadPoolExecutor

import pytest

import wizard.cloud.endpoint_session as endpoint_session
from tests.unit.test_http import ScriptedAdapter
from wizard.cloud.http import HttpClient, requests_session

PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def cloud_client(calls, endpoint="https://ims.example", session=None, **kw):
    """An HttpClient on the real transport, whose network end answers 200 ``calls`` times."""
    session = session or requests_session()
    adapter = ScriptedAdapter([(200, {})] * calls)
    session.mount("https://", adapter)
    return HttpClient("ims", endpoint, session=session, **kw), adapter


def test_https_proxy_from_the_environment_is_used(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    http, adapter = cloud_client(1)
    http.get("/v2/cloudimages")
    assert adapter.settings[0]["proxies"]["https"] == "http://proxy.example:3128"


@pytest.mark.parametrize("no_proxy", ["ims.example", ".example", "*", "other.example,ims.example"])
def test_no_proxy_covering_the_endpoint_bypasses_the_proxy(monkeypatch, no_proxy):
    monkeypatch.setenv("https_proxy", "http://proxy.example:3128")
    monkeypatch.setenv("no_proxy", no_proxy)
    http, adapter = cloud_client(1)
    http.get("/v2/cloudimages")
    assert "https" not in adapter.settings[0]["proxies"]


def test_no_proxy_for_another_host_keeps_the_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "other.example")
    http, adapter = cloud_client(1)
    http.get("/v2/cloudimages")
    assert adapter.settings[0]["proxies"]["https"] == "http://proxy.example:3128"


def test_tls_is_verified_by_default_against_the_environments_ca_bundle_when_one_is_named(monkeypatch):
    http, adapter = cloud_client(1)
    http.get("/v2/cloudimages")
    assert adapter.settings[0]["verify"] is True
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/corp/ca.pem")
    http, adapter = cloud_client(1)
    http.get("/v2/cloudimages")
    assert adapter.settings[0]["verify"] == "/etc/corp/ca.pem"
    insecure, adapter = cloud_client(1, verify=False)  # --insecure: a CA bundle does not turn it back on
    insecure.get("/v2/cloudimages")
    assert adapter.settings[0]["verify"] is False


def test_the_environment_is_read_once_per_endpoint(monkeypatch):
    looked_up = []

    def counting(url, no_proxy=None):
        looked_up.append(url)
        return {"https": "http://proxy.example:3128"}

    monkeypatch.setattr(endpoint_session, "get_environ_proxies", counting)
    http, adapter = cloud_client(12)
    for n in range(4):
        http.get(f"/v2/images/image-{n}", params={"limit": n})
    with ThreadPoolExecutor(4) as pool:  # a scan's threads share the session
        list(pool.map(lambda n: http.get(f"/v2/images/other-{n}"), range(4)))
    other = HttpClient("ims", "https://ims.example:8443", session=http.session)  # another endpoint (its port)
    for n in range(4):
        other.get(f"/v2/images/image-{n}")
    assert looked_up == ["https://ims.example/v2/images/image-0?limit=0", "https://ims.example:8443/v2/images/image-0"]
    assert http.session.environment_lookups == 2
    assert len(adapter.settings) == 12
    assert all(sent["proxies"]["https"] == "http://proxy.example:3128" for sent in adapter.settings)
