"""``--profile otc|hwc``: the demo and ``sim serve`` as either cloud (wizard.sim.profiles)."""

import json
import os

from tests.served import sim_serve
from wizard.cli import main
from wizard.journal import Journal
from wizard.session import demo_world_path
from wizard.sim import Emulator

IDS = Emulator(scenario="demo", speed=0).ids  # the same ids on both clouds


def cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_demo_as_huawei_cloud_says_so_and_works_in_its_region(capsys, tmp_path):
    code, out, err = cli(capsys, "config", "show", "--demo", "--profile", "hwc")
    assert code == 0, err
    assert "demo (built-in emulator of Huawei Cloud)" in out and "eu-west-101" in out
    code, out, err = cli(
        capsys, "diagnose", IDS["image_old_csbs_server_exists"], "--json", "--demo", "--profile", "hwc"
    )
    assert code == 0, err
    diagnosis = json.loads(out)
    assert diagnosis["verdict"] == "affected"
    # Huawei Cloud answers the CBR look-up of a CSBS backup with its 401, read as "not a CBR backup".
    cbr = next(e for e in diagnosis["evidence"] if e["field"] == "CBR backup")
    assert cbr["value"] == "not found (401)" and cbr["meaning"] == "not a CBR backup"
    assert diagnosis["source_server"]["availability_zone"] == "eu-west-101a"


def test_the_demo_is_open_telekom_cloud_by_default(capsys):
    code, out, err = cli(capsys, "config", "show", "--demo")
    assert code == 0, err
    assert "demo (built-in emulator of Open Telekom Cloud)" in out and "eu-de" in out


def test_profile_without_the_demo_is_bad_usage(capsys, tmp_path):
    env = {"HUAWEICLOUD_SDK_AK": "AK", "HUAWEICLOUD_SDK_SK": "SK", "HUAWEICLOUD_SDK_PROJECT_ID": "p" * 32}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        code, out, err = cli(capsys, "scan", "--profile", "hwc", "--state-dir", str(tmp_path))
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert code == 2 and "--profile only applies to the demo emulator" in err and "Traceback" not in err


def test_an_unknown_profile_is_refused_by_the_parser(capsys):
    try:
        main(["demo", "--profile", "aws"])
    except SystemExit as stop:
        assert stop.code == 2
    assert "argument --profile: invalid choice: 'aws'" in capsys.readouterr().err


def test_a_demo_run_kept_on_huawei_cloud_is_resumed_there_without_saying_so_again(capsys, tmp_path):
    """Each emulated cloud keeps its own world; a run records which, and resume goes back to it."""
    state = ["--state-dir", str(tmp_path), "--speed", "100000"]
    code, out, err = cli(
        capsys, "run", IDS["image_old_csbs_server_deleted"], "--yes", "--demo", "--profile", "hwc", *state
    )
    assert code == 0, err
    run_id = out.split("run ")[1].split()[0]
    assert "resume" in out and "--cleanup" in out  # the temporary ECS was kept
    journal = json.loads(next(tmp_path.rglob(f"{run_id}.json")).read_text())
    assert journal["cloud"]["profile"] == "hwc" and journal["cloud"]["region"] == "eu-west-101"
    kept = Journal(tmp_path)
    assert demo_world_path(kept, "hwc").exists() and not demo_world_path(kept, "otc").exists()
    code, out, err = cli(capsys, "resume", run_id, "--cleanup", "--yes", "--demo", "--profile", "otc", *state)
    assert code == 2 and "emulated Huawei Cloud" in err and "--profile hwc" in err
    code, out, err = cli(capsys, "resume", run_id, "--cleanup", "--yes", *state)
    assert code == 0, err
    assert "Delete the temporary ECS" in out


def test_sim_serve_as_huawei_cloud_exports_its_variables_and_endpoints():
    with sim_serve("--profile", "hwc") as served:
        pass
    assert served.returncode == 0 and "# emulator stopped" in served.stderr()  # Ctrl-C stopped it
    assert "emulator serving scenario 'demo' as Huawei Cloud (hwc)" in served.stderr()
    lines = served.lines
    assert "export HUAWEICLOUD_SDK_REGION=eu-west-101" in lines
    assert any(line.endswith("# in place of https://ims.eu-west-101.myhuaweicloud.eu") for line in lines)
