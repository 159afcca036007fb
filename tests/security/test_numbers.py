"""Item 3 of issue 12: NaN and infinity at every numeric entry point are refused (or, from a
server, ignored) with a clear message, and never break the emulator or the wizard."""

from __future__ import annotations

import json
import math
import random

import pytest
import requests

from tests.security.helpers import cli
from tests.unit.test_http import ScriptedAdapter
from wizard.cli import main
from wizard.cloud.http import HttpClient, RetryPolicy
from wizard.cloud.models import BackupTask, Image, Job
from wizard.sim import Emulator, FaultRule
from wizard.sim.clock import VirtualClock

NOT_FINITE = ["nan", "NaN", "inf", "-inf", "Infinity", "1e999"]


@pytest.mark.parametrize("header", NOT_FINITE + ["-5", "soon", "1e308"])
def test_a_retry_after_that_is_not_a_sane_number_is_ignored_with_a_bounded_delay(header):
    adapter = ScriptedAdapter([(429, {}, {"Retry-After": header}), (200, {"images": []})])
    session = requests.Session()
    session.mount("https://", adapter)
    sleeps: list[float] = []
    http = HttpClient("ims", "https://ims.example", session=session, sleep=sleeps.append, rng=random.Random(1))
    assert http.get("/v2/cloudimages") == {"images": []}
    [slept] = sleeps
    assert math.isfinite(slept) and 0 <= slept <= RetryPolicy().max_retry_after


@pytest.mark.parametrize("key", ["latency", "prob", "retry_after", "late", "visible_after"])
@pytest.mark.parametrize("value", NOT_FINITE)
def test_fault_rules_refuse_numbers_that_are_not_finite(key, value):
    with pytest.raises(ValueError, match=key):
        FaultRule.parse(f"ims.list_images:status=429:{key}={value}")


@pytest.mark.parametrize("value", ["nan", "inf", "1e999"])
def test_sim_serve_refuses_such_a_fault_rule_before_serving(capsys, monkeypatch, value):
    monkeypatch.setattr("wizard.commands.sim.serve", lambda *a, **kw: pytest.fail("served despite a bad --fault"))
    code, out, err = cli(capsys, "sim", "serve", "--fault", f"ims.list_images:latency={value}")
    assert code == 2 and "Bad --fault rule" in err and "latency" in err and "Traceback" not in err


def _url(path: str) -> str:
    from wizard.sim import DEMO

    return DEMO.endpoint + path


@pytest.mark.parametrize(
    "body",
    [
        '{"speed": NaN}',
        '{"speed": Infinity}',
        '{"speed": -Infinity}',
        '{"speed": 1e999}',
        '{"advance": NaN}',
        '{"advance": 1e999}',
        '{"speed": "fast"}',
        '{"speed": true}',
        '{"speed": -1}',
    ],
)
def test_the_clock_admin_api_refuses_a_number_that_is_not_finite_and_keeps_working(body):
    emu = Emulator(scenario="demo", speed=0)
    session = emu.session()
    answer = session.post(_url("/_sim/clock"), data=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error_code"] == "SIM.0400"
    after = session.get(_url("/_sim/clock")).json()
    assert math.isfinite(after["now"]) and after["speed"] == 0
    assert session.get(_url("/_sim/state")).status_code == 200


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e999"])
def test_the_fault_admin_api_refuses_a_number_that_is_not_finite(value):
    emu = Emulator(scenario="demo", speed=0)
    body = f'{{"target": "ims.list_images", "latency": {value}}}'
    answer = emu.session().post(_url("/_sim/faults"), data=body)
    assert answer.status_code == 400 and emu.faults.rules == []


def test_the_client_never_sends_a_number_that_is_not_finite():
    from wizard.cloud.client import build_clients
    from wizard.config import resolve

    emu = Emulator(scenario="demo", speed=0)
    settings = resolve(demo=True)
    clients = build_clients(settings, settings.require_credentials(), session_factory=emu.session)
    with pytest.raises(ValueError, match="not JSON compliant"):
        clients.cbr.http.post(f"/v3/{emu.state.project_id}/vaults", {"vault": {"billing": {"size": math.nan}}})


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_the_virtual_clock_refuses_a_number_that_is_not_finite(bad):
    clock = VirtualClock(speed=0, start=1000.0)
    with pytest.raises(ValueError):
        clock.speed = bad
    with pytest.raises(ValueError):
        clock.advance(bad)
    with pytest.raises(ValueError):
        VirtualClock(speed=bad)
    assert clock.now() == 1000.0 and clock.speed == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["sim", "serve", "--speed", "nan"],
        ["sim", "serve", "--speed", "inf"],
        ["sim", "serve", "--size", "nan"],
        ["sim", "serve", "--size", "-5"],
        ["sim", "serve", "--size", "1e999"],
        ["sim", "serve", "--port", "nan"],
        ["sim", "serve", "--port", "inf"],
        ["demo", "--speed", "nan"],
        ["demo", "--speed=-inf"],
        ["scan", "--demo", "--concurrency", "nan"],
        ["scan", "--demo", "--concurrency", "inf"],
        ["scan", "--demo", "--concurrency", "0"],
        ["scan", "--demo", "--concurrency", "100000"],
    ],
)
def test_command_line_numbers_that_are_not_sane_are_bad_usage(capsys, monkeypatch, argv):
    monkeypatch.setattr("wizard.commands.sim.serve", lambda *a, **kw: pytest.fail("served despite a bad number"))
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own way out for a bad option value
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "must be" in err


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, "nan", "inf", "1e999"])
def test_numbers_from_the_cloud_that_are_not_finite_are_read_as_unknown(value):
    image = Image.from_api({"id": "i", "name": "n", "min_disk": value, "status": "active"})
    assert image.min_disk is None
    job = Job.from_api({"job_id": "j", "status": "RUNNING", "entities": {"process_percent": value}})
    assert job.progress is None
    task = BackupTask.from_api(
        {"operation_log_id": "t", "status": "running", "extra_info": {"common": {"progress": value}}}
    )
    assert task.progress is None
    json.dumps([image.min_disk, job.progress, task.progress], allow_nan=False)
