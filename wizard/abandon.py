"""Abandon a run: delete everything it made that still exists (with ``keep_image``: all but its new
image and what that image needs), so a failed or interrupted repair leaves nothing billable behind.

**What is the run's** (``wizard.ownership``): what carries its mark, the CBR backups bearing its
backup name in its vaults, and what its journal records as made by it. Nothing else is touched, and
a vault that also holds backups the run did not make is kept (and said so).

**The order.** What depends on something goes first (``ownership.DELETE_ORDER``: images, backups,
vaults, servers), and each deletion is waited for until the resource is gone before the next one is
sent: the cloud deletes images, backups and servers asynchronously, and refuses to delete a backup
while an image made from it exists (``BackupService.6204``, ``CSBS.8007``). Before anything is
deleted, what is still being made settles: a create whose answer was lost gets the rest of its
reconcile window, a backup or an image being made is waited for (the cloud cannot delete those
half-way), so nothing the run made lands after the abandon has looked.

**Journaled.** ``run.deletions`` records each deletion's intent before its call and its result
after (with a server's delete job), so an abandon that was interrupted, started again, waits for
what it had already asked to delete instead of forgetting it. ``run.abandon`` holds when it started
and whether the image is kept. The run is ``abandoning`` from the first deletion and ``abandoned``
once nothing of it is left; neither can be resumed.

``cleanup`` is the same machinery for ``resume RUN_ID --cleanup`` on a run that did not succeed: it
deletes only the ECSs the run made and leaves the run resumable (a later resume makes a new
temporary ECS if a step still needs one).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wizard import ownership
from wizard.cloud.errors import CloudError, CloudUnreachable
from wizard.costs import COSTS
from wizard.errors import UsageError
from wizard.journal import Run
from wizard.ownership import DELETE_ORDER, Owned, ReconcileWindow
from wizard.polling import REAL_POLL, PollPolicy
from wizard.remedy import Action, Remedy, bare_command
from wizard.runner import RunEvent
from wizard.status import RunStatus, StepStatus

if TYPE_CHECKING:
    from wizard.cloud.client import Clients
    from wizard.journal import Journal

# How long one deletion is waited for before the abandon stops and says to run it again later.
DELETE_TIMEOUTS = {"image": 30 * 60, "csbs backup": 60 * 60, "cbr backup": 60 * 60, "vault": 10 * 60, "server": 15 * 60}
SETTLE_TIMEOUT = 4 * 3600  # a backup or image still being made: CBR/CSBS backups take up to hours
PASSES = 3  # look again after deleting: something that landed meanwhile is deleted too

CREATING = {
    "image": ("queued", "saving"),
    "cbr backup": ("protecting", "waiting_protect"),
    "csbs backup": ("protecting",),
}
GONE = ("deleted", "DELETED")
DELETING = ("deleting", "waiting_delete", "pending_delete")
NOT_FOUND = frozenset({"IMG.0027", "IMG.0144", "BackupService.6200", "BackupService.6105", "CSBS.3001", "Ecs.0114"})
HAS_IMAGE = frozenset({"BackupService.6204", "CSBS.8007"})  # a backup an image still needs cannot be deleted


@dataclass(frozen=True)
class Target:
    """One resource of the run that still exists: deleted, or kept (``kept`` says why)."""

    owned: Owned
    found_by: str  # why it is the run's: "its mark", "its name in the run's vault", "the run's journal"
    kept: str = ""

    @property
    def cost(self) -> str:
        return COSTS[self.owned.type].format(detail=self.owned.detail or "as created")

    @property
    def label(self) -> str:
        return f"{self.owned.type} {self.owned.name} ({self.owned.id})"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {**self.owned.to_dict(), "found_by": self.found_by, "cost": self.cost}
        if self.kept:
            out["kept"] = self.kept
        return out


@dataclass
class Survey:
    """What the run made that still exists, in the order it is deleted, and what is kept."""

    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def to_delete(self) -> list[Target]:
        return [t for t in self.targets if not t.kept]

    @property
    def kept(self) -> list[Target]:
        return [t for t in self.targets if t.kept]

    def lines(self) -> list[str]:
        """The survey as the console and plain mode print it."""
        if not self.targets:
            return ["Nothing this run made still exists.", *self.notes]
        out = []
        if self.to_delete:
            out.append(f"To delete ({len(self.to_delete)}), in this order:")
            out += [f"  - {t.label}: {t.cost}" for t in self.to_delete]
        if self.kept:
            out.append(f"Kept ({len(self.kept)}):")
            out += [f"  - {t.label}: {t.kept}" for t in self.kept]
        return out + self.notes

    def to_dict(self) -> dict[str, Any]:
        return {
            "delete": [t.to_dict() for t in self.to_delete],
            "keep": [t.to_dict() for t in self.kept],
            "notes": list(self.notes),
        }


def check_abandonable(run: Run) -> None:
    """A run that succeeded made what was asked for: its image is the result, not something to undo."""
    if run.status == RunStatus.SUCCEEDED:
        raise UsageError(
            f"Run {run.run_id} succeeded: its new image is the result, so there is nothing to abandon.",
            Remedy(
                Action.DELETE_TEMP_SERVER,
                "A temporary ECS it kept",
                outcome="the image itself can be deleted in the IMS console if you do not want it",
                run_id=run.run_id,
            ),
        )


def survey(clients: Clients, run: Run, *, keep_image: bool = False, types: frozenset[str] | None = None) -> Survey:
    """Everything of ``run`` that exists now (``types``: only those kinds), in delete order; with
    ``keep_image`` its new image, that image's backup and the vault holding it are kept."""
    owned = ownership.find_owned(clients, run)
    found = {o.id: o for o in owned}
    targets = [Target(o, "its name in the run's vault" if o.type == "cbr backup" else "its mark") for o in owned]
    targets += [Target(o, "the run's journal") for o in _journaled_only(clients, run, set(found))]
    if types is not None:
        targets = [t for t in targets if t.owned.type in types]
    result = Survey()
    keep = _image_and_needs(run, [t.owned for t in targets]) if keep_image else {}
    if keep_image and not keep:
        result.notes.append("--keep-image: this run made no image that still exists, so nothing is kept for it.")
    for target in sorted(targets, key=lambda t: DELETE_ORDER.index(t.owned.type)):
        why = keep.get(target.owned.id, "")
        if not why and target.owned.type == "vault" and ownership.holds_others(clients, run, target.owned.id):
            why = "it also holds backups this run did not make: delete those or the vault yourself"
        result.targets.append(Target(target.owned, target.found_by, why))
    return result


