"""The non-interactive commands: output, JSON events, exit codes, and clear errors for bad input."""

import json

import pytest

from wizard.cli import main
from wizard.sim import Emulator

IDS = Emulator(scenario="demo", speed=0).ids


def cli(capsys, *args, state=None):
    argv = list(args) + ["--demo", "--speed", "100000"] + (["--state-dir", str(state)] if state else [])
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_run_json_ends_with_run_finished_and_exit_0(capsys, tmp_path):
    code, out, err = cli(
        capsys, "run", IDS["image_old_csbs_server_exists"], "--service", "cbr", "--yes", "--json", state=tmp_path
    )
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    last = events[-1]
    assert last["event"] == "run-finished" and last["status"] == "succeeded"
    assert last["run_id"] and last["new_image_id"]
    assert {"step-started", "step-succeeded", "waiting-for-confirmation", "run-started"} <= {e["event"] for e in events}


def test_run_readable_lines_and_report(capsys, tmp_path):
    code, out, err = cli(
        capsys, "run", IDS["image_old_csbs_server_deleted"], "--service", "csbs", "--cleanup", "--yes", state=tmp_path
    )
    assert code == 0, err
    assert "[ok] Create a temporary ECS from the slow image" in out
    assert "succeeded" in out.splitlines()[-1]
    run_id = out.split("run ")[1].split()[0]
    code, md, _ = cli(capsys, "report", run_id, state=tmp_path)
    assert code == 0 and "## Diagnosis" in md and "extend_info.support_lld" in md and "request id" in md.lower()
    code, js, _ = cli(capsys, "report", run_id, "--format", "json", state=tmp_path)
    assert json.loads(js)["status"] == "succeeded"
    code, listing, _ = cli(capsys, "runs", state=tmp_path)
    assert run_id in listing and "succeeded" in listing


def test_billable_run_without_yes_and_without_a_terminal_exits_3_and_changes_nothing(capsys, tmp_path):
    code, out, err = cli(capsys, "run", IDS["image_old_csbs_server_deleted"], state=tmp_path)
    assert code == 3
    assert "Create a temporary ECS" in err and "--yes" in err


def test_a_csbs_backup_is_billable_and_confirmed_like_a_vault(capsys, tmp_path):
    """A CSBS backup is billed for its storage until it is deleted: the plan flags it and lists it
    among the steps that ask first, and without --yes nor a terminal nothing starts."""
    image = IDS["image_old_csbs_server_exists"]
    code, out, _ = cli(capsys, "run", image, "--service", "csbs", "--dry-run", state=tmp_path)
    assert code == 0
    assert "Make a full CSBS backup of the ECS  [BILLABLE: asks first]" in out
    assert out.splitlines()[-1] == "Billable or destructive: Make a full CSBS backup of the ECS"
    code, out, err = cli(capsys, "run", image, "--service", "csbs", state=tmp_path)
    assert code == 3 and "Make a full CSBS backup of the ECS" in err


def test_dry_run_prints_every_call_and_body(capsys, tmp_path):
    code, out, _ = cli(capsys, "run", IDS["image_old_csbs_server_deleted"], "--dry-run", "--cleanup", state=tmp_path)
    assert code == 0
    assert "POST /v1/{project_id}/cloudservers" in out and '"imageRef"' in out
    assert "POST /v1/cloudimages/wholeimages/action" in out and '"whole_image_type": "CBR"' in out
    assert "BILLABLE" in out and "DESTRUCTIVE" in out


@pytest.mark.parametrize(
    "key, verdict, exit_code",
    [
        ("image_old_csbs_server_exists", "affected", 0),
        ("image_cbr", "not-affected-cbr", 4),
        ("image_new_csbs", "not-affected-new-format", 4),
        ("image_backup_deleted", "backup-missing", 6),
        ("image_system_disk", "not-full-ecs-image", 8),
    ],
)
def test_each_verdict_has_its_exit_code_in_diagnose_and_run(capsys, tmp_path, key, verdict, exit_code):
    """diagnose: one code per verdict (the README's table); run: the same for an image it does not repair."""
    code, out, _ = cli(capsys, "diagnose", IDS[key], state=tmp_path)
    assert code == exit_code and f"Verdict: {verdict}" in out
    code, out, _ = cli(capsys, "diagnose", IDS[key], "--json", state=tmp_path)
    assert code == exit_code and json.loads(out)["verdict"] == verdict
    if verdict == "affected":
        return
    code, out, _ = cli(capsys, "run", IDS[key], "--yes", state=tmp_path)
    assert code == exit_code and verdict in out
    code, out, _ = cli(capsys, "run", IDS[key], "--yes", "--json", state=tmp_path)
    last = json.loads(out.splitlines()[-1])
    assert code == exit_code and last["verdict"] == verdict
    assert last["status"] == ("not-affected" if exit_code == 4 else "not-repairable")


