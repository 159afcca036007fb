"""The options a printed command carries so that it works pasted into a fresh shell (wizard.reach), and
the remedies phrased with them (wizard.remedy.CommandLine)."""

import shlex

from wizard.journal import platform_state_dir
from wizard.reach import Reach
from wizard.remedy import COMMAND_LINE, Action, CommandLine, Remedy


def test_the_default_state_directory_is_left_out_and_another_is_named_absolute(tmp_path, monkeypatch):
    assert Reach.of_directory(platform_state_dir()).command("runs") == "ecs-wizard runs"
    assert Reach.of_directory(None).command("runs") == "ecs-wizard runs"
    monkeypatch.chdir(tmp_path)
    relative = Reach.of_directory("my state").command("runs")
    assert shlex.split(relative) == ["ecs-wizard", "runs", "--state-dir", str(tmp_path / "my state")]


def test_a_journaled_run_names_its_cloud_region_endpoint_and_tls(tmp_path):
    record = {
        "cloud": "otc",
        "region": "eu-nl",
        "endpoints": {"ecs": "https://sim.example:8443", "ims": "https://sim.example:8443"},
        "verify_tls": False,
    }
    assert shlex.split(Reach.of_run(record, tmp_path).command("abandon", "3f2a")) == [
        *("ecs-wizard", "abandon", "3f2a", "--state-dir", str(tmp_path)),
        *("--cloud", "otc", "--region", "eu-nl", "--endpoint", "https://sim.example:8443", "--insecure"),
    ]
    # the region's own endpoints, one per service: the region is enough
    record = {"cloud": "hwc", "region": "eu-west-101", "endpoints": {"ecs": "https://ecs.x", "ims": "https://ims.x"}}
    assert Reach.of_run(record, platform_state_dir()).command("runs") == (
        "ecs-wizard runs --cloud hwc --region eu-west-101"
    )


def test_a_demo_run_names_the_demo_and_a_profile_other_than_the_default(tmp_path):
    assert Reach.of_run({"cloud": "demo", "profile": "otc"}, tmp_path).options == (
        "--state-dir",
        str(tmp_path),
        "--demo",
    )
    assert Reach.of_run({"cloud": "demo", "profile": "hwc"}, platform_state_dir()).options == (
        "--demo",
        "--profile",
        "hwc",
    )
    assert Reach.of_run({}, platform_state_dir()).options == ()  # a record without a cloud: nothing to add


def test_command_line_phrases_every_command_with_the_builder(tmp_path):
    reach = Reach.of_run({"cloud": "demo"}, tmp_path)
    phrases = CommandLine(reach.command)
    tail = f"--state-dir {tmp_path} --demo"
    said = {
        action: phrases.say(Remedy(action, "Because", run_id="3f2a", image_id="img-1"))
        for action in (Action.RESUME, Action.CHOOSE_CBR, Action.DELETE_TEMP_SERVER, Action.ABANDON, Action.LIST_RUNS)
    }
    assert f"(ecs-wizard resume 3f2a {tail})" in said[Action.RESUME]
    assert f"(ecs-wizard run img-1 --service cbr {tail})" in said[Action.CHOOSE_CBR]
    assert said[Action.DELETE_TEMP_SERVER].endswith(f"ecs-wizard resume 3f2a --cleanup {tail}")
    assert f"(ecs-wizard abandon 3f2a {tail})" in said[Action.ABANDON]
    assert f"ecs-wizard runs {tail}" in said[Action.LIST_RUNS]
    changed = phrases.say(Remedy(Action.CHANGE_ON_RESUME, "No", question="flavor", answer="s3.large.2", run_id="3f2a"))
    assert (
        f"ecs-wizard resume 3f2a --flavor s3.large.2 {tail}" in changed and f"ecs-wizard abandon 3f2a {tail}" in changed
    )
    # the sentence a journal keeps is the bare one, as before
    assert Remedy(Action.ABANDON, run_id="3f2a").sentence == COMMAND_LINE.say(Remedy(Action.ABANDON, run_id="3f2a"))
    assert "ecs-wizard abandon 3f2a)" in Remedy(Action.ABANDON, run_id="3f2a").sentence
