"""The ``large`` scenario (1,000 full-ECS images) listed page by page through ImsClient over
loopback: marker paging, the number of requests per page size, every image exactly once."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.contract.conftest import served
from wizard.cloud.errors import CloudError
from wizard.sim import BackgroundServer, Emulator

N = 1000


@pytest.fixture(scope="module")
def large_cloud(profile):
    emu = Emulator(scenario="large", speed=0, scenario_params={"n": N}, profile=profile)
    with BackgroundServer(emu) as url:
        yield served(emu, url)


@pytest.mark.parametrize(
    "page_size, expected_requests",
    [
        (500, 3),  # 500 + 500 + an empty page that ends the listing
        (100, 11),  # 10 full pages + the empty one
        (300, 4),  # 300 + 300 + 300 + 100 (a short page ends it)
        (1000, 2),
    ],
)
def test_all_images_page_by_page_exactly_once(large_cloud, page_size, expected_requests):
    sent_urls = []
    hook = lambda response, *args, **kwargs: sent_urls.append(response.request.url)  # noqa: E731
    session = large_cloud.clients.ims.http.session
    session.hooks["response"].append(hook)
    log_before = len(large_cloud.emu.request_log)
    calls_before = len(large_cloud.clients.calls)
    try:
        images = list(large_cloud.clients.ims.list_full_ecs_images(page_size=page_size))
    finally:
        session.hooks["response"].remove(hook)
    ids = [i.id for i in images]
    assert len(ids) == N and len(set(ids)) == N
    assert all(i.whole_image and i.image_type == "private" for i in images)
    # Counted on both sides of the socket.
    served = large_cloud.emu.request_log[log_before:]
    assert len(served) == expected_requests and all(r[:2] == ("GET", "/v2/cloudimages") and r[2] == 200 for r in served)
    assert len(large_cloud.clients.calls) - calls_before == expected_requests and len(sent_urls) == expected_requests
    # Each request after the first continues from the last image of the page before it.
    queries = [parse_qs(urlsplit(u).query) for u in sent_urls]
    assert all(
        q["limit"] == [str(page_size)] and q["__whole_image"] == ["true"] and q["__imagetype"] == ["private"]
        for q in queries
    )
    assert "marker" not in queries[0]
    pages = [ids[k : k + page_size] for k in range(0, N, page_size)]
    assert [q["marker"][0] for q in queries[1:]] == [page[-1] for page in pages][: expected_requests - 1]


def test_the_large_listing_holds_each_kind_of_image(large_cloud):
    images = list(large_cloud.clients.ims.list_full_ecs_images())
    cbr = large_cloud.emu.state.cbr_backups
    origins = {}
    for image in images:
        origin = "cbr" if image.raw["__data_origin"] in cbr else "csbs"
        origins[(origin, image.lazyloading)] = origins.get((origin, image.lazyloading), 0) + 1
    # Five kinds cycling: old CSBS x2 (one without the field), CBR, new CSBS, deleted backup (old).
    assert origins == {("csbs", False): 400, ("csbs", None): 200, ("cbr", True): 200, ("csbs", True): 200}
    assert {large_cloud.ids[k] for k in ("image_cbr", "image_new_csbs")} <= {i.id for i in images}


def test_cbr_backups_page_by_marker_exactly_once(large_cloud):
    """``GET /v3/{project_id}/backups`` pages by ``marker``, "ID of the last record displayed on the previous
    page" (opentelekomcloud-docs/cloud-backup-recovery api-ref/source/cbr_apis/backups/querying_all_backups.rst);
    openstacksdk pages that way whenever a limit is given. The emulator honours it and CbrClient follows it."""
    cbr = large_cloud.clients.cbr
    whole = [b.id for b in cbr.list_backups()]  # one page of up to 1000
    assert len(whole) > 150 and len(set(whole)) == len(whole)
    log_before = len(large_cloud.emu.request_log)
    paged = [b.id for b in cbr.list_backups(page_size=64)]
    assert paged == whole
    served = large_cloud.emu.request_log[log_before:]
    assert len(served) == len(whole) // 64 + 1 and all(r[2] == 200 for r in served)
    second = cbr.list_backups_page(limit=64, marker=whole[63])
    assert [b.id for b in second] == whole[64:128]
    with pytest.raises(CloudError) as refused:
        cbr.list_backups_page(limit=64, marker="00000000-0000-4000-8000-000000000000")
    assert (refused.value.status, refused.value.code) == (400, "BackupService.0004")
