"""Answers that can change on resume (issue 10 item 6): ``resume RUN_ID --flavor/--vpc/--subnet/--az/
--volume-type/--service`` rebuilds the steps not yet started; a change that would alter a step that
has started is refused, naming that step, and nothing changes."""

import json

from tests.engine.test_cli_front_end import FAST, SOURCE_GONE, cli, json_lines
from wizard.journal import Journal
from wizard.ownership import MARK_KEY


def preflight_failed(capsys, state, *extra):
    """A run stopped by its preflight (nothing made): the flavor s99.huge does not exist."""
    code, out, err = cli(
        capsys, state, "run", SOURCE_GONE, "--flavor", "s99.huge", "--source-exists", "no", "--yes", "--json", *extra
    )
    assert code == 1, err
    return json_lines(out)[-1]["run_id"]


def test_a_changed_flavor_rebuilds_the_steps_not_started_and_the_run_succeeds(capsys, tmp_path, opened):
    run_id = preflight_failed(capsys, tmp_path, *FAST)
    code, out, err = cli(capsys, tmp_path, "resume", run_id, "--flavor", "s3.large.2", "--yes", "--json", *FAST)
    assert code == 0, err
    events = json_lines(out)
    changed = events[0]
    assert changed["event"] == "answers-changed" and changed["changes"] == {"flavor": ["s99.huge", "s3.large.2"]}
    assert "Create a temporary ECS from the slow image" in changed["rebuilt"]
    assert events[-1]["status"] == "succeeded"
    run = Journal(tmp_path).load(run_id)
    assert run.plan.step("create_temp_server").inputs["flavor_id"] == "s3.large.2"
    assert run.answers["server"]["flavor_id"] == "s3.large.2"
    assert [c["changes"] for c in run.answer_changes] == [{"flavor": ["s99.huge", "s3.large.2"]}]
    emu = opened.sessions[-1].emulator
    servers = [s for s in emu.state.visible_servers() if f"{MARK_KEY}={run_id}" in s.tags]
    assert [s.flavor_id for s in servers] == ["s3.large.2"]


def test_a_change_of_service_before_anything_started_takes_the_other_path(capsys, tmp_path, opened):
    run_id = preflight_failed(capsys, tmp_path, *FAST)
    code, out, err = cli(
        capsys, tmp_path, "resume", run_id, "--service", "csbs", "--flavor", "s3.medium.2", "--yes", "--json", *FAST
    )
    assert code == 0, err
    run = Journal(tmp_path).load(run_id)
    assert run.answers["service"] == "csbs" and run.plan.first("csbs_backup") is not None
    assert run.plan.first("ensure_vault") is None and run.status == "succeeded"


def test_a_change_that_would_alter_a_finished_step_is_refused_naming_it(capsys, tmp_path, opened):
    opened.faults = ["ims.create_whole_image:first=1:status=400:code=IMG.0015:message=quota exceeded"]
    code, out, err = cli(capsys, tmp_path, "run", SOURCE_GONE, "--source-exists", "no", "--yes", "--json", *FAST)
    assert code == 1, err
    run_id = json_lines(out)[-1]["run_id"]
    before = Journal(tmp_path).path(run_id).read_text()

    code, out, err = cli(capsys, tmp_path, "resume", run_id, "--flavor", "s3.large.2", "--yes", *FAST)
    assert code == 2
    assert "would alter 'Create a temporary ECS from the slow image', which has finished; nothing was changed" in err
    assert f"ecs-wizard abandon {run_id}" in err
    code, out, err = cli(capsys, tmp_path, "resume", run_id, "--service", "csbs", "--yes", *FAST)
    assert code == 2 and "which has finished; nothing was changed" in err
    after = json.loads(Journal(tmp_path).path(run_id).read_text())
    assert after["plan"] == json.loads(before)["plan"] and after["answer_changes"] == []


