"""One class per step kind. Each is a small state machine over the step's persisted ``state``:
``advance`` does at most one cloud action per call and records every id it learns *before* the
runner waits, so a step resumed from the journal polls what exists instead of starting again.

Exactly once: every create carries the run's mark (``wizard.ownership``). ``state["sent"]`` and
``state["sent_at"]`` are journaled before a create goes out; when its answer is lost, late or a 5xx
(or the process dies meanwhile), the next ``advance`` looks the resource up by mark and name, again
and again over the reconcile window, and sends the create again only once the window has passed
with nothing found. Deletes journal their intent (``delete_sent``) before the call, so a delete
whose job id never reached the journal is settled from the resource's state. A job that ended FAIL
is not final: resuming reads the resource's state and asks again. A backup the cloud refuses
because one of the same server is already running (``errors.BACKUP_RUNNING``, a 500 among them) is
no lost answer: the step says so and waits for that backup, looking meanwhile for its own (a create
whose answer was lost may be the one running), then starts its own.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from wizard import ownership
from wizard.before_after import latest_launch_from, launch_seconds
from wizard.cloud.ecs import ServerSpec
from wizard.cloud.errors import BACKUP_RUNNING, AnswerLost, CloudError, CloudUnreachable, is_backup_running
from wizard.ownership import ReconcileWindow
from wizard.remedy import Action, Remedy, StepError
from wizard.status import StepStatus

if TYPE_CHECKING:
    from wizard.cloud.client import Clients
    from wizard.cloud.models import Backup, BackupTask, Image, Job


class StepFailed(Exception):
    """A permanent failure with the cloud's reason and what the user can do next."""

    def __init__(self, message: str, remedy: Remedy, code: str | None = None, request_id: str | None = None):
        super().__init__(message)
        self.error = StepError(message, remedy, code, request_id)


@dataclass
class Tick:
    """What one ``advance`` achieved: finished, or wait and poll again."""

    done: bool = False
    progress: float | None = None  # percent, when the cloud reports one
    message: str = ""
    wait: float | None = None  # seconds until the next advance, when the step knows better than the poll policy


@dataclass
class ApiCall:
    """One call a step will make, for ``--dry-run`` and the path overview."""

    method: str
    path: str
    body: Any = None
    note: str = ""


@dataclass
class Step:
    name: str
    kind: str
    title: str
    inputs: dict[str, Any]
    billable: bool = False
    destructive: bool = False
    timeout: float = 3600.0
    max_attempts: int = 3
    status: StepStatus = StepStatus.PENDING
    attempts: int = 0
    state: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    resources: list[dict[str, str]] = field(default_factory=list)
    error: StepError | None = None
    started_at: float | None = None
    ended_at: float | None = None
    progress: float | None = None
    message: str = ""

    @property
    def needs_confirmation(self) -> bool:
        return self.billable or self.destructive

    @property
    def succeeded(self) -> bool:
        return self.status == StepStatus.SUCCEEDED

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"error": self.error.to_dict() if self.error else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Step:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["status"] = StepStatus(fields.get("status", StepStatus.PENDING))
        if fields.get("error"):
            fields["error"] = StepError.from_dict(fields["error"])
        return cls(**fields)


def ref(step: str, key: str) -> dict[str, str]:
    """An input that is another step's output (resolved when the step runs)."""
    return {"$ref": f"{step}.{key}"}


@dataclass
class StepContext:
    clients: Clients
    run_id: str
    resolve: Callable[[Any], Any]
    save: Callable[[], None]
    note: Callable[[str], None] = lambda message: None
    clock: Callable[[], float] = time.time
    window: ReconcileWindow = field(default_factory=ReconcileWindow)

    def tags(self) -> dict[str, str]:
        """The tags everything this run creates carries: the run's mark (and who made it)."""
        return {"created-by": "ecs-wizard", **ownership.mark(self.run_id)}


# The mark as the plan shows it before the run id is known to the reader (``--dry-run``, the overview).
PLANNED_TAGS = {"created-by": "ecs-wizard", ownership.MARK_KEY: "<run id>"}


class StepKind:
    kind = ""

    def advance(self, ctx: StepContext, step: Step) -> Tick:
        raise NotImplementedError

    def reconcile(self, ctx: StepContext, step: Step) -> bool:
        """After a lost create answer: find what the create made (by the run's mark and the name it
        gave); True if found and recorded."""
        return False

    def calls(self, step: Step, resolve: Callable[[Any], Any]) -> list[ApiCall]:
        return []


def _sent(ctx: StepContext, step: Step, what: str) -> None:
    """Mark, durably, that a create is about to go out (so a lost answer is reconciled, not repeated)."""
    step.state["sent"] = what
    step.state["sent_at"] = ctx.clock()
    ctx.save()


def _settled(ctx: StepContext, step: Step) -> None:
    step.state.pop("sent", None)
    step.state.pop("sent_at", None)
    ctx.save()


def _created(ctx: StepContext, step: Step, key: str, value: str, resource: tuple[str, str, str] | None = None) -> None:
    step.state[key] = value
    step.state.pop("sent", None)
    step.state.pop("sent_at", None)
    if resource:
        rtype, rid, rname = resource
        if not any(r["id"] == rid for r in step.resources):
            step.resources.append({"type": rtype, "id": rid, "name": rname})
    ctx.save()


def _create(ctx: StepContext, step: Step, what: str, call: Callable[[], Any]) -> Any:
    """Send a create once. None when its answer was lost: ``sent`` stays journaled, and the next
    ``advance`` looks for what it made (:func:`_pending_create`). A refusal clears ``sent``."""
    _sent(ctx, step, what)
    try:
        return call()
    except AnswerLost:
        ctx.note(
            f"The answer to '{what}' was lost (it may still happen): looking for what it made, by this run's mark, "
            f"for up to {ctx.window.length:.0f} s before sending it again."
        )
        return None
    except (CloudError, CloudUnreachable):
        _settled(ctx, step)  # refused, or never sent: nothing was made
        raise


