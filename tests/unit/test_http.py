"""Retries, backoff, Retry-After, no blind repeat of creates, and error parsing."""

import json
import random

import pytest
import requests
from requests.adapters import BaseAdapter

from wizard.cloud.http import AnswerLost, CloudError, CloudUnreachable, HttpClient, RetryPolicy


class ScriptedAdapter(BaseAdapter):
    """Answers each request with the next scripted reply: (status, body, headers) or an exception."""

    def __init__(self, replies):
        super().__init__()
        self.replies = list(replies)
        self.requests = []
        self.settings = []  # each request's proxies, verify, cert, stream and timeout

    def send(self, request, **kwargs):
        self.requests.append(request)
        self.settings.append(kwargs)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        status, body, headers = (reply + ({},))[:3] if len(reply) == 2 else reply
        response = requests.Response()
        response.status_code = status
        response._content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        response.headers.update(headers)
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


def client(replies, **kw):
    adapter = ScriptedAdapter(replies)
    session = requests.Session()
    session.mount("https://", adapter)
    sleeps = []
    http = HttpClient("ims", "https://ims.example", session=session, sleep=sleeps.append, rng=random.Random(1), **kw)
    return http, adapter, sleeps


def test_read_retries_on_5xx_and_429_then_succeeds_with_bounded_backoff():
    http, adapter, sleeps = client([(503, {}), (429, {}), (500, {}), (200, {"images": []})])
    assert http.get("/v2/cloudimages") == {"images": []}
    assert len(adapter.requests) == 4
    policy = RetryPolicy()
    assert len(sleeps) == 3
    for attempt, slept in enumerate(sleeps, start=1):
        assert 0 <= slept <= min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))


def test_read_gives_up_after_max_attempts_with_the_cloud_error():
    http, adapter, _ = client([(503, {"error": {"code": "IMG.0001", "message": "busy"}})] * 4)
    with pytest.raises(CloudError) as info:
        http.get("/v2/cloudimages")
    assert len(adapter.requests) == RetryPolicy().max_attempts
    assert info.value.code == "IMG.0001" and info.value.status == 503


def test_retry_after_is_honoured_and_capped():
    http, _, sleeps = client([(429, {}, {"Retry-After": "7"}), (429, {}, {"Retry-After": "9999"}), (200, {})])
    http.get("/x")
    assert sleeps == [7.0, RetryPolicy().max_retry_after]


def test_connection_errors_are_retried_for_reads():
    http, adapter, _ = client([requests.ConnectionError("reset"), (200, {"ok": 1})])
    assert http.get("/x") == {"ok": 1}
    assert len(adapter.requests) == 2


def test_reads_that_never_answer_raise_cloud_unreachable():
    http, _, _ = client([requests.ConnectionError("reset")] * 4)
    with pytest.raises(CloudUnreachable):
        http.get("/x")


def test_create_is_not_repeated_on_a_lost_answer():
    http, adapter, _ = client([requests.ConnectionError("reset"), (200, {"job_id": "j"})])
    with pytest.raises(AnswerLost):
        http.post("/v1/cloudimages/wholeimages/action", {"name": "n"})
    assert len(adapter.requests) == 1


def test_create_is_not_repeated_on_5xx_but_is_reported_as_possibly_done():
    http, adapter, _ = client([(500, {"error": {"code": "IMG.0000", "message": "internal"}}), (200, {})])
    with pytest.raises(AnswerLost) as info:
        http.post("/v1/cloudimages/wholeimages/action", {"name": "n"})
    assert "IMG.0000" in str(info.value)
    assert len(adapter.requests) == 1


def test_create_is_retried_on_429_because_nothing_happened():
    http, adapter, _ = client([(429, {}), (200, {"job_id": "j"})])
    assert http.post("/v1/cloudimages/wholeimages/action", {"name": "n"}) == {"job_id": "j"}
    assert len(adapter.requests) == 2


def test_create_4xx_is_a_plain_cloud_error():
    http, adapter, _ = client([(400, {"error": {"code": "IMG.0029", "message": "used"}})])
    with pytest.raises(CloudError) as info:
        http.post("/x", {})
    assert info.value.code == "IMG.0029"


@pytest.mark.parametrize(
    "body, code, message",
    [
        ({"error": {"code": "IMG.0020", "message": "backup missing"}}, "IMG.0020", "backup missing"),
        ({"error_code": "BackupService.6200", "error_msg": "not found"}, "BackupService.6200", "not found"),
        ({"errorCode": "X.1", "errorMsg": "camel"}, "X.1", "camel"),
        ({"code": "Ecs.0114", "message": "Instance could not be found."}, "Ecs.0114", "Instance could not be found."),
        ("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", "", "502 Bad Gateway"),
        ("upstream connect error", "", "upstream connect error"),
    ],
)
def test_error_bodies_become_one_cloud_error(body, code, message):
    http, _, _ = client([(404, body, {"X-Request-Id": "req-123"})])
    with pytest.raises(CloudError) as info:
        http.get("/x", ok=(200,), idempotent=False)
    err = info.value
    assert (err.service, err.status, err.code, err.message, err.request_id) == ("ims", 404, code, message, "req-123")
    assert "req-123" in str(err)


def test_401_triggers_one_reauthentication():
    class Auth(requests.auth.AuthBase):
        invalidations = 0

        def __call__(self, r):
            return r

        def invalidate(self):
            Auth.invalidations += 1
            return True

    http, adapter, _ = client(
        [(401, {}), (401, {"error": {"code": "APIGW.0301", "message": "bad token"}})], auth=Auth()
    )
    with pytest.raises(CloudError) as info:
        http.get("/x")
    assert Auth.invalidations == 1 and len(adapter.requests) == 2
    assert info.value.status == 401


def test_call_records_are_kept_with_request_ids():
    records = []
    http, _, _ = client([(200, {}, {"X-Request-Id": "abc"})], on_call=records.append)
    http.get("/x")
    assert records[0].request_id == "abc" and records[0].status == 200 and records[0].attempts == 1


def test_user_agent_names_the_installed_version():
    from importlib.metadata import version

    http, adapter, _ = client([(200, {"images": []})])
    http.get("/v2/cloudimages")
    assert adapter.requests[0].headers["User-Agent"] == f"ecs-wizard/{version('ecs-wizard')}"