def _journaled_only(clients: Clients, run: Run, known: set[str]) -> list[Owned]:
    """What the journal records as made by the run but its mark did not find (a journal from before
    the mark, a cloud whose tag filter missed it): looked up by id, kept only if it still exists."""
    kinds = {"server": "server", "vault": "vault", "image": "image"}
    out = []
    for resource in run.resources():
        kind = kinds.get(resource["type"])
        if resource["type"] == "backup":
            kind = "csbs backup" if run.plan.step(resource["step"]).kind == "csbs_backup" else "cbr backup"
        if kind is None or resource["id"] in known:
            continue
        status = current_status(clients, Owned(kind, resource["id"], resource.get("name", "")))
        if status is not None:
            known.add(resource["id"])
            out.append(Owned(kind, resource["id"], resource.get("name", ""), status))
    return out


def _image_and_needs(run: Run, owned: list[Owned]) -> dict[str, str]:
    """id -> why it is kept: the run's new image, the backup it was made from and that backup's vault."""
    images = [o for o in owned if o.type == "image"]
    image = next((o for o in images if o.id == run.new_image_id), None) or next(
        (o for o in images if o.name == run.plan.new_image_name), None
    )
    if image is None:
        return {}
    keep = {image.id: "--keep-image: the new image"}
    backup = next((o for o in owned if o.id == image.needs and o.type.endswith("backup")), None)
    if backup is not None:
        keep[backup.id] = f"--keep-image: the new image {image.name} is made from it"
        if backup.needs:
            keep[backup.needs] = f"--keep-image: it holds the backup of the new image {image.name}"
    return keep