def _pending_create(ctx: StepContext, step: Step, kind: StepKind) -> Tick | None:
    """A create went out and its answer never came (lost, late, a 5xx, or the process died): look for
    what it made until the reconcile window closes. A Tick while that goes on or once it is found;
    None when nothing is pending and the create may be sent (again)."""
    if "sent" not in step.state:
        return None
    what = step.state["sent"]
    if kind.reconcile(ctx, step):
        _settled(ctx, step)
        return Tick(message=f"found what '{what}' made: its answer had been lost", wait=0.0)
    sent_at = float(step.state.get("sent_at") or 0.0)  # a journal from before the window: closed at once
    since = ctx.clock() - sent_at
    if ctx.window.is_open(sent_at, ctx.clock()):
        return Tick(
            message=f"looking for what '{what}' made ({since:.0f} of {ctx.window.length:.0f} s)",
            wait=ctx.window.next_interval(since),
        )
    ctx.note(f"Nothing that '{what}' would have made appeared within {ctx.window.length:.0f} s: sending it again.")
    _settled(ctx, step)
    return None


def _adopt_named(ctx: StepContext, step: Step, key: str, rtype: str, name: str, candidates: Iterable[Any]) -> bool:
    """Record the first of ``candidates`` named ``name`` as what a lost create made; True if found."""
    for found in candidates:
        if found.name == name:
            if getattr(found, "checkpoint_id", None):  # a backup: its restore point too
                step.state["checkpoint_id"] = found.checkpoint_id
            _created(ctx, step, key, found.id, (rtype, found.id, name))
            return True
    return False


def _forget(ctx: StepContext, step: Step, *keys: str) -> None:
    """Drop the ids of something that failed, so a resumed run starts it afresh (it stays in resources)."""
    for key in keys:
        if key in step.state:
            step.state.setdefault("failed", []).append({key: step.state.pop(key)})
    ctx.save()


_UNHEALTHY = Remedy(Action.RESUME, "Check that the ECS is running and its disks are healthy", "it tries a new backup")


def _job_failure(service: str, job: Job, remedy: Remedy | None = None) -> StepFailed:
    reason = job.fail_reason or "no reason given"
    return StepFailed(
        f"The {service} job {job.id} failed: {reason}",
        remedy or Remedy(Action.FIX_AND_RESUME),
        job.error_code,
    )


def _delete_server(ctx: StepContext, step: Step, server_id: str, job_key: str) -> Tick:
    """Delete a server once, its intent journaled before the call. A delete already sent whose job id
    never reached the journal is settled from the server's state: gone counts as deleted, one being
    deleted is waited for, one still there is asked again (deleting twice is harmless)."""
    ecs = ctx.clients.ecs
    server = ecs.find_server(server_id)
    if server is None:
        return Tick(done=True, message=f"ECS {server_id} is gone")
    if step.state.get("delete_sent") and server.deleting:
        return Tick(message=f"ECS {server_id} is being deleted")
    step.state["delete_sent"] = ctx.clock()
    ctx.save()
    _created(ctx, step, job_key, ecs.delete_servers([server_id]))
    return Tick(message=f"deleting ECS {server_id}")


def _wait_delete_job(ctx: StepContext, step: Step, server_id: str, job_key: str) -> Tick:
    """Poll a server delete job. A FAIL is not final: the job id is set aside, so resuming reads the
    server's state and deletes it again if it is still there."""
    job = ctx.clients.ecs.get_job(step.state[job_key])
    if job.status == "FAIL":
        _forget(ctx, step, job_key)
        raise _job_failure(
            "ECS", job, Remedy(Action.RESUME, outcome=f"it deletes ECS {server_id} again if it still exists")
        )
    if job.status != "SUCCESS":
        return Tick(message=f"delete job {job.status.lower()}")
    return Tick(done=True, message=f"ECS {server_id} deleted")


def _source_gone(ctx: StepContext, step: Step) -> bool:
    """Whether the step backs up the image's source ECS (an id given, not a temporary ECS) and it no longer exists."""
    server_id = step.inputs.get("server_id")
    return isinstance(server_id, str) and ctx.clients.ecs.find_server(server_id) is None


def _source_gone_remedy(step: Step) -> Remedy:
    """Resuming cannot back up an ECS that is gone; a new run that answers 'no' makes a temporary one."""
    vault = next((r for r in step.resources if r["type"] == "vault"), None)
    return Remedy(
        Action.RUN_AGAIN,
        f"The ECS {step.inputs['server_id']} no longer exists, so resuming this run cannot work",
        "that run backs up a temporary ECS made from the image instead",
        question="source_exists",
        answer="no",
        kept_vault=(vault["name"], vault["id"]) if vault else None,
    )


# --- the step kinds ---------------------------------------------------------------------------


