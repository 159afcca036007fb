"""An SK, password or token never appears in str, repr, logs or error text."""

import json
import logging

import pytest
import requests
from requests.adapters import BaseAdapter

from wizard.cloud.auth import AkSkAuth, PasswordAuth
from wizard.cloud.http import CloudError, HttpClient
from wizard.cloud.secrets import Secret
from wizard.config import resolve

SK = "SUPER-SECRET-SK-0123456789"
PASSWORD = "hunter2-but-longer"
TOKEN = "MIIToken-abcdef-very-secret"


class Echo(BaseAdapter):
    """A careless server that echoes whatever it got into an error message."""

    def __init__(self, status=400, token_reply=False):
        super().__init__()
        self.status, self.token_reply = status, token_reply

    def send(self, request, **kw):
        r = requests.Response()
        r.request, r.url = request, request.url
        if self.token_reply:
            r.status_code = 201
            r.headers["X-Subject-Token"] = TOKEN
            r._content = json.dumps(
                {"token": {"expires_at": "2999-01-01T00:00:00Z", "project": {"id": "pid"}}}
            ).encode()
            return r
        r.status_code = self.status
        body = request.body.decode() if isinstance(request.body, bytes) else (request.body or "")
        r._content = json.dumps({"error_code": "X.1", "error_msg": f"rejected {body} {dict(request.headers)}"}).encode()
        return r

    def close(self):
        pass


def test_secret_wrapper_masks_everywhere():
    s = Secret(SK)
    # The %-operator is one of the ways under test, so UP031 (use format specifiers) does not apply.
    for text in (str(s), repr(s), f"{s}", "%s" % s, repr([s]), repr({"sk": s})):  # noqa: UP031
        assert SK not in text
    assert s.reveal() == SK


def test_settings_repr_and_description_never_show_secrets(tmp_path):
    env = {
        "HUAWEICLOUD_SDK_AK": "AKAKAKAKAK",
        "HUAWEICLOUD_SDK_SK": SK,
        "HUAWEICLOUD_SDK_PROJECT_ID": "p",
        "HUAWEICLOUD_SDK_REGION": "r",
        "HUAWEICLOUD_SDK_SECURITY_TOKEN": TOKEN,
    }
    settings = resolve(env=env, home=tmp_path, cwd=tmp_path)
    text = repr(settings) + str(settings.describe())
    assert SK not in text and TOKEN not in text


def test_password_auth_repr_and_error_text(caplog):
    session = requests.Session()
    session.mount("https://", Echo(status=401))
    auth = PasswordAuth("https://iam.example", "alice", Secret(PASSWORD), "dom", project_name="eu-de", session=session)
    assert PASSWORD not in repr(auth)
    with caplog.at_level(logging.DEBUG), pytest.raises(CloudError) as info:
        auth.token()
    assert PASSWORD not in str(info.value) and PASSWORD not in repr(info.value)
    assert PASSWORD not in caplog.text


def test_token_and_sk_never_reach_errors_or_logs(caplog):
    session = requests.Session()
    session.mount("https://", Echo(token_reply=True))
    auth = PasswordAuth("https://iam.example", "alice", Secret(PASSWORD), "dom", project_name="eu-de", session=session)
    api = requests.Session()
    api.mount("https://", Echo(status=400))
    http = HttpClient("ims", "https://ims.example", auth=auth, session=api, secrets=(Secret(PASSWORD),))
    with caplog.at_level(logging.DEBUG), pytest.raises(CloudError) as info:
        http.get("/v2/cloudimages")
    assert TOKEN not in caplog.text and TOKEN not in repr(http) and TOKEN not in repr(auth)
    # The careless server echoed the token header back; the client must mask it.
    http_with_token = HttpClient("ims", "https://ims.example", auth=auth, session=api, secrets=(auth.token().value,))
    with pytest.raises(CloudError) as info:
        http_with_token.get("/v2/cloudimages")
    assert TOKEN not in str(info.value)

    aksk = AkSkAuth("AK", Secret(SK))
    http = HttpClient("ims", "https://ims.example", auth=aksk, session=api, secrets=(aksk.sk,))
    with caplog.at_level(logging.DEBUG), pytest.raises(CloudError) as info:
        http.post("/x", {"sk": SK})
    assert SK not in str(info.value) and SK not in caplog.text and SK not in repr(aksk)


def test_coloured_progress_lines_are_kept_without_escape_codes():
    import io

    from wizard.console import EventPrinter
    from wizard.runner import RunEvent

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    printer = EventPrinter(out)
    printer.colour = True  # as on a colour terminal, whatever this test's environment says
    printer(RunEvent("step-failed", "r1", step="s", title="Back up", status="failed", message="boom"))
    assert "\x1b[" in out.getvalue()
    assert printer.lines and all("\x1b" not in line for line in printer.lines)
    assert "boom" in printer.lines[-1]
