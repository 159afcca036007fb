"""IAM password tokens: 201 + X-Subject-Token, valid for 24 h of virtual time."""

import pytest

from tests.sim.helpers import Api
from wizard.sim import DEMO


class TokenAuth:
    def __init__(self, token):
        self.token = token

    def __call__(self, r):
        r.headers["X-Auth-Token"] = self.token
        return r


def token_request(emu, scope=None, password=DEMO.password):
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": DEMO.user, "password": password, "domain": {"name": DEMO.domain}}},
            },
            "scope": {"project": scope if scope is not None else {"name": DEMO.region}},
        }
    }
    return emu.session().post(DEMO.endpoint + "/v3/auth/tokens", json=body)


@pytest.mark.parametrize("scope", [{"name": "eu-de"}, {"id": DEMO.project_id}])
def test_token_is_issued_for_project_by_name_or_id(emu, scope):
    r = token_request(emu, scope)
    assert r.status_code == 201
    assert r.headers["X-Subject-Token"] and r.headers["X-Request-Id"]
    token = r.json()["token"]
    assert token["project"]["id"] == DEMO.project_id and token["project"]["name"] == "eu-de"
    assert token["expires_at"].endswith("Z") and token["issued_at"] < token["expires_at"]
    assert token["user"]["name"] == DEMO.user and token["roles"] and token["catalog"]


def test_wrong_password_or_project_is_refused(emu):
    assert token_request(emu, password="nope").status_code == 401
    assert token_request(emu, scope={"id": "f" * 32}).status_code == 401


def test_token_works_until_it_expires(emu):
    token = token_request(emu).headers["X-Subject-Token"]
    api = Api(emu, auth=TokenAuth(token))
    assert api.get("/v2/cloudimages").status_code == 200
    emu.clock.advance(23 * 3600)
    assert api.get("/v3/{pid}/vaults").status_code == 200
    emu.clock.advance(2 * 3600)  # 25 h after issue
    r = api.get("/v2/cloudimages")
    assert r.status_code == 401 and "expired" in r.json()["error_msg"]


def test_unknown_token_is_refused(emu):
    assert Api(emu, auth=TokenAuth("MIIbogus")).get("/v2/cloudimages").status_code == 401
