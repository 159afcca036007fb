"""Diagnosis + Answers -> Plan: the ordered steps of one repair path, with concrete inputs."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wizard import flowchart
from wizard.errors import UsageError
from wizard.questions import Answers, ServerChoice, server_questions
from wizard.remedy import COMMAND_LINE, Action, Phrases, Remedy
from wizard.status import StepStatus
from wizard.steps import KINDS, TIMEOUTS, ApiCall, Step, ref, vault_size_gb

if TYPE_CHECKING:
    from wizard.cloud.client import Clients
    from wizard.diagnose import Diagnosis

IMAGE_NAME_MAX = 128
IMAGE_SUFFIX = "-fast"


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass
class Plan:
    run_id: str
    path_id: str
    image_id: str
    image_name: str
    new_image_name: str
    steps: list[Step]
    notes: list[str] = field(default_factory=list)

    @property
    def path(self) -> flowchart.PathSpec:
        return next(p for p in flowchart.PATHS.values() if p.id == self.path_id)

    def step(self, name: str) -> Step:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)

    def first(self, kind: str) -> Step | None:
        """The first step of ``kind``, or None when the plan has none."""
        return next((s for s in self.steps if s.kind == kind), None)

    def failed_step(self) -> Step | None:
        """The step the run stopped at with an error (failed or timed out), or None."""
        return next((s for s in self.steps if s.status in (StepStatus.FAILED, StepStatus.TIMED_OUT)), None)

    def resolve(self, value: Any) -> Any:
        """Replace ``{"$ref": "step.key"}`` with that step's output (or state, once recorded)."""
        if isinstance(value, dict) and set(value) == {"$ref"}:
            name, _, key = value["$ref"].partition(".")
            s = self.step(name)
            if key in s.outputs:
                return s.outputs[key]
            if key in s.state:
                return s.state[key]
            return f"<{name}.{key}>"
        return value

    def billable(self) -> list[Step]:
        return [s for s in self.steps if s.needs_confirmation]

    def api_calls(self) -> list[tuple[Step, ApiCall]]:
        return [(s, call) for s in self.steps for call in KINDS[s.kind].calls(s, self.resolve)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "path_id": self.path_id,
            "image_id": self.image_id,
            "image_name": self.image_name,
            "new_image_name": self.new_image_name,
            "notes": self.notes,
            "steps": [s.to_dict() for s in self.steps],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return cls(
            data["run_id"],
            data["path_id"],
            data["image_id"],
            data["image_name"],
            data["new_image_name"],
            [Step.from_dict(s) for s in data["steps"]],
            list(data.get("notes") or []),
        )


def new_image_name(original: str, taken: Collection[str] = frozenset()) -> str:
    """The original name plus a suffix, within IMS's 128 characters, not clashing with ``taken``."""
    for n in range(1, 100):
        suffix = IMAGE_SUFFIX if n == 1 else f"{IMAGE_SUFFIX}-{n}"
        name = original[: IMAGE_NAME_MAX - len(suffix)] + suffix
        if name not in taken:
            return name
    raise UsageError(f"Could not find a free name for the new image of {original!r}.")


def default_server_choice(clients: Clients, diagnosis: Diagnosis) -> ServerChoice:
    values = {q.key: q.default for q in server_questions(clients, diagnosis)}
    if not values.get("flavor") or not values.get("network"):
        raise UsageError(
            "Cannot choose a flavor and subnet for the temporary ECS automatically.",
            "Pass --flavor and --subnet (and --vpc), or run the wizard interactively.",
        )
    vpc_id, _, subnet_id = values["network"].partition("/")
    return ServerChoice(
        values["flavor"], vpc_id, subnet_id, values.get("availability_zone"), values.get("volume_type") or "SAS"
    )


def build_plan(
    clients: Clients,
    diagnosis: Diagnosis,
    answers: Answers,
    run_id: str | None = None,
    reserved_names: Collection[str] = (),
    image_name: str | None = None,
) -> Plan:
    """The plan; the new image's name is free in the cloud and not among ``reserved_names`` (the names
    open runs on the image will give theirs: ``ownership.planned_names``), unless ``image_name`` is
    given (a run's plan rebuilt keeps the name it chose: ``wizard.change``)."""
    if not diagnosis.affected:
        raise UsageError(
            f"Image {diagnosis.image_name} ({diagnosis.image_id}) is not affected: {diagnosis.summary}",
            diagnosis.advice,
        )
    run_id = run_id or new_run_id()
    short = run_id[:8]
    path = flowchart.path_for(answers.service, answers.source_exists)
    image_name = image_name or _free_image_name(clients, diagnosis, reserved_names)
    steps: list[Step] = []
    notes: list[str] = []

    def add(
        kind: str,
        inputs: dict[str, Any],
        *,
        billable: bool = False,
        destructive: bool = False,
        title: str | None = None,
    ) -> Step:
        step = _new_step(kind, inputs, billable=billable, destructive=destructive, title=title)
        steps.append(step)
        return step

    server_ref: Any
    if answers.source_exists:
        server = diagnosis.source_server
        if not server or not server.id:
            raise UsageError(
                "The source ECS is not known for this image.",
                Remedy(Action.CHANGE_ANSWER, question="source_exists", answer="no"),
            )
        if (
            server.exists is False
        ):  # the cloud said so (Ecs.0114): a backup of it could only fail, after a billable vault
            raise UsageError(
                f"The source ECS {server.id} does not exist any more: the cloud says so, so it cannot be backed up.",
                Remedy(
                    Action.CHANGE_ANSWER,
                    outcome="the wizard then first creates a temporary ECS from the slow image",
                    question="source_exists",
                    answer="no",
                ),
            )
        server_ref = server.id
    else:
        choice = answers.server or default_server_choice(clients, diagnosis)
        add(
            "create_temp_server",
            {
                "name": f"ecs-wizard-tmp-{short}",
                "image_id": diagnosis.image_id,
                "flavor_id": choice.flavor_id,
                "vpc_id": choice.vpc_id,
                "subnet_id": choice.subnet_id,
                "availability_zone": choice.availability_zone,
                "volume_type": choice.volume_type,
            },
            billable=True,
        )
        server_ref = ref("create_temp_server", "server_id")
        notes.append(
            "The temporary ECS is created from the slow image, so this step takes long: that is the symptom itself."
        )

    backup_name = f"ecs-wizard-{short}"
    if answers.service == "cbr":
        needs_vault = True
        if answers.source_exists:
            needs_vault = not clients.cbr.list_vaults(resource_ids=server_ref)
        size = vault_size_gb((diagnosis.backup_details or {}).get("disks") or [], diagnosis.image_min_disk)
        add(
            "ensure_vault",
            {"server_id": server_ref, "vault_name": f"ecs-wizard-{short}", "size_gb": size},
            billable=needs_vault,
            title=flowchart.STEP_TITLES["ensure_vault"] + ("" if needs_vault else " (it already is in one)"),
        )
        if needs_vault:
            notes.append(f"A new CBR server backup vault of {size} GB is created (billable for its capacity).")
        add(
            "cbr_backup",
            {"vault_id": ref("ensure_vault", "vault_id"), "server_id": server_ref, "backup_name": backup_name},
        )
    else:
        add("csbs_backup", {"server_id": server_ref, "backup_name": backup_name}, billable=True)
        notes.append("A CSBS backup of the ECS is made: billable for its storage until it is deleted.")
        add("check_new_format", {"backup_id": ref("csbs_backup", "backup_id")})
    backup_ref = ref(f"{answers.service}_backup", "backup_id")
    add(
        "create_image",
        {
            "image_name": image_name,
            "backup_id": backup_ref,
            "service": answers.service,
            "description": f"Fast copy of {diagnosis.image_name} ({diagnosis.image_id}) made by ecs-wizard",
            "source_image_id": diagnosis.image_id,  # tagged on the copy, so any machine links it to its original
        },
    )
    add(
        "verify_image",
        {"image_id": ref("create_image", "image_id"), "backup_id": backup_ref, "service": answers.service},
    )
    if answers.test_launch:
        base = (
            answers.server
            if answers.server
            else (None if answers.source_exists else default_server_choice(clients, diagnosis))
        )
        old_image = None if not answers.source_exists else diagnosis.image_id  # no temporary ECS to compare with
        steps.append(_test_launch_step(short, base or _choice_like_source(clients, diagnosis), old_image))
    if not answers.source_exists and answers.cleanup:
        steps.append(_delete_temp_server_step())
    if answers.delete_old_image:
        add("delete_old_image", {"image_id": diagnosis.image_id}, destructive=True)
    return Plan(run_id, path.id, diagnosis.image_id, diagnosis.image_name, image_name, steps, notes)


def _free_image_name(clients: Clients, diagnosis: Diagnosis, reserved_names: Collection[str]) -> str:
    taken = {i.name for i in clients.ims.find_images_by_name(new_image_name(diagnosis.image_name))}
    return new_image_name(diagnosis.image_name, taken | set(reserved_names))


def _new_step(
    kind: str, inputs: dict[str, Any], *, billable: bool = False, destructive: bool = False, title: str | None = None
) -> Step:
    return Step(
        kind,
        kind,
        title or flowchart.STEP_TITLES[kind],
        inputs,
        billable=billable,
        destructive=destructive,
        timeout=TIMEOUTS[kind],
    )


def _test_launch_step(short: str, base: ServerChoice, old_image_id: str | None) -> Step:
    """The test launch from the new image; ``old_image_id`` when the run has no temporary ECS from the old
    image: the step then reads the cloud's record of the latest ECS made from it (wizard.before_after)."""
    return _new_step(
        "test_launch",
        {
            "name": f"ecs-wizard-test-{short}",
            "image_id": ref("create_image", "image_id"),
            "flavor_id": base.flavor_id,
            "vpc_id": base.vpc_id,
            "subnet_id": base.subnet_id,
            "availability_zone": base.availability_zone,
            "volume_type": base.volume_type,
            **({"old_image_id": old_image_id} if old_image_id else {}),
        },
        billable=True,
    )


def _delete_temp_server_step() -> Step:
    return _new_step("delete_temp_server", {"server_id": ref("create_temp_server", "server_id")}, destructive=True)


FOLLOW_UPS = {
    "test_launch": "Test launch: create an ECS from the new image, time it, delete it",
    "delete_temp_server": "Delete the temporary ECS",
}


def follow_ups(plan: Plan) -> list[str]:
    """What can still be added to a repair that has made its image: a test launch if there was none,
    and deleting the temporary ECS if it was kept."""
    kinds = {
        s.kind for s in plan.steps if s.status != StepStatus.SKIPPED
    }  # a declined optional step can be asked again
    image_made = any(s.kind == "verify_image" and s.status == StepStatus.SUCCEEDED for s in plan.steps)
    out = []
    if image_made and "test_launch" not in kinds:
        out.append("test_launch")
    if "create_temp_server" in kinds and "delete_temp_server" not in kinds:
        out.append("delete_temp_server")
    return out


def follow_up_hints(plan: Plan, *, demo: bool, commands: Phrases = COMMAND_LINE) -> list[str]:
    """One line per follow-up, with the command that does it later (as ``commands`` spell it: a
    session's ``command_line`` gives commands that work as printed)."""
    return [commands.say(remedy) for remedy in follow_up_remedies(plan, demo=demo).values()]


def follow_up_remedies(plan: Plan, *, demo: bool) -> dict[str, Remedy]:
    """Each follow-up still on offer (its step kind) -> why, as a remedy each front end phrases. A demo
    keeps its world only while a temporary ECS it made is kept (see ``CloudSession.close``), so a demo
    offers only the cleanup."""
    offered = follow_ups(plan)
    remedies = {}
    if "delete_temp_server" in offered:
        temp = plan.step("create_temp_server").outputs.get("server_id")
        billed = "" if demo else " and is billed until deleted"
        remedies["delete_temp_server"] = Remedy(
            Action.DELETE_TEMP_SERVER, f"The temporary ECS {temp} was kept{billed}", run_id=plan.run_id
        )
    if "test_launch" in offered and not demo:
        remedies["test_launch"] = Remedy(Action.TEST_LAUNCH, "To time an ECS from the new image", run_id=plan.run_id)
    return remedies


def add_follow_up(plan: Plan, kind: str, clients: Clients, diagnosis: Diagnosis) -> Step:
    """Append one of :func:`follow_ups` to the plan; resuming the run then performs it (and only it)."""
    if kind not in follow_ups(plan):
        raise UsageError(
            f"'{kind}' cannot be added to run {plan.run_id}.",
            "Only a test launch (once the image is verified) or deleting a kept temporary ECS can be added.",
        )
    declined = plan.first(kind)
    if declined is not None and declined.status == StepStatus.SKIPPED:  # asked again: the same step, pending once more
        declined.status = StepStatus.PENDING
        declined.state.pop("confirmed", None)
        return declined
    if kind == "delete_temp_server":
        step = _delete_temp_server_step()
    else:
        temp = plan.first("create_temp_server")
        if temp is not None:  # the same flavor and network as the temporary ECS
            i = temp.inputs
            base = ServerChoice(
                i["flavor_id"], i["vpc_id"], i["subnet_id"], i.get("availability_zone"), i.get("volume_type") or "SAS"
            )
        else:
            base = _choice_like_source(clients, diagnosis)
        step = _test_launch_step(plan.run_id[:8], base, None if temp is not None else plan.image_id)
    plan.steps.append(step)
    return step


def _choice_like_source(clients: Clients, diagnosis: Diagnosis) -> ServerChoice:
    """For a test launch when the source ECS exists: the source server's flavor and network."""
    server = diagnosis.source_server
    defaults = default_server_choice(clients, diagnosis)
    if server and server.flavor_id:
        defaults.flavor_id = server.flavor_id
    if server and server.availability_zone:
        defaults.availability_zone = server.availability_zone
    return defaults