@pytest.mark.parametrize(
    "ref, message",
    [
        ("00000000-0000-4000-8000-000000000000", "No image with id"),
        ("1234-abcd-zz", "No image named"),
        ("0a1b2c3d-0000-4000", "not a valid image id"),
        ("no such image name", "No image named"),
    ],
)
def test_bad_image_refs_exit_2_with_a_clear_message(capsys, tmp_path, ref, message):
    code, out, err = cli(capsys, "diagnose", ref, state=tmp_path)
    assert code == 2 and message in err and "Traceback" not in err


def test_corrupted_journal_exits_2(capsys, tmp_path):
    (tmp_path / "runs").mkdir(parents=True)
    (tmp_path / "runs" / "00000000abcd.json").write_text("{broken")
    code, out, err = cli(capsys, "resume", "00000000abcd", state=tmp_path)
    assert code == 2 and "Damaged journal" in err


def test_diagnose_json_and_scan_json(capsys, tmp_path):
    code, out, _ = cli(capsys, "diagnose", IDS["image_old_csbs_server_deleted"], "--json", state=tmp_path)
    d = json.loads(out)
    assert d["verdict"] == "affected" and d["source_server"]["exists"] is False
    assert any(e["field"] == "extend_info.support_lld" for e in d["evidence"])
    code, out, _ = cli(capsys, "scan", "--json", state=tmp_path)
    shown = json.loads(out)
    assert shown["throttled"] == 0
    rows = shown["images"]
    by_id = {r["image_id"]: r for r in rows}
    assert by_id[IDS["image_old_csbs_server_exists"]]["verdict"] == "affected"
    assert by_id[IDS["image_old_csbs_server_exists"]]["source_server_exists"] is True
    assert by_id[IDS["image_cbr"]]["verdict"] == "not-affected-cbr"
    assert IDS["image_system_disk"] not in by_id  # scan covers full-ECS images only
    assert set(rows[0]) >= {"image_id", "image_name", "verdict", "source_server_id", "source_server_exists", "open_run"}
    code, out, _ = cli(capsys, "scan", state=tmp_path)
    row = next(line for line in out.splitlines() if line.startswith("erp-batch-full-2019 "))
    assert row.split()[2:] == ["affected", "CSBS", "erp-batch-01", "(deleted)", "-", "-"]  # no open run, no fast copy


def test_flowchart_and_help(capsys):
    assert main(["flowchart", "--format", "mermaid"]) == 0
    assert capsys.readouterr().out.startswith("flowchart TD")
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for command in ("demo", "diagnose", "scan", "run", "resume", "runs", "report", "flowchart", "config", "sim"):
        assert command in text


def test_config_show_masks_secrets(capsys, monkeypatch):
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", "AKSHOWME1234")
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", "NEVER-SHOW-THIS-SK")
    monkeypatch.setenv("HUAWEICLOUD_SDK_PROJECT_ID", "p" * 32)
    monkeypatch.setenv("HUAWEICLOUD_SDK_REGION", "eu-west-101")
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert "NEVER-SHOW-THIS-SK" not in out and "AKSHOWME1234" not in out and "HUAWEICLOUD_SDK_AK" in out


def test_advice_follows_whether_the_source_ecs_exists(capsys, tmp_path):
    code, out, _ = cli(capsys, "diagnose", IDS["image_old_csbs_server_deleted"], "--json", state=tmp_path)
    assert "first create a temporary ECS from this image" in json.loads(out)["advice"]
    code, out, _ = cli(capsys, "diagnose", IDS["image_old_csbs_server_exists"], "--json", state=tmp_path)
    assert json.loads(out)["advice"].startswith("Repair it: back the server up again")


def test_version_is_the_installed_packages(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"ecs-wizard {version('ecs-wizard')}\n"