class CreateTempServer(StepKind):
    kind = "create_temp_server"

    def spec(self, step: Step, resolve: Callable[[Any], Any], tags: dict[str, str]) -> ServerSpec:
        """The create's request (``wizard.preflight`` sends it as a dry run first)."""
        i = {k: resolve(v) for k, v in step.inputs.items()}
        return ServerSpec(
            i["name"],
            i["image_id"],
            i["flavor_id"],
            i["vpc_id"],
            i["subnet_id"],
            i["volume_type"],
            i.get("availability_zone"),
            tags=tuple(tags.items()),
        )

    def calls(self, step: Step, resolve: Callable[[Any], Any]) -> list[ApiCall]:
        body = self.spec(step, resolve, PLANNED_TAGS).to_body()
        return [
            ApiCall("POST", "/v1/{project_id}/cloudservers", body, "billable: a new ECS"),
            ApiCall("GET", "/v1/{project_id}/jobs/{job_id}", note="poll until SUCCESS"),
        ]

    def advance(self, ctx: StepContext, step: Step) -> Tick:
        ecs = ctx.clients.ecs
        if "job_id" not in step.state and "server_id" not in step.state:
            pending = _pending_create(ctx, step, self)
            if pending is not None:
                return pending
            spec = self.spec(step, ctx.resolve, ctx.tags())
            result = _create(ctx, step, "create server", lambda: ecs.create_server(spec))
            if result is not None:
                job_id, server_ids = result
                _created(ctx, step, "job_id", job_id)
                if server_ids:
                    _created(ctx, step, "server_id", server_ids[0], ("server", server_ids[0], spec.name))
            return Tick(message=f"creating ECS {spec.name}")
        if "job_id" in step.state:
            job = ecs.get_job(step.state["job_id"])
            if job.status == "FAIL":
                _forget(ctx, step, "job_id", "server_id")
                raise _job_failure("ECS", job)
            if job.server_ids and "server_id" not in step.state:
                _created(
                    ctx,
                    step,
                    "server_id",
                    job.server_ids[0],
                    ("server", job.server_ids[0], ctx.resolve(step.inputs["name"])),
                )
            if job.status != "SUCCESS":
                return Tick(message=f"ECS job {job.status.lower()}")
        return self._until_active(ctx, step)

    def _until_active(self, ctx: StepContext, step: Step) -> Tick:
        """The server is made: wait for it to be ACTIVE (an adopted one that vanishes failed)."""
        server = ctx.clients.ecs.find_server(step.state["server_id"]) if "server_id" in step.state else None
        if server is None and step.state.get("seen"):  # it was there: its creation failed, or it was deleted
            server_id = step.state["server_id"]
            step.state.pop("seen", None)
            _forget(ctx, step, "job_id", "server_id")
            raise StepFailed(
                f"The ECS {server_id} is gone: its creation failed or it was deleted.",
                Remedy(Action.RESUME, outcome="it creates the ECS again"),
            )
        if server is not None and not step.state.get("seen"):
            step.state["seen"] = True
        if server is None or server.status != "ACTIVE":
            if server is not None and server.status == "ERROR":
                raise StepFailed(
                    f"The temporary ECS {server.id} went into ERROR.",
                    Remedy(Action.RESUME, "Delete it, check quotas and the flavor"),
                )
            # a new ECS answers 404 while it is being created (creating_ecss.rst): no error, not yet seen
            return Tick(message=f"ECS {server.status if server else 'being created (ECS answers 404 for it so far)'}")
        step.outputs["server_id"] = server.id
        seconds = launch_seconds(server)
        if seconds is not None:  # the cloud's own record of how long it took (wizard.before_after)
            step.outputs["launch_seconds"] = seconds
        return Tick(done=True, message=f"ECS {server.id} is ACTIVE")

    def reconcile(self, ctx: StepContext, step: Step) -> bool:
        name = ctx.resolve(step.inputs["name"])
        servers = ownership.marked_servers(ctx.clients, ctx.run_id, name)
        return _adopt_named(ctx, step, "server_id", "server", name, servers)


class EnsureVault(StepKind):
    """Use a server backup vault that already holds the ECS; else create one and add the ECS."""

    kind = "ensure_vault"

    def calls(self, step: Step, resolve: Callable[[Any], Any]) -> list[ApiCall]:
        i = {k: resolve(v) for k, v in step.inputs.items()}
        calls = [
            ApiCall(
                "GET",
                "/v3/{project_id}/vaults?object_type=server&resource_ids=" + str(i["server_id"]),
                note="a vault that holds the ECS",
            )
        ]
        if step.billable:
            calls.append(
                ApiCall(
                    "POST",
                    "/v3/{project_id}/vaults",
                    {
                        "vault": {
                            "name": i["vault_name"],
                            "resources": [],
                            "tags": [{"key": k, "value": v} for k, v in PLANNED_TAGS.items()],
                            "billing": {
                                "consistent_level": "crash_consistent",
                                "object_type": "server",
                                "protect_type": "backup",
                                "size": i["size_gb"],
                            },
                        }
                    },
                    "billable: a new vault, if none holds the ECS",
                )
            )
            calls.append(
                ApiCall(
                    "POST",
                    "/v3/{project_id}/vaults/{vault_id}/addresources",
                    {
                        "resources": [
                            {"id": i["server_id"], "type": "OS::Nova::Server", "extra_info": {"exclude_volumes": []}}
                        ]
                    },
                )
            )
        return calls

    def advance(self, ctx: StepContext, step: Step) -> Tick:
        cbr = ctx.clients.cbr
        server_id = ctx.resolve(step.inputs["server_id"])
        name = ctx.resolve(step.inputs["vault_name"])
        if "vault_id" not in step.state:
            pending = _pending_create(ctx, step, self)
            if pending is not None:
                return pending
            holding = cbr.list_vaults(resource_ids=server_id)
            if holding:
                vault = holding[0]
                step.state.update(vault_id=vault.id, reused=True)
                ctx.save()
                step.outputs["vault_id"] = vault.id
                return Tick(done=True, message=f"the ECS is already in vault {vault.name}")
            size = int(ctx.resolve(step.inputs["size_gb"]))
            vault = _create(
                ctx,
                step,
                "create vault",
                lambda: cbr.create_vault(name=name, size_gb=size, description="created by ecs-wizard", tags=ctx.tags()),
            )
            if vault is not None:
                _created(ctx, step, "vault_id", vault.id, ("vault", vault.id, name))
            return Tick(message=f"vault {name} created")
        vault = cbr.get_vault(step.state["vault_id"])
        if not vault.holds(server_id):
            try:
                cbr.add_resources(vault.id, [server_id])
            except CloudError as error:
                if error.transient or not _source_gone(ctx, step):
                    raise
                raise StepFailed(error.message, _source_gone_remedy(step), error.code, error.request_id) from None
            ctx.note(f"added ECS {server_id} to vault {vault.name}")
        step.outputs["vault_id"] = vault.id
        return Tick(done=True, message=f"ECS is in vault {vault.name}")

    def reconcile(self, ctx: StepContext, step: Step) -> bool:
        name = ctx.resolve(step.inputs["vault_name"])
        vaults = ownership.marked_vaults(ctx.clients, ctx.run_id, name)
        return _adopt_named(ctx, step, "vault_id", "vault", name, vaults)


