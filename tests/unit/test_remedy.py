"""Remedies are data that each front end phrases (issue 16 item 5), and a step's error keeps the
journal's form: the same keys, a sentence for the remedy, and journals written before still load."""

import json

import pytest

from screens.advice import TUI
from tests.unit.test_journal_and_plan_units import RUN as RUN_ID
from tests.unit.test_journal_and_plan_units import small_run
from wizard.journal import Journal
from wizard.remedy import COMMAND_LINE, Action, Remedy, StepError
from wizard.status import RunStatus, StepStatus

EVERY = [
    Remedy(action, "A reason", question="source_exists", answer="no", run_id="r1", image_id="img-1")
    for action in Action
]


@pytest.mark.parametrize("remedy", EVERY, ids=[r.action.value for r in EVERY])
def test_every_action_is_phrased_by_both_front_ends_and_the_tui_names_no_command(remedy):
    cli, tui = COMMAND_LINE.say(remedy), TUI.say(remedy)
    assert cli.startswith("A reason") and tui.startswith("A reason")
    assert "ecs-wizard" not in tui and "--" not in tui


def test_the_command_line_prints_the_command_with_the_run_and_the_image():
    assert COMMAND_LINE.say(Remedy(Action.RESUME, "Raise the quota", run_id="r1")) == (
        "Raise the quota, then resume the run (ecs-wizard resume r1)."
    )
    assert "(ecs-wizard run img-1 --service cbr)" in COMMAND_LINE.say(Remedy(Action.CHOOSE_CBR, image_id="img-1"))
    # a follow-up ends with its command, copyable, without a full stop
    assert COMMAND_LINE.say(Remedy(Action.DELETE_TEMP_SERVER, "The temporary ECS s1 was kept", run_id="r1")) == (
        "The temporary ECS s1 was kept: ecs-wizard resume r1 --cleanup"
    )


def test_abandon_names_its_command_on_the_command_line():
    remedy = Remedy(Action.ABANDON, "This run cannot finish", run_id="r1")
    assert COMMAND_LINE.say(remedy) == (
        "This run cannot finish; give the run up and delete what it made (ecs-wizard abandon r1)."
    )


def test_a_kept_vault_is_named_with_where_each_front_end_lists_it():
    remedy = Remedy(
        Action.RUN_AGAIN, "Gone", question="source_exists", answer="no", run_id="r1", kept_vault=("v", "id")
    )
    assert "v (id), is recorded in its journal" in COMMAND_LINE.say(remedy)
    assert "(ecs-wizard report r1 lists it)" in COMMAND_LINE.say(remedy)
    assert "(the run's report lists it: e on the summary)" in TUI.say(remedy)


def test_a_failed_step_is_journaled_with_the_same_keys_and_a_sentence_and_reads_back(tmp_path):
    journal = Journal(tmp_path)
    run = small_run()
    step = run.plan.steps[0]
    step.status = StepStatus.FAILED
    step.error = StepError("quota exceeded", Remedy(Action.RESUME, "Raise the quota", run_id=RUN_ID), "Ecs.0001", "q-1")
    run.status, run.error = RunStatus.FAILED, step.error
    journal.save(run)
    stored = json.loads(journal.path(RUN_ID).read_text())
    error = stored["plan"]["steps"][0]["error"]
    assert {"message", "remedy", "code", "request_id", "service"} <= set(error)
    assert error["remedy"] == f"Raise the quota, then resume the run (ecs-wizard resume {RUN_ID})."
    assert stored["status"] == "failed" and stored["plan"]["steps"][0]["status"] == "failed"
    again = journal.load(RUN_ID)
    assert again.plan.steps[0].error == step.error and again.error == step.error
    assert again.status is RunStatus.FAILED and again.plan.steps[0].status is StepStatus.FAILED


def test_a_journal_from_before_remedies_were_data_still_loads(tmp_path):
    journal = Journal(tmp_path)
    journal.save(small_run())
    stored = json.loads(journal.path(RUN_ID).read_text())
    old = {"message": "m", "remedy": "Raise the quota, then resume.", "code": "Ecs.0001", "request_id": "q"}
    stored["plan"]["steps"][0].update(status="failed", error=old)
    stored.update(status="failed", error=old)
    journal.path(RUN_ID).write_text(json.dumps(stored))
    run = journal.load(RUN_ID)
    assert run.error.remedy.sentence == "Raise the quota, then resume."
    assert TUI.say(run.plan.steps[0].error.remedy) == "Raise the quota, then resume."
    assert run.plan.steps[0].error.code == "Ecs.0001" and run.resumable