def test_the_same_answer_changes_nothing(capsys, tmp_path, opened):
    run_id = preflight_failed(capsys, tmp_path, *FAST)
    code, out, err = cli(capsys, tmp_path, "resume", run_id, "--flavor", "s99.huge", "--yes", *FAST)
    assert code == 1  # the preflight refuses it again
    assert out.splitlines()[0] == f"Run {run_id}: those are its answers already; nothing changed."
    assert Journal(tmp_path).load(run_id).answer_changes == []


def test_changed_answers_need_a_run_id_and_no_follow_up(capsys, tmp_path):
    code, out, err = cli(capsys, tmp_path, "resume", "--flavor", "s3.large.2")
    assert code == 2 and "--flavor change a failed or interrupted run's answers: give its RUN_ID" in err
    code, out, err = cli(capsys, tmp_path, "resume", "abc123", "--flavor", "s3.large.2", "--cleanup")
    assert code == 2 and "without --cleanup or --test-launch" in err


def test_a_finished_run_keeps_its_answers(capsys, tmp_path, opened):
    code, out, err = cli(capsys, tmp_path, "run", SOURCE_GONE, "--source-exists", "no", "--yes", "--json", *FAST)
    assert code == 0, err
    run_id = json_lines(out)[-1]["run_id"]
    code, out, err = cli(capsys, tmp_path, "resume", run_id, "--flavor", "s3.large.2", "--yes")
    assert code == 2 and "there is nothing to resume" in err


def test_the_report_shows_the_change(capsys, tmp_path, opened):
    run_id = preflight_failed(capsys, tmp_path, *FAST)
    cli(capsys, tmp_path, "resume", run_id, "--volume-type", "SSD", "--flavor", "s3.medium.2", "--yes", *FAST)
    code, out, err = cli(capsys, tmp_path, "report", run_id)
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.startswith("- Changed on resume"))
    assert "flavor s99.huge -> s3.medium.2; volume_type SAS -> SSD (rebuilt: Create a temporary ECS" in line


def test_the_questions_offer_the_clouds_choices_with_the_runs_answers_as_defaults(tmp_path):
    """What every front end's "Change answers" asks: the choices preflight checks against (an answer
    the cloud refused is not among them, and its question falls back to the usual default); every
    other answer defaults to the run's own."""
    from tests.engine.helpers import start
    from wizard import change
    from wizard.config import resolve
    from wizard.preflight import offered
    from wizard.questions import ServerChoice
    from wizard.session import open_session

    session = open_session(resolve(demo=True), state_dir=tmp_path / "state", speed=100000, faults=[])
    ids = session.emulator.ids
    server = ServerChoice("s99.huge", ids["vpc_id"], ids["subnet_id"], "eu-de-02", "SATA")
    run = start(session, SOURCE_GONE, service="csbs", source_exists=False, server=server)
    asked = {q.key: q for q in change.questions(session.clients, run)}
    cloud = offered(session.clients, "eu-de-02")
    assert [c.value for c in asked["flavor"].choices] == [f.id for f in cloud.flavors]
    assert "s99.huge" not in [c.value for c in asked["flavor"].choices] and asked["flavor"].default
    assert [c.value for c in asked["availability_zone"].choices] == [*cloud.zones, None]
    assert [c.value for c in asked["volume_type"].choices] == cloud.volume_types
    assert asked["service"].default == "csbs" and asked["availability_zone"].default == "eu-de-02"
    assert asked["volume_type"].default == "SATA"
    assert asked["network"].default == f"{ids['vpc_id']}/{ids['subnet_id']}"
    values = {key: q.default for key, q in asked.items()}
    assert change.given({**values, "flavor": "s3.medium.2"}) == {
        "service": "csbs",
        "flavor": "s3.medium.2",
        "vpc": ids["vpc_id"],
        "subnet": ids["subnet_id"],
        "az": "eu-de-02",
        "volume_type": "SATA",
    }