class _BackupStep(StepKind):
    """A full backup of the ECS: start it once (its restore point is journaled), then poll the backup."""

    service = ""

    def _start(self, ctx: StepContext, step: Step, inputs: dict[str, Any]) -> Tick:
        raise NotImplementedError

    def _find_by_checkpoint(self, ctx: StepContext, checkpoint_id: str) -> list[Backup]:
        raise NotImplementedError

    def _get(self, ctx: StepContext, backup_id: str) -> Backup:
        raise NotImplementedError

    def _backups_of(self, ctx: StepContext, inputs: dict[str, Any]) -> list[Backup]:
        """The server's backups, where one a lost answer started would show up."""
        raise NotImplementedError

    def advance(self, ctx: StepContext, step: Step) -> Tick:
        if "checkpoint_id" not in step.state and "backup_id" not in step.state:
            pending = _pending_create(ctx, step, self)
            if pending is not None:
                return pending
            if step.state.get("busy_since") is not None and self._adopt_running(ctx, step):
                return Tick(message="the backup already running is this run's own: following it", wait=0.0)
            try:
                tick = self._start(ctx, step, {k: ctx.resolve(v) for k, v in step.inputs.items()})
            except CloudError as error:
                if not is_backup_running(error):
                    raise
                return self._busy(ctx, step, error.code, error.message)
            if "checkpoint_id" in step.state or "sent" in step.state:
                step.state.pop("busy_since", None)
                ctx.save()
            return tick
        return self._poll(ctx, step)

    def _busy(self, ctx: StepContext, step: Step, code: str, reason: str) -> Tick:
        """The cloud refused the backup: one of the same server is already running (``BACKUP_RUNNING``).
        Nothing was made, so this is no lost answer: wait for that backup to finish and ask again, for
        up to :data:`BACKUP_RUNNING_WAIT` seconds, then stop with that reason."""
        first = step.state.get("busy_since") is None
        if first:
            step.state["busy_since"] = ctx.clock()
            ctx.save()
            ctx.note(
                f"A backup of this server is already running ({self.service.upper()} {code}: {reason}): waiting for "
                "it to finish, then this run's backup starts."
            )
        waited = ctx.clock() - float(step.state["busy_since"])
        if waited > BACKUP_RUNNING_WAIT:
            step.state.pop("busy_since", None)
            ctx.save()
            raise StepFailed(
                f"A backup of this server is already running, and it has not finished in {waited / 60:.0f} min "
                f"({self.service.upper()} {code}: {reason}).",
                Remedy(Action.RESUME, "Wait until the backup already running has finished"),
                code,
            )
        return Tick(message=f"a backup of this server is already running: waiting for it ({waited / 60:.0f} min)")

    def _adopt_running(self, ctx: StepContext, step: Step) -> bool:
        """While the cloud says a backup of the server is running: is it this run's own, started by a
        create whose answer was lost (``wizard.ownership``)? Then it is followed, not waited out."""
        i = {k: ctx.resolve(v) for k, v in step.inputs.items()}
        running = [b for b in self._backups_of(ctx, i) if b.being_made]
        if not _adopt_named(ctx, step, "backup_id", "backup", i["backup_name"], running):
            return False
        step.state.pop("busy_since", None)
        ctx.save()
        return True

    def reconcile(self, ctx: StepContext, step: Step) -> bool:
        i = {k: ctx.resolve(v) for k, v in step.inputs.items()}
        return _adopt_named(ctx, step, "backup_id", "backup", i["backup_name"], self._backups_of(ctx, i))

    def _not_listed_yet(self, ctx: StepContext, step: Step) -> Tick:
        """The backup the restore point makes is not listed yet."""
        return Tick(message="waiting for the backup to appear")

    def _poll(self, ctx: StepContext, step: Step) -> Tick:
        if "backup_id" not in step.state:
            found = self._find_by_checkpoint(ctx, step.state["checkpoint_id"])
            if not found:
                return self._not_listed_yet(ctx, step)
            _created(ctx, step, "backup_id", found[0].id, ("backup", found[0].id, found[0].name))
        backup = self._get(ctx, step.state["backup_id"])
        if backup.status == "error":
            _forget(ctx, step, "checkpoint_id", "backup_id")
            raise StepFailed(
                f"The {self.service.upper()} backup {backup.id} ended in error: "
                f"{backup.fail_reason or 'no reason given'}",
                _UNHEALTHY,
            )
        if backup.gone:  # deleted by someone else before its image was made (models.BACKUP_GOING)
            _forget(ctx, step, "checkpoint_id", "backup_id")
            raise StepFailed(
                f"The new {self.service.upper()} backup {backup.id} is being deleted (status {backup.status}): "
                "it was deleted before an image was made from it.",
                Remedy(Action.RESUME, outcome="it makes a new backup"),
            )
        if backup.status != "available":
            waiting = backup.status == "waiting_protect"
            return Tick(
                progress=backup.progress, message="backup waiting to start" if waiting else f"backup {backup.status}"
            )
        step.outputs["backup_id"] = backup.id
        step.outputs["support_lld"] = backup.support_lld
        return Tick(done=True, progress=100.0, message=f"backup {backup.id} is available")


BACKUP_RUNNING_WAIT = 2 * 3600.0  # waiting for another backup of the server; the step's own timeout is 4 h


