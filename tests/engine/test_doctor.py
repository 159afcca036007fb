"""``ecs-wizard doctor``: every check against the emulator over loopback HTTP, and each failure the
emulator can show (a wrong SK, a wrong project id, a stopped endpoint, a skewed clock, a 403 on one
API, used-up quotas), each proved by its row. Doctor creates nothing: the only create it sends is an
ECS create with ``"dry_run": true`` (OTC-ECS ``apis_recommended/lifecycle_management/creating_ecss.rst``:
"the system checks the request, but no instances will be created", 202 when the check passes)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.served import sim_serve
from wizard.cloud.client import build_clients
from wizard.config import resolve
from wizard.doctor import (
    DRY_RUN_NAME,
    Probe,
    Status,
    check_api_variants,
    check_clock,
    check_credentials,
    check_endpoints,
    check_permissions,
    check_quotas,
    connection_problem,
    passed,
    run_checks,
)
from wizard.sim import DEMO, Emulator

AKSK = {
    "HUAWEICLOUD_SDK_AK": DEMO.ak,
    "HUAWEICLOUD_SDK_SK": DEMO.sk,
    "HUAWEICLOUD_SDK_PROJECT_ID": DEMO.project_id,
}
WRONG_PROJECT = "0123456789abcdef0123456789abcdef"
NOWHERE = Path("/nonexistent-ecs-wizard-doctor")


def settings_for(url: str, **env: str):
    return resolve(env={**AKSK, "ECS_WIZARD_ENDPOINT": url, **env}, home=NOWHERE, cwd=NOWHERE)


def probe_for(settings) -> Probe:
    return Probe(settings, lambda: build_clients(settings, settings.require_credentials(), sleep=lambda s: None))


def rows_by_check(probe: Probe) -> dict:
    return {row.check: row for row in run_checks(probe)}


def findings(row) -> dict:
    return {f.name: f for f in row.findings}


def a_port_nothing_listens_on() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_ready_configuration_passes_and_nothing_is_created(served):
    emu = Emulator(scenario="demo", speed=0)
    url = served(emu)
    servers_before = set(emu.state.servers)
    rows = rows_by_check(probe_for(settings_for(url)))
    assert [r.status for r in rows.values()] == [
        Status.PASS,  # endpoints
        Status.PASS,  # credentials
        Status.PASS,  # project
        Status.PASS,  # clock
        Status.UNKNOWN,  # permissions: most creates have no dry run
        Status.PASS,  # quotas
        Status.PASS,  # api variants
    ], {r.check: (r.status, r.summary) for r in rows.values()}
    assert passed(rows.values())
    assert set(emu.state.servers) == servers_before  # the dry run made nothing
    creates = [r for r in emu.request_log if r[0] == "POST" and r[1].endswith("/cloudservers")]
    assert [status for _, _, status in creates] == [202]
    permissions = findings(rows["permissions"])
    assert permissions["ECS: create a server (dry run)"].status is Status.PASS
    assert permissions["creates and deletes"].status is Status.UNKNOWN  # not told, so not 'failed'
    assert "4 of 20 used" in rows["quotas"].summary and "7 of 100 used" in rows["quotas"].summary
    assert "plain HTTP on this machine" in findings(rows["endpoints"])["ECS"].detail


def test_a_wrong_sk_fails_credentials_on_every_service_and_says_what_to_check(served):
    url = served(Emulator(scenario="demo", speed=0))
    rows = rows_by_check(probe_for(settings_for(url, HUAWEICLOUD_SDK_SK="WRONG" + DEMO.sk[5:])))
    credentials = rows["credentials"]
    assert credentials.status is Status.FAIL
    assert {f.status for f in credentials.findings} == {Status.FAIL} and len(credentials.findings) == 5
    assert "refused the credentials (APIGW.0301" in credentials.findings[0].detail
    assert "HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK" in credentials.fix
    assert rows["endpoints"].status is Status.PASS  # they answered, with a refusal
    for check in ("project", "permissions", "quotas", "api variants"):
        assert rows[check].status is Status.UNKNOWN and "credentials were refused" in rows[check].summary
    assert not passed(rows.values())


def test_a_wrong_project_id_fails_the_project_check(served):
    url = served(Emulator(scenario="demo", speed=0))
    rows = rows_by_check(probe_for(settings_for(url, HUAWEICLOUD_SDK_PROJECT_ID=WRONG_PROJECT)))
    assert rows["credentials"].status is Status.PASS  # the signature is good: the project is what is wrong
    project = rows["project"]
    assert project.status is Status.FAIL and WRONG_PROJECT in project.summary
    assert {f.name for f in project.findings} == {"ECS", "CBR", "CSBS", "VPC"}
    assert "HUAWEICLOUD_SDK_PROJECT_ID" in project.fix and "region" in project.fix
    assert rows["permissions"].status is Status.UNKNOWN and "project is unknown" in rows["permissions"].summary


def test_a_stopped_endpoint_is_named_in_words(served):
    url = served(Emulator(scenario="demo", speed=0))
    dead = f"http://127.0.0.1:{a_port_nothing_listens_on()}"
    env = {**AKSK, "HUAWEICLOUD_SDK_REGION": "eu-de"}
    env.update({f"ECS_WIZARD_ENDPOINT_{s}": url for s in ("IMS", "ECS", "CSBS", "VPC", "IAM")})
    settings = resolve(env={**env, "ECS_WIZARD_ENDPOINT_CBR": dead}, home=NOWHERE, cwd=NOWHERE)
    rows = rows_by_check(probe_for(settings))
    endpoints = rows["endpoints"]
    assert endpoints.status is Status.FAIL
    cbr = findings(endpoints)["CBR"]
    assert cbr.status is Status.FAIL and cbr.detail == f"nothing listens at {dead} (connection refused)"
    assert "ECS_WIZARD_ENDPOINT_CBR" in cbr.fix and "HTTPConnectionPool" not in cbr.detail
    assert all(f.status is Status.PASS for name, f in findings(endpoints).items() if name != "CBR")
    assert findings(rows["permissions"])["CBR: list vaults"].status is Status.UNKNOWN  # not told, not denied


def test_every_endpoint_stopped_blocks_the_rest_with_one_reason():
    dead = f"http://127.0.0.1:{a_port_nothing_listens_on()}"
    rows = rows_by_check(probe_for(settings_for(dead)))
    assert rows["endpoints"].status is Status.FAIL
    for check in ("credentials", "project", "clock", "permissions", "quotas", "api variants"):
        assert rows[check].status is Status.UNKNOWN and "no endpoint answers" in rows[check].summary


def test_a_clock_beyond_15_minutes_fails_and_names_the_skew(served):
    """The emulator's wall clock 20 minutes ahead is what a client whose clock is 20 minutes behind
    sees: its Date header is ahead, and the signatures are refused (X-Sdk-Date)."""
    url = served(Emulator(scenario="demo", speed=0, wall_clock=lambda: time.time() + 20 * 60))
    probe = probe_for(settings_for(url))
    clock = check_clock(probe)
    assert clock.status is Status.FAIL
    assert clock.summary.startswith("this computer's clock is 20 min behind the cloud's")
    assert "time sync" in clock.fix
    credentials = check_credentials(probe)
    assert credentials.status is Status.FAIL and "time" in credentials.findings[0].detail
    assert "clock" in credentials.fix


def test_a_small_skew_passes_and_is_reported(served):
    url = served(Emulator(scenario="demo", speed=0, wall_clock=lambda: time.time() - 5 * 60))
    clock = check_clock(probe_for(settings_for(url)))
    assert clock.status is Status.PASS and "5 min ahead of the cloud's" in clock.summary


def test_a_403_on_one_list_call_fails_that_permission_only(served):
    emu = Emulator(scenario="demo", speed=0, faults=["cbr.list_backups:status=403:code=BackupService.0403"])
    probe = probe_for(settings_for(served(emu)))
    row = check_permissions(probe)
    assert row.status is Status.FAIL
    denied = findings(row)["CBR: list backups"]
    assert denied.status is Status.FAIL and "denied" in denied.detail and "BackupService.0403" in denied.detail
    assert "permission" in denied.fix
    others = [f for f in row.findings if f.name not in ("CBR: list backups", "creates and deletes")]
    assert all(f.status is Status.PASS for f in others)
    assert check_credentials(probe).status is Status.PASS  # a 403 means the signature was accepted


def test_a_403_on_the_identity_call_passes_credentials_and_fails_permissions(served):
    emu = Emulator(scenario="demo", speed=0, faults=["cbr.list_vaults:status=403:code=BackupService.0403"])
    probe = probe_for(settings_for(served(emu)))
    assert findings(check_credentials(probe))["CBR"].status is Status.PASS
    assert findings(check_permissions(probe))["CBR: list vaults"].status is Status.FAIL
    assert findings(check_quotas(probe))["CBR vault capacity"].status is Status.UNKNOWN  # not told


def test_a_denied_ecs_create_fails_the_dry_run(served):
    emu = Emulator(scenario="demo", speed=0, faults=["ecs.create_server:status=403:code=Ecs.0403"])
    row = check_permissions(probe_for(settings_for(served(emu))))
    dry_run = findings(row)["ECS: create a server (dry run)"]
    assert dry_run.status is Status.FAIL and "Ecs.0403" in dry_run.detail


def test_an_invalid_dry_run_is_not_a_verdict_on_permission(served):
    """A 400 from the dry run (here: an unknown flavor) says nothing about whether a create is allowed."""
    emu = Emulator(scenario="demo", speed=0, faults=["ecs.create_server:status=400:code=Ecs.0005"])
    dry_run = findings(check_permissions(probe_for(settings_for(served(emu)))))["ECS: create a server (dry run)"]
    assert dry_run.status is Status.UNKNOWN and "Ecs.0005" in dry_run.detail


def test_a_region_that_ignores_dry_run_gets_its_server_deleted_and_the_row_fails(served, monkeypatch):
    import wizard.sim.actions as actions

    real = actions.create_server
    monkeypatch.setattr(actions, "create_server", lambda state, body, **kw: real(state, body, fail=kw.get("fail")))
    emu = Emulator(scenario="demo", speed=0)
    dry_run = findings(check_permissions(probe_for(settings_for(served(emu)))))["ECS: create a server (dry run)"]
    assert dry_run.status is Status.FAIL and "ignored dry_run" in dry_run.detail and "deleted again" in dry_run.detail
    made = [s for s in emu.state.servers.values() if s.name == DRY_RUN_NAME]
    assert len(made) == 1 and made[0].delete is not None  # its deletion was asked for at once


def test_used_up_quotas_fail_and_unreadable_ones_are_unknown(served):
    emu = Emulator(scenario="demo", speed=0, scenario_params={"server_quota": 4, "image_quota": 7})
    quotas = check_quotas(probe_for(settings_for(served(emu))))
    assert quotas.status is Status.FAIL
    assert (
        findings(quotas)["ECS servers"].status is Status.FAIL
        and "4 of 4 used" in findings(quotas)["ECS servers"].detail
    )
    assert (
        findings(quotas)["private images"].status is Status.FAIL
        and "IMG.0015" in findings(quotas)["private images"].detail
    )
    emu = Emulator(
        scenario="demo", speed=0, faults=["ecs.get_limits:status=403:code=Ecs.0403", "ims.get_quota:status=404"]
    )
    quotas = check_quotas(probe_for(settings_for(served(emu))))
    assert quotas.status is Status.UNKNOWN
    assert {findings(quotas)[n].status for n in ("ECS servers", "private images")} == {Status.UNKNOWN}


def test_api_variants_the_region_answers(served):
    """The documented job path must answer (OTC-IMS ``ims_apis/image_jobs/querying_the_status_of_an_
    asynchronous_job.rst``); the progress extension (``querying_the_progress_of_an_asynchronous_job.rst``)
    is optional (Huawei Cloud answers it, OTC does not: ``wizard.sim.profiles``); a path the gateway does
    not know answers 404 ``APIGW.0101``."""
    row = check_api_variants(probe_for(settings_for(served(Emulator(scenario="demo", speed=0, profile="hwc")))))
    assert row.status is Status.PASS
    assert "percentage" in findings(row)["IMS job progress"].detail
    row = check_api_variants(probe_for(settings_for(served(Emulator(scenario="demo", speed=0)))))  # OTC
    assert row.status is Status.PASS and "not offered" in findings(row)["IMS job progress"].detail
    emu = Emulator(
        scenario="demo",
        speed=0,
        faults=["ims.get_job_progress:status=404:code=APIGW.0101", "ims.get_job:status=404:code=APIGW.0101"],
    )
    row = check_api_variants(probe_for(settings_for(served(emu))))
    assert findings(row)["IMS job progress"].status is Status.PASS  # the wizard copes without it
    assert "not offered" in findings(row)["IMS job progress"].detail
    assert findings(row)["IMS job status"].status is Status.FAIL


def test_a_wrong_password_fails_at_iam(served):
    url = served(Emulator(scenario="demo", speed=0))
    env = {
        "OS_USERNAME": DEMO.user,
        "OS_PASSWORD": "wrong",
        "OS_USER_DOMAIN_NAME": DEMO.domain,
        "OS_PROJECT_ID": DEMO.project_id,
    }
    settings = resolve(env={**env, "ECS_WIZARD_ENDPOINT": url}, home=NOWHERE, cwd=NOWHERE)
    probe = probe_for(settings)
    credentials = check_credentials(probe)
    assert findings(credentials)["IAM"].status is Status.FAIL and "user, password and domain" in credentials.fix
    assert {f.status for name, f in findings(credentials).items() if name != "IAM"} == {Status.UNKNOWN}
    endpoints = findings(check_endpoints(probe))
    assert endpoints["IAM"].status is Status.PASS and "not reached" in endpoints["ECS"].detail
    assert "IAM gave no token" in check_permissions(probe).summary


def test_a_crashing_check_is_its_own_row_and_the_others_run(served, monkeypatch):
    import wizard.doctor as doctor

    def broken(probe):
        raise KeyError("absolute")

    monkeypatch.setattr(doctor, "CHECKS", (doctor.check_endpoints, broken, *doctor.CHECKS[2:]))
    rows = run_checks(probe_for(settings_for(served(Emulator(scenario="demo", speed=0)))))
    assert [r.check for r in rows] == list(doctor.CHECK_NAMES)
    crashed = rows[1]
    assert crashed.status is Status.CRASH and "KeyError" in crashed.summary and "report" in crashed.fix
    assert rows[0].status is Status.PASS and rows[2].status is Status.PASS
    assert not passed(rows)


def test_tls_is_required_beyond_this_machine():
    from wizard.doctor import _tls_finding

    assert _tls_finding("IMS", "https://ims.eu-de.otc.t-systems.com", True).status is Status.PASS
    insecure = _tls_finding("IMS", "https://ims.eu-de.otc.t-systems.com", False)
    assert insecure.status is Status.FAIL and "--insecure" in insecure.detail
    assert _tls_finding("IMS", "http://ims.example.com", True).status is Status.FAIL
    assert _tls_finding("IMS", "http://127.0.0.1:8080", True).status is Status.PASS


def test_the_connection_check_is_one_call_and_says_what_is_wrong(served):
    emu = Emulator(scenario="demo", speed=0)
    url = served(emu)
    before = len(emu.request_log)
    assert connection_problem(probe_for(settings_for(url))) is None
    assert len(emu.request_log) == before + 1
    wrong_sk = connection_problem(probe_for(settings_for(url, HUAWEICLOUD_SDK_SK="x" * 40)))
    assert wrong_sk is not None and wrong_sk.text.startswith("ECS refused the credentials") and wrong_sk.settings_wrong
    wrong_project = connection_problem(probe_for(settings_for(url, HUAWEICLOUD_SDK_PROJECT_ID=WRONG_PROJECT)))
    assert wrong_project is not None and f"does not know project {WRONG_PROJECT}" in wrong_project.text
    dead = f"http://127.0.0.1:{a_port_nothing_listens_on()}"
    stopped = connection_problem(probe_for(settings_for(dead)))
    assert stopped is not None and stopped.text == f"ECS: nothing listens at {dead} (connection refused)"


def doctor_cli(url: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "OS_", "ECS_WIZARD_"))}
    variables.update(AKSK, ECS_WIZARD_ENDPOINT=url, PYTHONPATH=str(Path(__file__).resolve().parents[2]), **env)
    return subprocess.run(
        [sys.executable, "-m", "wizard", "doctor", *args], capture_output=True, text=True, env=variables, timeout=120
    )


def test_cli_doctor_table_exit_codes_and_json(served):
    url = served(Emulator(scenario="demo", speed=0))
    ok = doctor_cli(url)
    assert ok.returncode == 0, ok.stderr
    assert "[✓] credentials" in ok.stdout and "Ready: nothing failed." in ok.stdout
    assert ok.stderr == ""  # no progress line without a terminal
    wrong = doctor_cli(url, "--json", HUAWEICLOUD_SDK_SK="x" * 40)
    assert wrong.returncode == 1
    report = json.loads(wrong.stdout)
    assert report["ok"] is False and report["project_id"] == DEMO.project_id
    rows = {r["check"]: r for r in report["rows"]}
    assert rows["credentials"]["status"] == "fail" and rows["credentials"]["fix"]
    assert {f["status"] for f in rows["credentials"]["findings"]} == {"fail"}
    assert "x" * 40 not in wrong.stdout + wrong.stderr  # the secret never shows


def test_sim_serve_refuses_a_clock_skew_that_is_not_a_number(capsys):
    from wizard.cli import main

    assert main(["sim", "serve", "--clock-skew", "inf"]) == 2
    assert "--clock-skew must be a number of seconds" in capsys.readouterr().err


def test_sim_serve_with_a_clock_skew_shows_doctor_the_skew(tmp_path):
    """What a user does: serve with ``--clock-skew 1200`` and run doctor against it."""
    with sim_serve("--clock-skew", "1200") as served:
        done = doctor_cli(served.exports["ECS_WIZARD_ENDPOINT_ECS"], "--json")
    rows = {r["check"]: r for r in json.loads(done.stdout)["rows"]}
    assert done.returncode == 1
    assert rows["clock"]["status"] == "fail" and "20 min behind" in rows["clock"]["summary"]
