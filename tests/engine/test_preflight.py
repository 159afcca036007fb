"""Preflight before the first billable step (issue 10 item 7): the answers that make an ECS are checked
against the cloud's lists (zones, flavors, VPCs and subnets, disk types) and by the create sent with
``"dry_run": true``, and a wrong one stops the run before anything is made, naming the valid choices."""

import shlex

import pytest

from tests.engine.test_cli_front_end import FAST, SOURCE_GONE, cli, json_lines
from wizard import preflight
from wizard.cli import main
from wizard.cloud.ecs import ServerSpec
from wizard.cloud.errors import AnswerLost, CloudError
from wizard.journal import Journal
from wizard.ownership import MARK_KEY
from wizard.questions import Answers, ServerChoice


def spec(session, **changes):
    ids = session.emulator.ids
    values = {
        "name": "ecs-wizard-tmp-check",
        "image_id": ids["image_old_csbs_server_deleted"],
        "flavor_id": "s3.medium.2",
        "vpc_id": ids["vpc_id"],
        "subnet_id": ids["subnet_id"],
        "root_volume_type": "SAS",
        "availability_zone": "eu-de-01",
    }
    return ServerSpec(**{**values, **changes})


def temp_server_plan(session, **choice):
    """The plan of path 2 (source gone, CBR) with the temporary ECS answered ``choice``."""
    from wizard.diagnose import diagnose
    from wizard.plan import build_plan

    ids = session.emulator.ids
    values = {
        "flavor_id": "s3.medium.2",
        "vpc_id": ids["vpc_id"],
        "subnet_id": ids["subnet_id"],
        "availability_zone": "eu-de-01",
        "volume_type": "SAS",
    }
    server = ServerChoice(**{**values, **choice})
    d = diagnose(session.clients, ids["image_old_csbs_server_deleted"])
    return build_plan(session.clients, d, Answers("cbr", False, server))


# -- the emulator answers the calls a preflight makes ---------------------------------------------------


def test_the_emulator_lists_zones_and_disk_types_as_the_apis_document(session):
    assert session.clients.ecs.list_availability_zones() == ["eu-de-01", "eu-de-02"]
    types = {t.name: t for t in session.clients.evs.list_volume_types()}
    assert {"SATA", "SAS", "SSD"} <= set(types)
    assert types["SAS"].available_in("eu-de-02") and not types["SAS"].available_in("eu-de-09")


def test_a_dry_run_answers_202_when_valid_and_the_creates_own_error_otherwise_and_makes_nothing(session):
    state = session.emulator.state
    before = len(state.servers)
    session.clients.ecs.check_create_server(spec(session))  # 202: no error
    with pytest.raises(CloudError) as refused:
        session.clients.ecs.check_create_server(spec(session, flavor_id="s99.huge"))
    assert (refused.value.status, refused.value.code) == (400, "Ecs.0029")
    assert len(state.servers) == before


def test_a_create_fault_meets_the_dry_run_only_when_it_refuses(session):
    """A refusal (403) applies to any create request; a 5xx or a lost answer is the real create's, so a
    preflight does not use up a rule meant for it."""
    session.emulator.add_fault("ecs.create_server:first=1:status=503")
    session.clients.ecs.check_create_server(spec(session))  # the rule is still waiting for the create
    with pytest.raises(AnswerLost):
        session.clients.ecs.create_server(spec(session))
    session.emulator.add_fault("ecs.create_server:status=403:code=Ecs.0403")
    with pytest.raises(CloudError) as refused:
        session.clients.ecs.check_create_server(spec(session))
    assert refused.value.code == "Ecs.0403"


def test_a_region_that_ignores_dry_run_has_that_server_deleted_at_once(session, monkeypatch):
    from wizard.sim import actions

    real = actions.create_server
    monkeypatch.setattr(actions, "create_server", lambda state, body, **kw: real(state, body, fail=kw.get("fail")))
    notes = []
    plan = temp_server_plan(session)
    assert preflight.check(session.clients, plan, note=notes.append) == []
    assert "ignored dry_run and started creating ECS" in notes[0] and "deleted again at once" in notes[0]
    session.emulator.clock.advance(600)
    marked = [s for s in session.emulator.state.visible_servers() if f"{MARK_KEY}={plan.run_id}" in s.tags]
    assert marked == []  # the one it made carried the run's mark, and is gone


# -- what a preflight finds -------------------------------------------------------------------------------


