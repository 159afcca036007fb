"""What keeps costing money after a run, read once from its journal: the vault the run made and its
capacity, the backups, a temporary or test ECS that still exists, and the old image (with the backup it
was made from) when it was kept. The report's "Still costs money" section and the summary screen's
cost in words both render :func:`of`; the words for what each kind of resource is billed for
(:data:`COSTS`) are the ones ``abandon`` shows too.

Only the journal is read, never the cloud: a resource counts as gone when a step of the run deleted it
(the test launch, the temporary ECS's deletion, the old image's) or abandon or a cleanup recorded it
deleted (``Run.deletions``). Anything else the run made is listed, so nothing billable goes unmentioned.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from wizard.status import StepStatus

if TYPE_CHECKING:
    from wizard.journal import Run
    from wizard.steps import Step

# What each kind of resource costs while it exists, in the words every front end shows.
COSTS = {
    "server": "an ECS: billed while it exists (flavor {detail}, and its disks)",
    "vault": "a CBR vault: its capacity ({detail}) is billed while it exists",
    "cbr backup": "a CBR backup: its storage is billed while it exists",
    "csbs backup": "a CSBS backup: its storage is billed while it exists",
    "image": "a full-ECS image: it keeps its backup (billed) in use and counts against the image quota",
}


@dataclass(frozen=True)
class Cost:
    """One resource that is still billed, what it is to the run, and why it is still there."""

    type: str  # a key of COSTS
    id: str
    name: str
    role: str  # what it is to the run: "the temporary ECS", "the vault", "the new backup", "the old image"
    why: str  # why it is still there, in plain words
    detail: str = ""  # what it is billed by: a vault's capacity ("40 GB"), a server's flavor
    size_gb: int | None = None  # a vault's capacity
    made_by_run: bool = True  # False: it was there before the run (the old image and its backup)

    @property
    def cost(self) -> str:
        return COSTS[self.type].format(detail=self.detail or "as created")

    @property
    def sentence(self) -> str:
        """'The vault ecs-wizard-3f9c0a7b (v-1), 40 GB: it holds the new backup. A CBR vault: its capacity
        (40 GB) is billed while it exists.'"""
        named = f"{self.name} ({self.id})" if self.name and self.name != self.id else self.id
        size = f", {self.size_gb} GB" if self.size_gb else ""
        return (
            f"{self.role[:1].upper()}{self.role[1:]} {named}{size}: {self.why}. {self.cost[:1].upper()}{self.cost[1:]}."
        )


@dataclass(frozen=True)
class Costs:
    """Everything a run leaves that is billed. ``demo``: the emulator's, so nothing is billed here."""

    items: tuple[Cost, ...]
    demo: bool = False

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def made_by_run(self) -> tuple[Cost, ...]:
        return tuple(c for c in self.items if c.made_by_run)

    def words(self) -> str:
        """The cost in one sentence: 'Still billed: the vault ecs-wizard-3f9c0a7b (40 GB), 1 backup and
        the temporary ECS; the old image and its backup were kept.'"""
        if not self.items:
            return "Nothing this run made is still billed."
        made, before = self.made_by_run, [c for c in self.items if not c.made_by_run]
        parts = []
        for c in made:
            if c.type == "vault":
                parts.append(f"the vault {c.name or c.id}" + (f" ({c.size_gb} GB)" if c.size_gb else ""))
        backups = [c for c in made if c.type.endswith("backup")]
        if backups:
            parts.append("1 backup" if len(backups) == 1 else f"{len(backups)} backups")
        parts += [c.role for c in made if c.type == "server"]
        text = f"Still billed: {_joined(parts)}" if parts else "Nothing this run made is still billed"
        old_image = any(c.type == "image" for c in before)
        if old_image:
            text += "; the old image and its backup were kept" if len(before) > 1 else "; the old image was kept"
        elif before:
            text += "; the old image's backup was kept"
        text += "."
        if self.demo:
            text += " (A demo: the emulator bills nothing; a real cloud would.)"
        return text


def _joined(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def of(run: Run) -> Costs:
    """What ``run`` leaves that is still billed, in the order it was made, the old image last."""
    plan = run.plan
    settled = {d["id"]: d for d in run.deletions}
    items: list[Cost] = []

    def add(cost: Cost) -> None:
        deletion = settled.get(cost.id)
        if deletion is None:
            items.append(cost)
        elif deletion.get("status") == "kept":
            items.append(replace(cost, why=f"kept when the run was cleaned up: {deletion.get('reason', '')}"))
        elif deletion.get("status") == "failed":
            items.append(replace(cost, why=f"could not be deleted: {deletion.get('reason', '')}"))
        elif deletion.get("status") == "deleting":
            items.append(replace(cost, why="its deletion was under way when the run was last looked at"))

    new_image = run.new_image_id
    image_kept = bool(new_image) and settled.get(new_image or "", {}).get("status") != "deleted"
    for step in plan.steps:
        for resource in step.resources:
            cost = _cost_of(step, resource, plan.steps, image_kept)
            if cost is not None:
                add(cost)
    for cost in _old_image(run):
        add(cost)
    return Costs(tuple(items), demo=run.cloud.get("cloud") == "demo")


def _cost_of(step: Step, resource: dict[str, str], steps: list[Step], image_kept: bool) -> Cost | None:
    """The resource one step made, if it is billed and no step deleted it."""
    rtype, rid, name = resource["type"], resource["id"], resource.get("name", "")
    if rtype == "vault":
        size = step.inputs.get("size_gb")
        size_gb = int(size) if isinstance(size, int | float) else None
        return Cost(
            "vault", rid, name, "the vault", "it holds the new backup", f"{size_gb} GB" if size_gb else "", size_gb
        )
    if rtype == "backup":
        service = "cbr" if step.kind == "cbr_backup" else "csbs"
        why = "the new image needs it" if image_kept else "this run made it"
        return Cost(f"{service} backup", rid, name, "the new backup", why)
    if rtype == "server":
        flavor = str(step.inputs.get("flavor_id") or "")
        if step.kind == "test_launch":
            if step.status == StepStatus.SUCCEEDED:  # the step ends by deleting it
                return None
            return Cost("server", rid, name, "the test ECS", "the test launch stopped before deleting it", flavor)
        deletion = next((s for s in steps if s.kind == "delete_temp_server"), None)
        if deletion is not None and deletion.status == StepStatus.SUCCEEDED:
            return None
        if deletion is None or deletion.status == StepStatus.SKIPPED:
            why = "kept as you asked"
        else:
            why = "the run has not deleted it yet"
        return Cost("server", rid, name, "the temporary ECS", why, flavor)
    return None  # an image is billed through its backup; a restore point is part of its backup


def _old_image(run: Run) -> list[Cost]:
    """The old image, unless the run deleted it, and the old backup it was made from (never deleted:
    deleting the old image keeps its backup)."""
    plan, diagnosis = run.plan, run.diagnosis
    delete = plan.first("delete_old_image")
    out = []
    if delete is None or delete.status != StepStatus.SUCCEEDED:
        why = "kept" if delete is None else f"kept (its deletion: {delete.status})"
        out.append(Cost("image", plan.image_id, plan.image_name, "the old image", why, made_by_run=False))
        why = "the old image needs it"
    else:
        why = "deleting the old image kept its backup"
    backup_id, service = diagnosis.get("backup_id"), diagnosis.get("backup_service")
    if backup_id and service in ("cbr", "csbs"):
        out.append(Cost(f"{service} backup", backup_id, "", "the old image's backup", why, made_by_run=False))
    return out