def current_status(clients: Clients, owned: Owned) -> str | None:
    """The resource's status now, or None when the cloud says it does not exist (or is deleted)."""
    try:
        if owned.type == "server":
            server = clients.ecs.find_server(owned.id)
            status = None if server is None else ("deleting" if server.deleting else server.status)
        elif owned.type == "image":
            status = clients.ims.get_image(owned.id).status
        elif owned.type == "cbr backup":
            status = clients.cbr.get_backup(owned.id).status
        elif owned.type == "csbs backup":
            status = clients.csbs.get_checkpoint_item(owned.id).status
        else:
            status = clients.cbr.get_vault(owned.id).status or "available"
    except CloudError as error:
        if error.status == 404 or error.code in NOT_FOUND:
            return None
        raise
    return None if status in GONE else status


# -- carrying it out -----------------------------------------------------------------------------


class Cancelled(Exception):
    """Asked to stop between calls (Ctrl-C in a front end, the TUI's cancel)."""


class StillDeleting(Exception):
    """The cloud is still deleting it after the time one deletion is given (``DELETE_TIMEOUTS``)."""


@dataclass
class Outcome:
    """How an abandon (or a cleanup) ended."""

    run: Run
    deleted: list[dict[str, Any]]
    kept: list[Target]
    remaining: list[dict[str, Any]]  # what could not be deleted, with the reason
    cancelled: bool = False

    @property
    def complete(self) -> bool:
        return not self.remaining and not self.cancelled