def test_valid_answers_pass(session):
    assert preflight.check(session.clients, temp_server_plan(session)) == []


@pytest.mark.parametrize(
    ("choice", "key", "named"),
    [
        ({"flavor_id": "s99.huge"}, "flavor", "Valid flavors: s3.medium.2 (1 vCPU, 2 GB), s3.large.2"),
        ({"availability_zone": "eu-de-09"}, "az", "Valid zones: eu-de-01, eu-de-02"),
        ({"vpc_id": "no-such-vpc"}, "vpc", "Valid VPCs: "),
        ({"subnet_id": "no-such-subnet"}, "subnet", "Its subnets: "),
        ({"volume_type": "FLOPPY"}, "volume_type", "Valid disk types: SATA, SAS, SSD"),
    ],
)
def test_each_wrong_answer_is_named_with_the_valid_choices(session, choice, key, named):
    [problem] = preflight.check(session.clients, temp_server_plan(session, **choice))
    assert (problem.step, problem.key) == ("create_temp_server", key)
    assert named in problem.message
    sentence = problem.error().remedy.about("r1", "img").sentence
    assert sentence.startswith("Nothing was made: resume the run with another answer (ecs-wizard resume r1 --")


def test_a_list_the_cloud_does_not_give_leaves_that_check_to_the_create(session):
    session.emulator.add_fault("ecs.list_availability_zones:status=403:code=Ecs.0403")
    assert preflight.check(session.clients, temp_server_plan(session, availability_zone="eu-de-02")) == []


# -- the run stops before anything is made ------------------------------------------------------------------


def test_the_issues_wrong_flavor_fails_before_anything_billable_naming_the_valid_flavors(capsys, tmp_path, opened):
    code, out, err = cli(
        capsys, tmp_path, "run", SOURCE_GONE, "--flavor", "s99.huge", "--source-exists", "no", "--yes", "--json", *FAST
    )
    assert code == 1, err
    events = json_lines(out)
    failed = next(e for e in events if e["event"] == "step-failed")
    assert failed["step"] == "create_temp_server"
    assert "The flavor s99.huge is not offered in eu-de-02. Valid flavors: s3.medium.2" in failed["message"]
    assert "--flavor FLAVOR" in failed["remedy"] and "ecs-wizard abandon" in failed["remedy"]
    last = events[-1]
    assert (last["event"], last["status"]) == ("run-finished", "failed")
    assert not any(e["event"] in ("step-started", "waiting-for-confirmation") for e in events)
    emu = opened.sessions[-1].emulator
    run_id = last["run_id"]
    assert not any(emu.state.tag_counts().get(f"{MARK_KEY}={run_id}", {}).values())
    assert not any(s.flavor_id == "s99.huge" for s in emu.state.servers.values())
    run = Journal(tmp_path).load(run_id)
    assert run.plan.step("create_temp_server").state.get("sent") is None


def test_after_a_refused_answer_the_closing_line_offers_the_resume_that_changes_it_and_it_works_as_printed(
    capsys, tmp_path, opened
):
    """Not a plain ``resume`` (which would be refused the same way), but the resume with the refused
    answer's option, with the options that reach this cloud and state directory."""
    code, out, err = cli(capsys, tmp_path, "run", SOURCE_GONE, "--flavor", "s99.huge", "--source-exists", "no", "--yes")
    assert code == 1, err
    closing = out.strip().splitlines()[-1]
    hint, _, command = closing.partition(": ")
    assert hint.strip() == "resume with another answer (one listed above)"
    words = shlex.split(command)
    run_id = words[2]
    assert words[:5] == ["ecs-wizard", "resume", run_id, "--flavor", "FLAVOR"]
    assert words[5:] == ["--state-dir", str(tmp_path), "--demo"]
    # the placeholder replaced by a flavor the error listed, the command as printed resumes the run
    words[4] = "s3.medium.2"
    assert main([*words[1:], "--yes", *FAST]) == 0
    run = Journal(tmp_path).load(run_id)
    assert run.status == "succeeded" and run.answers["server"]["flavor_id"] == "s3.medium.2"


def test_the_json_closing_event_names_the_answer_to_change(capsys, tmp_path, opened):
    code, out, _ = cli(
        capsys, tmp_path, "run", SOURCE_GONE, "--flavor", "s99.huge", "--source-exists", "no", "--yes", "--json", *FAST
    )
    assert json_lines(out)[-1]["change_answer"] == "flavor"