class CbrBackup(_BackupStep):
    kind = "cbr_backup"
    service = "cbr"

    def calls(self, step: Step, resolve: Callable[[Any], Any]) -> list[ApiCall]:
        i = {k: resolve(v) for k, v in step.inputs.items()}
        return [
            ApiCall(
                "POST",
                "/v3/{project_id}/checkpoints",
                {
                    "checkpoint": {
                        "vault_id": i["vault_id"],
                        "parameters": {"resources": [i["server_id"]], "name": i["backup_name"], "incremental": False},
                    }
                },
            ),
            ApiCall(
                "GET",
                f"/v3/{{project_id}}/operation-logs?operation_type=backup&resource_id={i['server_id']}",
                note="the backup's task (matched by restore point)",
            ),
            ApiCall("GET", "/v3/{project_id}/operation-logs/{task_id}", note="poll the task's progress until it ends"),
            ApiCall("GET", "/v3/{project_id}/backups/{backup_id}", note="the backup must be available"),
        ]

    def _poll(self, ctx: StepContext, step: Step) -> Tick:
        """While CBR's task for the backup runs, poll the task: a CBR backup has no progress of its own."""
        task = self._task(ctx, step)
        if task is None:
            return super()._poll(ctx, step)
        if task.backup_id and "backup_id" not in step.state:
            _created(
                ctx,
                step,
                "backup_id",
                task.backup_id,
                ("backup", task.backup_id, task.backup_name or ctx.resolve(step.inputs["backup_name"])),
            )
        if task.running:
            return Tick(
                progress=task.progress,
                message="backup protecting" if task.status == "running" else "backup waiting to start",
            )
        if task.status in ("failed", "timeout", "skipped"):
            _forget(ctx, step, "checkpoint_id", "backup_id", "task_id")
            reason = task.error_message or f"the task ended '{task.status}'"
            raise StepFailed(
                f"The CBR backup of the ECS failed: {reason}",
                _UNHEALTHY,
                task.error_code,
            )
        return super()._poll(ctx, step)

    def _not_listed_yet(self, ctx: StepContext, step: Step) -> Tick:
        """Ask the restore point, as Terraform does (``GET /v3/{project_id}/checkpoints/{id}``, OTC-CBR
        ``cbr_apis/restore_points/querying_a_restore_point.rst``): one in error will make no backup."""
        checkpoint_id = step.state["checkpoint_id"]
        point = ctx.clients.cbr.get_checkpoint(checkpoint_id)
        status = point.get("status") or "unknown"
        if status in ("error", "deleting", "deleted", "error-deleting"):
            _forget(ctx, step, "checkpoint_id")
            raise StepFailed(
                f"CBR's restore point {checkpoint_id} for the backup is '{status}': no backup will come of it.",
                _UNHEALTHY,
            )
        return Tick(message=f"restore point {status}: waiting for the backup to appear")

    def _task(self, ctx: StepContext, step: Step) -> BackupTask | None:
        """The CBR task making this step's backup, found once by restore point (or backup) and journaled."""
        cbr = ctx.clients.cbr
        if step.state.get("task_id") == "":
            return None  # looked for before and not there: poll the backup alone
        try:
            if "task_id" in step.state:
                return cbr.get_task(step.state["task_id"])
            server_id = ctx.resolve(step.inputs["server_id"])
            task = next(
                (
                    t
                    for t in cbr.list_tasks(resource_id=server_id, limit=100)
                    if (t.checkpoint_id and t.checkpoint_id == step.state.get("checkpoint_id"))
                    or (t.backup_id and t.backup_id == step.state.get("backup_id"))
                ),
                None,
            )
        except CloudError as exc:
            if exc.status not in (403, 404):
                raise
            ctx.note(f"CBR tasks cannot be read ({exc.code or exc.status}); polling the backup without a percentage.")
            task = None
        if task is None and "backup_id" not in step.state:
            return None  # the task may not be listed yet: look again next time
        step.state["task_id"] = task.id if task else ""
        ctx.save()
        return task

    def _start(self, ctx: StepContext, step: Step, i: dict[str, Any]) -> Tick:
        checkpoint = _create(
            ctx,
            step,
            "create CBR backup",
            lambda: ctx.clients.cbr.create_checkpoint(
                vault_id=i["vault_id"],
                server_id=i["server_id"],
                name=i["backup_name"],
                description="made by ecs-wizard",
                incremental=False,
            ),
        )
        if checkpoint is not None:
            skipped = (checkpoint.get("vault") or {}).get("skipped_resources") or []
            if skipped:
                s = skipped[0]
                code, reason = str(s.get("code") or ""), str(s.get("reason") or "")
                _settled(ctx, step)
                if code in BACKUP_RUNNING:  # "for example, the resource is being backed up" (the document)
                    return self._busy(ctx, step, code, reason)
                raise StepFailed(
                    f"CBR skipped the ECS: {reason}", Remedy(Action.RESUME, "Resolve the reason CBR gave"), code
                )
            _created(
                ctx, step, "checkpoint_id", checkpoint["id"], ("restore point", checkpoint["id"], i["backup_name"])
            )
        return Tick(message="backup started")

    def _find_by_checkpoint(self, ctx: StepContext, checkpoint_id: str) -> list[Backup]:
        return ctx.clients.cbr.list_backups(checkpoint_id=checkpoint_id)

    def _get(self, ctx: StepContext, backup_id: str) -> Backup:
        return ctx.clients.cbr.get_backup(backup_id)

    def _backups_of(self, ctx: StepContext, i: dict[str, Any]) -> list[Backup]:
        return ownership.run_cbr_backups(ctx.clients, i["vault_id"], i["backup_name"], i["server_id"])


