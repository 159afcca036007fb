"""What an OpenStack client reads before its first call, answered as OTC documents it (reference
cloud-api.md §10 items 11 and 12): the token's catalog, keystone's ``GET /v3`` and the image service's
``GET /``. The wizard asks for tokens with ``nocatalog`` and knows its endpoints; other clients of the
emulator (openstacksdk with otcextensions, gophertelekomcloud) find theirs here."""

from urllib.parse import urlsplit

from tests.sim.test_sim_iam import TokenAuth, token_request
from wizard.sim import DEMO


def test_the_catalog_names_each_api_where_otc_lists_it_and_each_url_answers(emu):
    """OTC's endpoint list (opentelekomcloud-docs/image-management-service doc/public-images/source/index.rst,
    "API Endpoints"): ``ecs`` at ``/v1/{project_id}`` (the type gophertelekomcloud's NewComputeV1 asks for),
    ``nova`` (compute) at ``/v2.1/{project_id}``, ``vpc`` at ``/v1/{project_id}``, ``neutron`` (network) the bare
    host, ``glance`` (image) the bare host, ``keystone`` at ``/v3``, ``cbr`` at ``/v3/{project_id}``."""
    answer = token_request(emu)
    catalog = {entry["type"]: entry for entry in answer.json()["token"]["catalog"]}
    paths = {kind: urlsplit(entry["endpoints"][0]["url"]).path for kind, entry in catalog.items()}
    pid = DEMO.project_id
    assert paths["ecs"] == f"/v1/{pid}" and catalog["ecs"]["name"] == "ecs"
    assert paths["compute"] == f"/v2.1/{pid}" and catalog["compute"]["name"] == "nova"
    assert paths["vpc"] == f"/v1/{pid}" and paths["network"] == "" and catalog["network"]["name"] == "neutron"
    assert (paths["image"], paths["identity"], paths["cbr"]) == ("", "/v3", f"/v3/{pid}")
    assert {e["endpoints"][0]["region"] for e in catalog.values()} == {DEMO.region}
    session = emu.session()
    session.auth = TokenAuth(answer.headers["X-Subject-Token"])
    url = {kind: entry["endpoints"][0]["url"] for kind, entry in catalog.items()}
    assert session.get(url["ecs"] + "/cloudservers/detail").json()["count"] >= 1
    assert session.get(url["compute"] + "/os-availability-zone").json()["availabilityZoneInfo"]
    assert session.get(url["vpc"] + "/subnets").json()["subnets"]
    assert session.get(url["cbr"] + "/backups").status_code == 200
    assert session.get(url["image"] + "/v2/cloudimages").status_code == 200


def test_keystone_answers_its_version_document_without_a_token(emu):
    """``GET /v3`` (opentelekomcloud-docs/identity-access-management api-ref/source/apis/
    version_information_management/querying_information_about_keystone_api_version_3.0.rst)."""
    answer = emu.session().get(DEMO.endpoint + "/v3")
    assert answer.status_code == 200
    version = answer.json()["version"]
    assert (version["id"], version["status"]) == ("v3.6", "stable")
    assert version["media-types"] == [
        {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}
    ]
    assert version["links"] == [{"href": DEMO.endpoint + "/v3/", "rel": "self"}]


def test_the_image_service_lists_its_versions_with_a_300(emu):
    """``GET /`` answers 300 with the versions, v2.2 current (opentelekomcloud-docs/image-management-service
    api-ref/source/native_openstack_apis/api_version_query_native_openstack_api/
    querying_api_versions_native_openstack_api.rst); openstacksdk's image proxy discovers its version there."""
    answer = emu.session().get(DEMO.endpoint + "/")
    assert answer.status_code == 300
    versions = answer.json()["versions"]
    assert [(v["id"], v["status"]) for v in versions] == [
        ("v2.2", "CURRENT"),
        ("v2.1", "SUPPORTED"),
        ("v2.0", "SUPPORTED"),
        ("v1.1", "DEPRECATED"),
        ("v1.0", "DEPRECATED"),
    ]
    assert versions[0]["links"] == [{"href": DEMO.endpoint + "/v2/", "rel": "self"}]
    assert versions[-1]["links"][0]["href"] == DEMO.endpoint + "/v1/"


def test_other_paths_still_need_a_token(emu):
    assert emu.session().get(DEMO.endpoint + "/v2/cloudimages").status_code == 401