class Abandon:
    """Delete a run's resources in order, journaling each deletion (see the module docstring)."""

    def __init__(
        self,
        clients: Clients,
        run: Run,
        journal: Journal,
        *,
        on_event: Callable[[RunEvent], None] | None = None,
        should_cancel: Callable[[], bool] = lambda: False,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        poll: PollPolicy = REAL_POLL,
        window: ReconcileWindow | None = None,
        command: Callable[..., str] = bare_command,
    ):
        """``command``: ``ecs-wizard WORDS`` as the session spells it, so the commands its messages name work
        as printed (``CloudSession.command``)."""
        self.clients, self.run_, self.journal = clients, run, journal
        self.command = command
        self.on_event = on_event
        self.should_cancel = should_cancel
        self.clock, self.sleep, self.poll = clock, sleep, poll
        self.window = window or ReconcileWindow()
        self.deleted: list[dict[str, Any]] = []
        self.failed: dict[str, dict[str, Any]] = {}

    # -- the two ways in ---------------------------------------------------------------------------

    def abandon(self, *, keep_image: bool = False) -> Outcome:
        """Delete all the run made (``keep_image``: but its new image and what it needs); the run
        ends ``abandoned``, or stays ``abandoning`` while something could not be deleted."""
        run = self.run_
        record = run.abandon or {"started_at": self.clock()}
        record["keep_image"] = bool(keep_image or record.get("keep_image"))  # once asked to keep, kept
        run.abandon, run.status, run.error = record, RunStatus.ABANDONING, None
        outcome = self._delete_all(lambda: survey(self.clients, run, keep_image=record["keep_image"]), "abandon")
        if outcome.complete:
            record["finished_at"] = self.clock()
            run.status = RunStatus.ABANDONED
        kept_image = next((t.owned.id for t in outcome.kept if t.owned.type == "image"), None)
        self._finish(outcome, new_image_id=kept_image)
        return outcome

    def cleanup(self) -> Outcome:
        """Delete the ECSs the run made (``resume --cleanup`` on a run that did not succeed); the run
        stays as it was, resumable, and a step that still needs its temporary ECS makes a new one."""
        run = self.run_
        outcome = self._delete_all(lambda: survey(self.clients, run, types=frozenset({"server"})), "cleanup")
        self._make_again_if_needed([d["id"] for d in outcome.deleted])
        self._finish(outcome, new_image_id=run.new_image_id, resumable=run.resumable)
        return outcome

    # -- the work ------------------------------------------------------------------------------------

    def _delete_all(self, look: Callable[[], Survey], by: str) -> Outcome:
        kept: list[Target] = []
        try:
            self._settle()
            self._gone_meanwhile()
            for attempt in range(PASSES):
                found = look()
                kept = found.kept
                todo = [t for t in found.to_delete if t.owned.id not in self.failed]
                if attempt == 0:
                    self._emit(
                        f"{by}-started",
                        to_delete=len(found.to_delete),
                        kept=len(found.kept),
                        message=_starting(found, by),
                    )
                elif todo:
                    self._emit("message", message=f"{len(todo)} more appeared meanwhile: deleting them too")
                if not todo:
                    break
                for target in todo:
                    self._delete(target, by)
        except Cancelled:
            self._save()
            return Outcome(self.run_, self.deleted, kept, list(self.failed.values()), cancelled=True)
        except (CloudError, CloudUnreachable) as error:  # the listing itself failed
            self.failed["listing"] = {"type": "listing", "id": "", "name": "", "reason": str(error)}
        for target in kept:
            self._note(target, "kept", by, reason=target.kept)
        self._save()
        return Outcome(self.run_, self.deleted, kept, list(self.failed.values()))

    def _gone_meanwhile(self) -> None:
        """An earlier abandon journaled a deletion and stopped: what is gone since counts as deleted
        (what still exists is found again and waited for, not asked twice)."""
        for entry in self.run_.deletions:
            if entry.get("status") == "deleting":
                owned = Owned(entry["type"], entry["id"], entry.get("name", ""))
                if current_status(self.clients, owned) is None:
                    entry["status"], entry["at"] = "deleted", self.clock()
                    self.deleted.append(entry)
        self._save()

    def _settle(self) -> None:
        """Wait until nothing of the run is still being made (module docstring)."""
        started = self.clock()
        while True:
            making = self._still_making()
            if not making or self.clock() - started > SETTLE_TIMEOUT:
                return
            self._wait_a_little(started, f"waiting until nothing of the run is still being made: {making}")

    def _still_making(self) -> str:
        now = self.clock()
        for step in self.run_.plan.steps:
            sent_at = step.state.get("sent_at")
            if "sent" in step.state and isinstance(sent_at, int | float) and self.window.is_open(sent_at, now):
                left = self.window.length - (now - sent_at)
                return f"'{step.state['sent']}' may still land ({left:.0f} s of its window left)"
        for owned in ownership.find_owned(self.clients, self.run_):
            if owned.status in CREATING.get(owned.type, ()):
                return f"{owned.type} {owned.name} is {owned.status}"
        return ""

    def _delete(self, target: Target, by: str) -> None:
        owned = target.owned
        entry = self._note(target, "deleting", by)
        self._emit("deleting", resource=owned.to_dict(), message=f"deleting {target.label}")
        try:
            if owned.status not in DELETING:
                self._send(owned, entry)
            self._wait_gone(owned, entry)
        except (CloudError, CloudUnreachable, StillDeleting) as error:
            self._failed(target, entry, str(error))
            return
        entry["status"], entry["at"] = "deleted", self.clock()
        self.deleted.append(entry)
        self._save()
        self._emit("deleted", resource=target.owned.to_dict(), message=f"deleted {target.label}")

    def _send(self, owned: Owned, entry: dict[str, Any]) -> None:
        try:
            job = ownership.delete_owned(self.clients, owned)
        except CloudError as error:
            if error.status == 404 or error.code in NOT_FOUND:
                return  # gone already (a delete sent before an interruption)
            if error.code not in HAS_IMAGE:
                raise
            # An image made from it is still being deleted: wait for that, then ask once more.
            self._wait_for_images_of(owned)
            job = ownership.delete_owned(self.clients, owned)
        if job:
            entry["job_id"] = job
        entry["sent_at"] = self.clock()
        self._save()

    def _wait_for_images_of(self, backup: Owned) -> None:
        started = self.clock()
        while any(i.needs == backup.id for i in ownership.find_owned(self.clients, self.run_) if i.type == "image"):
            if self.clock() - started > DELETE_TIMEOUTS["image"]:
                return
            self._wait_a_little(started, f"waiting until the image made from {backup.name} is deleted")

    def _wait_gone(self, owned: Owned, entry: dict[str, Any]) -> None:
        started = self.clock()
        asked_again = False
        while (status := current_status(self.clients, owned)) is not None:
            if self.clock() - started > DELETE_TIMEOUTS[owned.type]:
                raise StillDeleting(f"still {status} after {self._waited(started)}; the cloud may finish it later")
            if owned.type == "server" and status != "deleting" and not asked_again and self._job_failed(entry):
                asked_again = True  # a failed delete job is not final: ask once more
                self._send(owned, entry)
            self._wait_a_little(started, f"{owned.type} {owned.name} is {status}")

    def _job_failed(self, entry: dict[str, Any]) -> bool:
        job_id = entry.get("job_id")
        return bool(job_id) and self.clients.ecs.get_job(str(job_id)).status == "FAIL"

    def _wait_a_little(self, started: float, message: str) -> None:
        if self.should_cancel():
            raise Cancelled()
        waited = self.clock() - started
        self._emit("progress", message=message, elapsed=round(waited, 1))
        self.sleep(self.poll.next_interval(waited, None))

    def _waited(self, started: float) -> str:
        from wizard.report import duration_text

        return duration_text(self.clock() - started)

    def _failed(self, target: Target, entry: dict[str, Any], reason: str) -> None:
        entry["status"], entry["reason"], entry["at"] = "failed", reason, self.clock()
        self.failed[target.owned.id] = entry
        self._save()
        self._emit(
            "delete-failed", resource=target.owned.to_dict(), message=f"could not delete {target.label}: {reason}"
        )

    def _make_again_if_needed(self, deleted_ids: list[str]) -> None:
        """After a cleanup: the temporary ECS is gone, so a step that still has to back it up needs a new one."""
        plan = self.run_.plan
        temp = plan.first("create_temp_server")
        backed_up = any(
            s.kind in ("cbr_backup", "csbs_backup") and s.status == StepStatus.SUCCEEDED for s in plan.steps
        )
        if temp is None or temp.state.get("server_id") not in deleted_ids or backed_up:
            return
        temp.state = {"failed": [*temp.state.get("failed", []), {"server_id": temp.state["server_id"]}]}
        temp.status, temp.outputs, temp.error = StepStatus.PENDING, {}, None
        for step in plan.steps:  # what was done for the old ECS is done again for the new one (a vault keeps its id)
            if step.status == StepStatus.SUCCEEDED and ref_to(step, "create_temp_server.server_id"):
                step.status = StepStatus.PENDING
        self._save()

    # -- the journal and the events ---------------------------------------------------------------------

    def _note(self, target: Target, status: str, by: str, reason: str = "") -> dict[str, Any]:
        """The journal's entry for this resource (the one an earlier, interrupted abandon left, if any)."""
        entries = self.run_.deletions
        entry = next((e for e in entries if e["id"] == target.owned.id and e["status"] != "deleted"), None)
        if entry is None:
            entry = {"type": target.owned.type, "id": target.owned.id, "name": target.owned.name, "by": by}
            entries.append(entry)
        entry.update(status=status, at=self.clock())
        if reason:
            entry["reason"] = reason
        self._save()  # the intent is durable before the call
        return entry

    def _save(self) -> None:
        self.journal.save(self.run_)

    def _emit(self, event: str, **data: Any) -> None:
        message = data.pop("message", "")
        e = RunEvent(event, self.run_.run_id, status=self.run_.status, message=message, data=data)
        if event != "progress":
            self.run_.events.append(e.to_dict())
            self._save()
        if self.on_event:
            self.on_event(e)

    def _finish(self, outcome: Outcome, **fields: Any) -> None:
        run = self.run_
        if outcome.cancelled:
            message = f"interrupted; what it asked to delete is in its journal: {self.command('abandon', run.run_id)}"
        elif outcome.remaining:
            message = (
                f"{len(outcome.remaining)} resource(s) could not be deleted; "
                f"try again later: {self.command('abandon', run.run_id)}"
            )
        elif run.status == RunStatus.ABANDONED:
            kept = f"; kept {len(outcome.kept)}" if outcome.kept else ""
            message = f"deleted {len(outcome.deleted)} resource(s){kept}; nothing else of the run is left"
        else:
            message = f"deleted {len(outcome.deleted)} ECS(s) the run made"
        self._emit(
            "run-finished",
            message=message,
            deleted=[{k: d[k] for k in ("type", "id", "name")} for d in outcome.deleted],
            kept=[t.to_dict() for t in outcome.kept],
            remaining=outcome.remaining,
            **fields,
        )


def ref_to(step: Any, target: str) -> bool:
    """Whether one of ``step``'s inputs is ``target`` (``"step.key"``), another step's output."""
    return any(isinstance(v, dict) and v.get("$ref") == target for v in step.inputs.values())


def _starting(found: Survey, by: str) -> str:
    what = "abandoning the run" if by == "abandon" else "deleting the ECSs the run made"
    kept = f", keeping {len(found.kept)}" if found.kept else ""
    return f"{what}: {len(found.to_delete)} resource(s) to delete{kept}"