class CsbsBackup(_BackupStep):
    kind = "csbs_backup"
    service = "csbs"

    def calls(self, step: Step, resolve: Callable[[Any], Any]) -> list[ApiCall]:
        i = {k: resolve(v) for k, v in step.inputs.items()}
        return [
            ApiCall(
                "POST",
                "/v1/{project_id}/providers/{provider_id}/resources/action",
                {"check_protectable": [{"resource_id": i["server_id"], "resource_type": "OS::Nova::Server"}]},
            ),
            ApiCall(
                "POST",
                f"/v1/{{project_id}}/providers/{{provider_id}}/resources/{i['server_id']}/action",
                {
                    "protect": {
                        "backup_name": i["backup_name"],
                        "incremental": False,
                        "resource_type": "OS::Nova::Server",
                        "tags": [{"key": k, "value": v} for k, v in PLANNED_TAGS.items()],
                    }
                },
                "billable: a full backup (new format), stored until deleted",
            ),
            ApiCall("GET", "/v1/{project_id}/checkpoint_items?checkpoint_id={checkpoint_id}", note="the backup id"),
            ApiCall("GET", "/v1/{project_id}/checkpoint_items/{backup_id}", note="poll until available"),
        ]

    def _start(self, ctx: StepContext, step: Step, i: dict[str, Any]) -> Tick:
        csbs = ctx.clients.csbs
        if not step.state.get("protectable"):
            check = csbs.check_protectable(i["server_id"])
            if not check.ok:
                remedy = (
                    _source_gone_remedy(step)
                    if _source_gone(ctx, step)
                    else Remedy(
                        Action.RESUME, "Check the ECS status (it must be running or stopped, without shared disks)"
                    )
                )
                raise StepFailed(
                    f"CSBS cannot back up ECS {i['server_id']}: {check.message or 'not protectable'}",
                    remedy,
                    check.code,
                )
            step.state["protectable"] = True
        checkpoint = _create(
            ctx,
            step,
            "create CSBS backup",
            lambda: csbs.protect(
                i["server_id"],
                backup_name=i["backup_name"],
                description="made by ecs-wizard",
                incremental=False,
                tags=ctx.tags(),
            ),
        )
        if checkpoint is not None:
            _created(
                ctx, step, "checkpoint_id", checkpoint["id"], ("backup record", checkpoint["id"], i["backup_name"])
            )
        return Tick(message="full backup started")

    def _find_by_checkpoint(self, ctx: StepContext, checkpoint_id: str) -> list[Backup]:
        return ctx.clients.csbs.list_checkpoint_items(checkpoint_id=checkpoint_id)

    def _get(self, ctx: StepContext, backup_id: str) -> Backup:
        return ctx.clients.csbs.get_checkpoint_item(backup_id)

    def _backups_of(self, ctx: StepContext, i: dict[str, Any]) -> list[Backup]:
        return ownership.marked_csbs_backups(ctx.clients, ctx.run_id, i["backup_name"])


class CheckNewFormat(StepKind):
    kind = "check_new_format"

    def calls(self, step: Step, resolve: Callable[[Any], Any]) -> list[ApiCall]:
        return [
            ApiCall("GET", "/v1/{project_id}/checkpoint_items/{backup_id}", note="extend_info.support_lld must be true")
        ]

    def advance(self, ctx: StepContext, step: Step) -> Tick:
        backup = ctx.clients.csbs.get_checkpoint_item(ctx.resolve(step.inputs["backup_id"]))
        if backup.support_lld is not True:
            raise StepFailed(
                f"The new CSBS backup {backup.id} is still in the old format "
                f"(support_lld={backup.extend_info.get('support_lld')!r}).",
                Remedy(Action.CHOOSE_CBR, "CSBS makes old-format backups for some servers"),
            )
        step.outputs["support_lld"] = True
        return Tick(done=True, message="the backup supports lazy loading (new format)")


