"""Loopback HTTP serving, the in-process adapter's responses, the large scenario's paging, layering."""

import subprocess
import sys
import threading
import time

import requests

from tests.sim.helpers import Api
from wizard.sim import DEMO, BackgroundServer, Emulator, serve


def test_in_process_response_is_a_proper_requests_response(api, emu):
    r = api.get("/v2/cloudimages", __imagetype="private", limit=2)
    assert r.status_code == 200 and r.reason == "OK" and r.ok
    assert r.url.startswith(DEMO.endpoint + "/v2/cloudimages?") and r.request.method == "GET"
    assert r.headers["content-type"].startswith("application/json") and r.encoding
    assert len(r.json()["images"]) == 2


def test_serve_starts_answers_and_stops():
    emu = Emulator(speed=0)
    stop = threading.Event()
    ready = {}

    def on_ready(url):
        ready["url"] = url

    thread = threading.Thread(target=serve, args=(emu,), kwargs={"on_ready": on_ready, "stop": stop}, daemon=True)
    thread.start()
    for _ in range(100):
        if "url" in ready:
            break
        time.sleep(0.01)
    url = ready["url"]
    assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
    assert Api(emu, base=url).get("/v2/cloudimages").status_code == 200
    assert requests.get(url + "/_sim/state", timeout=5).status_code == 200
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    try:
        requests.get(url + "/_sim/state", timeout=1)
        raise AssertionError("the server should be gone")
    except requests.ConnectionError:
        pass


def page_through(api, limit):
    ids, marker, calls = [], None, 0
    while True:
        params = {"__imagetype": "private", "__whole_image": "true", "limit": limit}
        if marker:
            params["marker"] = marker
        page = api.ok("GET", "/v2/cloudimages", **params)["images"]
        calls += 1
        ids += [i["id"] for i in page]
        if len(page) < limit:
            return ids, calls
        marker = page[-1]["id"]


def test_large_scenario_paging_in_process():
    emu = Emulator(scenario="large", speed=0, scenario_params={"n": 1000})
    api = Api(emu)
    ids, calls = page_through(api, 100)
    assert len(ids) == 1000 and len(set(ids)) == 1000 and calls == 11
    assert len(api.ok("GET", "/v2/cloudimages", __whole_image="true")["images"]) == 500  # default limit
    assert api.err("GET", "/v2/cloudimages", marker="no-such-image")[0] == 400


def test_large_scenario_paging_over_loopback_http():
    emu = Emulator(scenario="large", speed=0, scenario_params={"n": 1000})
    with BackgroundServer(emu) as url:
        api = Api(emu, base=url)
        for limit in (100, 500):
            started = time.perf_counter()
            ids, calls = page_through(api, limit)
            elapsed = time.perf_counter() - started
            assert len(set(ids)) == 1000
            print(
                f"\nlarge scenario: listed 1000 full-ECS images over loopback HTTP, limit={limit}: "
                f"{calls} requests in {elapsed * 1000:.0f} ms"
            )
            assert elapsed < 10


def test_sim_imports_nothing_else_from_wizard():
    """Every public name is loaded (the package resolves them lazily), then nothing outside
    wizard.sim may be in sys.modules; the import-linter contract checks the same statically."""
    code = (
        "import sys, wizard.sim; "
        "[getattr(wizard.sim, name) for name in wizard.sim.__all__]; "
        "bad = sorted(m for m in sys.modules "
        "if m.startswith('wizard') and not m.startswith('wizard.sim') and m != 'wizard'); "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_every_answer_carries_the_emulators_wall_clock_in_one_date_header():
    """Clients read their clock skew from ``Date`` (RFC 9110 IMF-fixdate); over HTTP the server adds
    no second one, so a skewed emulator clock (``sim serve --clock-skew``) is what the client sees."""
    from email.utils import parsedate_to_datetime

    emu = Emulator(speed=0, wall_clock=lambda: 1_700_000_000.0)
    in_process = Api(emu).get("/v2/cloudimages")
    assert in_process.headers["Date"] == "Tue, 14 Nov 2023 22:13:20 GMT"
    with BackgroundServer(emu) as url:
        raw = requests.get(url + "/v2/cloudimages", timeout=5)  # unsigned: a 401 carries the Date too
        assert raw.status_code == 401 and raw.raw.headers.getlist("Date") == ["Tue, 14 Nov 2023 22:13:20 GMT"]
    assert parsedate_to_datetime(in_process.headers["Date"]).timestamp() == 1_700_000_000.0
