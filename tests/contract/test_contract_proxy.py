"""The real cloud's transport over loopback honours the proxy environment as requests does, though it
reads it once per endpoint (wizard.cloud.endpoint_session): HTTP_PROXY sends the call to the proxy,
NO_PROXY covering the endpoint sends it straight there. Two emulators stand in for the proxy and the cloud."""

import pytest

from wizard.cloud.errors import CloudError
from wizard.cloud.http import HttpClient
from wizard.sim import BackgroundServer, Emulator


@pytest.mark.parametrize("bypass", [False, True])
def test_the_call_goes_through_the_environments_proxy_unless_no_proxy_covers_the_endpoint(monkeypatch, bypass):
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    proxy, cloud = Emulator(speed=0), Emulator(speed=0)
    with BackgroundServer(proxy) as proxy_url, BackgroundServer(cloud) as cloud_url:
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        if bypass:
            monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        http = HttpClient("ims", cloud_url)  # unsigned: the emulator that gets the call answers 401
        for _ in range(2):
            with pytest.raises(CloudError) as refused:
                http.get("/v2/cloudimages")
            assert refused.value.status == 401
    reached, passed_by = (cloud, proxy) if bypass else (proxy, cloud)
    assert [entry[:2] for entry in reached.request_log] == [("GET", "/v2/cloudimages")] * 2
    assert passed_by.request_log == []