class CreateImage(StepKind):
    kind = "create_image"

    def calls(self, step: Step, resolve: Callable[[Any], Any]) -> list[ApiCall]:
        i = {k: resolve(v) for k, v in step.inputs.items()}
        body = {"name": i["image_name"], "backup_id": i["backup_id"]}
        if i["service"] == "cbr":
            body["whole_image_type"] = "CBR"
        return [
            ApiCall("POST", "/v1/cloudimages/wholeimages/action", body),
            ApiCall("GET", "/v1/{project_id}/jobs/{job_id}", note="poll until SUCCESS"),
            ApiCall("GET", "/v1/cloudimages/job/{job_id}", note="the percentage, where the region answers it"),
        ]

    def advance(self, ctx: StepContext, step: Step) -> Tick:
        ims = ctx.clients.ims
        i = {k: ctx.resolve(v) for k, v in step.inputs.items()}
        if "job_id" not in step.state and "image_id" not in step.state:
            pending = _pending_create(ctx, step, self)
            if pending is not None:
                return pending
            if step.state.get("failed") and self._adopt_from_backup(ctx, step, i):
                return Tick(message="an image from the backup exists already: this run's, adopted", wait=0.0)
            return self._send(ctx, step, i)
        if "image_id" not in step.state:
            job = ims.get_job(step.state["job_id"])
            if job.status == "FAIL":
                _forget(ctx, step, "job_id")
                raise _job_failure(
                    "IMS",
                    job,
                    Remedy(Action.RESUME, outcome="it makes the image again unless one from the backup exists"),
                )
            if job.image_id:
                _created(ctx, step, "image_id", job.image_id, ("image", job.image_id, i["image_name"]))
            if job.status != "SUCCESS":
                return Tick(progress=self._percentage(ctx, step), message=f"IMS job {job.status.lower()}")
        image_id = step.state["image_id"]
        image = _find_image(ctx, image_id)
        if image is not None and image.status == "killed":  # "an error occurs on the image uploading"
            reason = self._job_reason(ctx, step)
            _forget(ctx, step, "job_id", "image_id")
            raise StepFailed(
                f"IMS could not make the new image {image_id}: its status is 'killed'"
                + (f" ({reason})." if reason else " (an error occurred while it was made)."),
                Remedy(
                    Action.RESUME, outcome="it makes the image again from the same backup (the killed one is deleted)"
                ),
            )
        if image is None or image.status == "deleted":
            _forget(ctx, step, "job_id", "image_id")
            raise StepFailed(
                f"The new image {image_id} is gone ({image.status if image else 'not found'}).",
                Remedy(Action.RESUME, outcome="it makes the image again from the same backup"),
            )
        if image.status != "active":
            return Tick(progress=99.0, message=f"image {image.status}")
        step.outputs["image_id"] = image.id
        return Tick(done=True, progress=100.0, message=f"image {image.id} is active")

    def _job_reason(self, ctx: StepContext, step: Step) -> str:
        """The image job's failure reason, where the job is known and says one."""
        if "job_id" not in step.state:
            return ""
        job = ctx.clients.ims.get_job(step.state["job_id"])
        return job.fail_reason or ""

    def _percentage(self, ctx: StepContext, step: Step) -> float | None:
        """The job's percentage from the progress path, an extra only some regions answer (Huawei
        Cloud's SDK has it, OTC's reference does not). Once it answers 403/404 the run stops asking."""
        if step.state.get("progress_path") == "absent":
            return None
        try:
            return ctx.clients.ims.get_job_progress(step.state["job_id"]).progress
        except CloudError as error:
            if error.status in (403, 404):
                step.state["progress_path"] = "absent"
                ctx.save()
                ctx.note(
                    f"IMS does not report this job's percentage here ({error.code or error.status}); "
                    "following the job without it."
                )
            return None

    def reconcile(self, ctx: StepContext, step: Step) -> bool:
        name = ctx.resolve(step.inputs["image_name"])
        images = ownership.marked_images(ctx.clients, ctx.run_id, name)
        return _adopt_named(ctx, step, "image_id", "image", name, images)

    def _send(self, ctx: StepContext, step: Step, i: dict[str, Any]) -> Tick:
        """Ask IMS for the image (tagged with the run's mark and its original image)."""
        ims = ctx.clients.ims
        tags = {**ctx.tags(), **({ownership.SOURCE_KEY: i["source_image_id"]} if i.get("source_image_id") else {})}
        try:
            job_id = _create(
                ctx,
                step,
                "create full-ECS image",
                lambda: ims.create_whole_image_from_backup(
                    name=i["image_name"],
                    backup_id=i["backup_id"],
                    service=i["service"],
                    description=i.get("description", ""),
                    tags=tags,
                ),
            )
        except CloudError as error:
            if error.code == CBR_BACKUPS_ONLY and i["service"] == "csbs":
                raise StepFailed(
                    f"This region makes full-ECS images only from CBR backups (IMS {error.code}: {error.message}), "
                    f"so the CSBS backup {i['backup_id']} this run made cannot become one.",
                    Remedy(
                        Action.CHOOSE_CBR,
                        "This region makes full-ECS images only from CBR backups",
                        f"the CSBS backup {i['backup_id']} this run made is billed as storage while it is kept: keep "
                        "it, or delete it in the CSBS console",
                    ),
                    error.code,
                    error.request_id,
                ) from None
            if error.code not in BACKUP_HAS_IMAGE or step.state.get("backup_had_image"):
                raise
            # One backup makes one image: the one IMS knows of may be this run's, made by a request
            # whose answer was lost and which lists do not show yet. Look for it as for a lost answer.
            step.state["backup_had_image"] = True
            _sent(ctx, step, "create full-ECS image")
            ctx.note("IMS says an image was made from this backup already: looking for this run's image.")
            return Tick(message="looking for the image made from the backup", wait=ctx.window.min_interval)
        if job_id is not None:
            _created(ctx, step, "job_id", job_id)
        return Tick(message="image creation started")

    def _adopt_from_backup(self, ctx: StepContext, step: Step, i: dict[str, Any]) -> bool:
        """After a failed image job: one backup makes one full-ECS image, so an image of this run from
        that backup that still stands is the one to keep, not a reason to ask again."""
        images = [
            image
            for image in ownership.marked_images(ctx.clients, ctx.run_id)
            if image.backup_id == i["backup_id"] and image.status not in ("killed", "deleted")
        ]
        return _adopt_named(ctx, step, "image_id", "image", i["image_name"], images)


BACKUP_HAS_IMAGE = frozenset({"IMG.0029", "IMG.0134"})  # "an image has already been created from this backup"
CBR_BACKUPS_ONLY = "IMG.0190"
"""IMS: "Full-ECS images can be created only from CBR backups." (opentelekomcloud-docs/image-management-service
api-ref/source/error_codes.rst): a region that refuses the CSBS route, after the CSBS backup was paid for."""


def _find_image(ctx: StepContext, image_id: str) -> Image | None:
    """The image, or None when IMS says it does not exist."""
    try:
        return ctx.clients.ims.get_image(image_id)
    except CloudError as error:
        if error.status == 404 or error.code in ("IMG.0027", "IMG.0144"):
            return None
        raise


class VerifyImage(StepKind):
    kind = "verify_image"

    def calls(self, step: Step, resolve: Callable[[Any], Any]) -> list[ApiCall]:
        return [
            ApiCall("GET", "/v2/cloudimages?id={image_id}"),
            ApiCall("GET", "the new backup", note="support_lld must be true"),
        ]

    def advance(self, ctx: StepContext, step: Step) -> Tick:
        image_id = ctx.resolve(step.inputs["image_id"])
        service = ctx.resolve(step.inputs["service"])
        image = ctx.clients.ims.get_image(image_id)
        checks = {
            "active": image.status == "active",
            "full-ECS image": image.whole_image,
            "made from the new backup": image.backup_id == ctx.resolve(step.inputs["backup_id"]),
        }
        if image.backup_id:
            backup = (
                ctx.clients.cbr.get_backup(image.backup_id)
                if service == "cbr"
                else ctx.clients.csbs.get_checkpoint_item(image.backup_id)
            )
            checks["backup supports lazy loading"] = backup.support_lld is True
        else:  # an image that names no backup has none to load lazily from
            checks["backup supports lazy loading"] = False
        step.outputs["checks"] = checks
        failed = [name for name, ok in checks.items() if not ok]
        if failed:
            raise StepFailed(
                f"Image {image_id} failed verification: {', '.join(failed)}.",
                Remedy(Action.RESUME, "See the evidence in the report", "it checks the image again"),
            )
        step.outputs["image_id"] = image_id
        return Tick(done=True, progress=100.0, message="active, full-ECS, from a backup that supports lazy loading")


