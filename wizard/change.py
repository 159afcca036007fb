"""Answers that can change (issue 10 item 6): on a failed or interrupted run the temporary ECS's
flavor, VPC, subnet, zone and disk type, and the backup service, may be answered again.

The plan is rebuilt from the run's diagnosis and the new answers, with the run's id and the image
name it chose. A step that has started (it succeeded, or holds an id of something it made or is
making, or a create whose answer is outstanding) keeps its id, state and outputs, and must come out
of the new plan the same: a change that would alter it, or drop it, is refused, naming that step
(changing the service after the backup succeeded, the flavor after the temporary ECS was made).
Every step that has not started is built afresh (and asks for confirmation again where it is
billable). The journal records each change (``run.answer_changes``: what changed, from what to
what, and which steps were rebuilt) and the report shows it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from wizard.errors import UsageError
from wizard.ownership import HELD_KEYS, RunLock
from wizard.questions import Answers, Choice, Question, ServerChoice, flavor_choice, repair_questions, server_questions
from wizard.remedy import SERVER_OPTIONS, Action, Remedy, change_option
from wizard.status import StepStatus

if TYPE_CHECKING:
    from wizard.cloud.client import Clients
    from wizard.journal import Journal, Run
    from wizard.steps import Step

# The answers that can change: the option that names each, and the ServerChoice field it sets.
SERVER_ANSWERS = {
    "flavor": "flavor_id",
    "vpc": "vpc_id",
    "subnet": "subnet_id",
    "az": "availability_zone",
    "volume_type": "volume_type",
}
OPTIONS = {"service": "--service", **SERVER_OPTIONS}
IN_FLIGHT = ("sent", "job_id", "checkpoint_id", "task_id")  # a create or job under way


@dataclass(frozen=True)
class Change:
    key: str  # "service", or one of SERVER_ANSWERS
    old: Any
    new: Any

    def text(self) -> str:
        return f"{OPTIONS[self.key].lstrip('-')} {self.old or '(none)'} -> {self.new or '(none)'}"


def started(step: Step) -> bool:
    """Whether the step did something the cloud holds: it succeeded, or has an id of what it made or
    is making, or a create whose answer never came. A step that failed before that, or was never
    run, may be built again."""
    if step.status == StepStatus.SUCCEEDED:
        return True
    return any(step.state.get(key) for key in (*HELD_KEYS, *IN_FLIGHT))


def refused_answer(run: Run) -> str | None:
    """When the run failed on an answer the cloud refused (preflight), that answer's key (one of
    SERVER_ANSWERS), or "" when the cloud refused the request as a whole; else None."""
    failed = run.plan.failed_step()
    remedy = failed.error.remedy if failed is not None and failed.error is not None else None
    if remedy is None or remedy.action is not Action.CHANGE_ON_RESUME:
        return None
    return remedy.question or ""


def resume_options(run: Run) -> list[str]:
    """What a resume of ``run`` must change to get past its preflight: the refused answer's option
    (``--flavor FLAVOR``, the placeholder for one of the choices the error listed), else nothing."""
    key = refused_answer(run)
    return change_option(key) if key else []


def current_server(run: Run) -> ServerChoice | None:
    """The temporary ECS (or, on a path without one, the test launch) as the run would make it now."""
    answers = Answers.from_dict(run.answers)
    if answers.server is not None:
        return answers.server
    step = run.plan.first("create_temp_server") or run.plan.first("test_launch")
    if step is None:
        return None
    i = step.inputs
    return ServerChoice(i["flavor_id"], i["vpc_id"], i["subnet_id"], i.get("availability_zone"), i["volume_type"])


def questions(clients: Clients, run: Run) -> list[Question]:
    """What "Change answers" asks, in every front end: the backup service and, on a run that makes an
    ECS, its flavor, network, zone and disk type, each defaulting to the run's answer now. The choices
    are what the cloud offers, from the lists preflight checks against (``wizard.preflight.offered``:
    the zones, the flavors and disk types offered in the run's zone), so an answer the cloud refused is
    not among them and its question defaults to the usual choice instead."""
    from wizard.diagnose import Diagnosis
    from wizard.preflight import offered

    diagnosis = Diagnosis.from_dict(run.diagnosis)
    service = next(q for q in repair_questions(diagnosis) if q.key == "service")
    service.default = run.answers.get("service") or service.default
    server = current_server(run)
    if server is None:
        return [service]
    cloud = offered(clients, server.availability_zone)
    asked = {q.key: q for q in server_questions(clients, diagnosis)}
    if cloud.flavors is not None:
        asked["flavor"].choices = [flavor_choice(f) for f in cloud.flavors]
    if cloud.zones is not None:
        asked["availability_zone"].choices = [Choice(z, z) for z in cloud.zones] + [
            Choice(None, "let the cloud choose")
        ]
    if cloud.volume_types is not None:
        asked["volume_type"].choices = [Choice(t, t) for t in cloud.volume_types]
    now = {
        "flavor": server.flavor_id,
        "network": f"{server.vpc_id}/{server.subnet_id}",
        "availability_zone": server.availability_zone,
        "volume_type": server.volume_type,
    }
    for q in asked.values():
        values = [c.value for c in q.choices]
        for default in (now[q.key], q.default):
            if default in values:
                q.default = default
                break
        else:
            q.default = values[0] if values else None
    return [service, *asked.values()]


def given(values: dict[str, Any]) -> dict[str, Any]:
    """The answers of :func:`questions` (question key -> value) as :func:`change_answers` takes them."""
    out = {"service": values.get("service")}
    if "network" in values:
        vpc_id, _, subnet_id = str(values["network"] or "/").partition("/")
        out.update(
            flavor=values.get("flavor"),
            vpc=vpc_id or None,
            subnet=subnet_id or None,
            az=values.get("availability_zone"),
            volume_type=values.get("volume_type"),
        )
    return out


def changed(run: Run, clients: Clients, given: dict[str, Any]) -> tuple[Answers, list[Change]]:
    """The run's answers with ``given`` (option key -> value; None: not given) applied, and what
    changed. A subnet given without its VPC brings its VPC along."""
    answers = Answers.from_dict(run.answers)
    changes: list[Change] = []
    service = given.get("service")
    if service and service != answers.service:
        changes.append(Change("service", answers.service, service))
        answers = replace(answers, service=service)
    wanted = {key: value for key, value in given.items() if key in SERVER_ANSWERS and value is not None}
    if wanted:
        server = current_server(run)
        if server is None:
            raise UsageError(
                f"Run {run.run_id} backs up its source ECS and launches no test ECS: it makes no ECS, "
                f"so {', '.join(OPTIONS[k] for k in wanted)} would change nothing.",
                "Only --service can change on this run.",
            )
        if "subnet" in wanted and "vpc" not in wanted:
            subnet = next((s for s in clients.vpc.list_subnets() if s.id == wanted["subnet"]), None)
            if subnet is not None and subnet.vpc_id:
                wanted["vpc"] = subnet.vpc_id
        new_server = replace(server, **{SERVER_ANSWERS[key]: value for key, value in wanted.items()})
        changes += [
            Change(key, getattr(server, SERVER_ANSWERS[key]), value)
            for key, value in wanted.items()
            if getattr(server, SERVER_ANSWERS[key]) != value
        ]
        answers = replace(answers, server=new_server)
    return answers, changes


def change_answers(
    clients: Clients, run: Run, given: dict[str, Any], *, clock: Callable[[], float] = time.time
) -> list[Change]:
    """Apply ``given`` to a failed or interrupted ``run``: rebuild its plan for the steps not yet
    started and journal what changed (the caller saves the run). Refused (``UsageError``, naming
    the step) when a change would alter a step that has started; [] when nothing changes."""
    from wizard.diagnose import Diagnosis
    from wizard.plan import build_plan

    if not run.resumable:
        raise UsageError(
            f"Run {run.run_id} is {run.status}: only a failed or interrupted run's answers can change.",
            "Start a new repair of its image with the answers you want.",
        )
    answers, changes = changed(run, clients, given)
    if not changes:
        return []
    old = run.plan
    new = build_plan(
        clients, Diagnosis.from_dict(run.diagnosis), answers, run_id=run.run_id, image_name=old.new_image_name
    )
    by_name = {step.name: step for step in new.steps}
    for step in old.steps:
        if not started(step):
            continue
        counterpart = by_name.get(step.name)
        if counterpart is None or counterpart.inputs != step.inputs:
            raise UsageError(
                f"Changing {', '.join(OPTIONS[c.key] for c in changes)} would alter '{step.title}', "
                f"which has {'finished' if step.status == StepStatus.SUCCEEDED else 'started'}; nothing was changed.",
                Remedy(
                    Action.ABANDON,
                    "Resume the run with its answers as they are, or start a new repair with the answers you want",
                    run_id=run.run_id,
                ),
            )
        by_name[step.name] = step  # kept as it is: its ids, state and outputs
    kept = {step.name for step in old.steps if started(step)}
    rebuilt = [s.title for s in new.steps if s.name not in kept]
    new.steps = [by_name[s.name] for s in new.steps]
    new.notes = new.notes or old.notes
    run.plan = new
    run.answers = answers.to_dict()
    run.answer_changes.append(
        {
            "at": clock(),
            "changes": {c.key: [c.old, c.new] for c in changes},
            "rebuilt": rebuilt,
        }
    )
    return changes


def change_saved(clients: Clients, journal: Journal, run_id: str, given: dict[str, Any]) -> tuple[Run, list[Change]]:
    """:func:`change_answers` on the run as its journal holds it, under its lock (a run another process
    holds is refused, ``RunLocked``), saved when anything changed: the run as it now is, and what changed."""
    with RunLock(journal, run_id):
        run = journal.load(run_id)
        changes = change_answers(clients, run, given)
        if changes:
            journal.save(run)
    return run, changes