class TestLaunch(CreateTempServer):
    """Create an ECS from the new image, time it to ACTIVE, then delete it."""

    kind = "test_launch"

    def calls(self, step: Step, resolve: Callable[[Any], Any]) -> list[ApiCall]:
        old = (
            [ApiCall("GET", "/v1/{project_id}/cloudservers/detail", note="the latest ECS made from the old image")]
            if step.inputs.get("old_image_id")
            else []
        )
        return [
            *super().calls(step, resolve),
            *old,
            ApiCall("POST", "/v1/{project_id}/cloudservers/delete", note="the test ECS is deleted right after"),
        ]

    def advance(self, ctx: StepContext, step: Step) -> Tick:
        if "deleted_job" not in step.state and "seconds_to_active" not in step.outputs:
            return self._launch(ctx, step)
        server_id = step.state["server_id"]  # launched and timed: only the delete is left
        if "deleted_job" in step.state:
            tick = _wait_delete_job(ctx, step, server_id, "deleted_job")
        else:  # perhaps sent, not journaled
            tick = _delete_server(ctx, step, server_id, "deleted_job")
        if not tick.done:
            return Tick(message=f"deleting the test ECS: {tick.message}")
        return Tick(
            done=True, message=f"new image: ECS ACTIVE in {step.outputs['seconds_to_active']:.1f} s; test ECS deleted"
        )

    def _launch(self, ctx: StepContext, step: Step) -> Tick:
        if "launched_at" not in step.state:
            step.state["launched_at"] = ctx.clock()
        tick = super().advance(ctx, step)
        if not tick.done:
            return tick
        seconds = ctx.clock() - step.state["launched_at"]
        step.outputs.update(self._old_launch(ctx, step))
        step.outputs.update({"test_server_id": step.state["server_id"], "seconds_to_active": round(seconds, 2)})
        ctx.note(f"test ECS became ACTIVE in {seconds:.1f} s")
        tick = _delete_server(ctx, step, step.state["server_id"], "deleted_job")
        return Tick(message=f"deleting the test ECS: {tick.message}")

    @staticmethod
    def _old_launch(ctx: StepContext, step: Step) -> dict[str, Any]:
        """With no temporary ECS to compare with (the source ECS exists), the cloud's record of the latest
        ECS made from the old image: the other half of the before/after figure, or why there is none."""
        old_image_id = ctx.resolve(step.inputs.get("old_image_id"))
        if not old_image_id:
            return {}
        try:
            recorded = latest_launch_from(ctx.clients.ecs.list_servers(), old_image_id)
        except CloudError as error:
            return {"old_launch_missing": f"the ECS list could not be read ({error.message})"}
        if recorded is None:
            return {
                "old_launch_missing": "no ECS in this project was made from the old image, so the cloud has no "
                "record of how long one takes"
            }
        ctx.note(f"ECS {recorded['name']} was made from the old image in {recorded['seconds']:.0f} s (cloud record)")
        return {"old_launch": recorded}


class DeleteServer(StepKind):
    kind = "delete_temp_server"

    def calls(self, step: Step, resolve: Callable[[Any], Any]) -> list[ApiCall]:
        return [
            ApiCall(
                "POST",
                "/v1/{project_id}/cloudservers/delete",
                {
                    "servers": [{"id": resolve(step.inputs["server_id"])}],
                    "delete_publicip": True,
                    "delete_volume": True,
                },
                "destructive",
            ),
            ApiCall("GET", "/v1/{project_id}/jobs/{job_id}"),
        ]

    def advance(self, ctx: StepContext, step: Step) -> Tick:
        server_id = ctx.resolve(step.inputs["server_id"])
        if "job_id" in step.state:
            return _wait_delete_job(ctx, step, server_id, "job_id")
        return _delete_server(ctx, step, server_id, "job_id")


class DeleteOldImage(StepKind):
    """Delete the old image, then wait until IMS has: it answers 204 at once and deletes later
    (huaweicloud/terraform-provider-huaweicloud ``resourceWholeImageDelete`` polls until it is gone)."""

    kind = "delete_old_image"

    def calls(self, step: Step, resolve: Callable[[Any], Any]) -> list[ApiCall]:
        image_id = resolve(step.inputs["image_id"])
        return [
            ApiCall("DELETE", f"/v2/images/{image_id}", {"delete_backup": False}, "destructive"),
            ApiCall("GET", f"/v2/cloudimages?id={image_id}", note="until the image is gone"),
        ]

    def advance(self, ctx: StepContext, step: Step) -> Tick:
        ims = ctx.clients.ims
        image_id = ctx.resolve(step.inputs["image_id"])
        if not step.state.get("delete_sent"):
            if ims.image_exists(image_id):
                ims.delete_image(image_id, delete_backup=False)
            step.state["delete_sent"] = True
            ctx.save()
            return Tick(message=f"deleting old image {image_id}")
        if ims.image_exists(image_id):
            return Tick(message="IMS is deleting the old image")
        return Tick(done=True, message=f"old image {image_id} deleted")


KINDS: dict[str, StepKind] = {
    k.kind: k
    for k in (
        CreateTempServer(),
        EnsureVault(),
        CbrBackup(),
        CsbsBackup(),
        CheckNewFormat(),
        CreateImage(),
        VerifyImage(),
        TestLaunch(),
        DeleteServer(),
        DeleteOldImage(),
    )
}

# Per-kind defaults: timeout in seconds (the cloud's own pace; Terraform waits 20-30 min for these).
TIMEOUTS = {
    "create_temp_server": 45 * 60,
    "ensure_vault": 5 * 60,
    "cbr_backup": 4 * 3600,
    "csbs_backup": 4 * 3600,
    "check_new_format": 5 * 60,
    "create_image": 2 * 3600,
    "verify_image": 5 * 60,
    "test_launch": 45 * 60,
    "delete_temp_server": 15 * 60,
    "delete_old_image": 5 * 60,
}


def vault_size_gb(disks: list[dict[str, Any]], min_disk: int | None) -> int:
    """A vault big enough for the server's disks (CBR's minimum is 10 GB)."""
    total = sum(int(d.get("size") or 0) for d in disks) or (min_disk or 40)
    return max(10, int(math.ceil(total)))
