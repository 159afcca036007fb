"""What a run owns in the cloud, in one place: the run's mark, the reconcile window, the sweep and
the run lock. ``wizard.steps`` uses it to create exactly once; ``abandon`` uses it to list what a run
made and delete only that. No step re-implements any of it (DESIGN.md, "Where the second wave's
parts go").

**The mark.** Everything a run makes carries the tag ``ecs-wizard-run=<run id>`` where the API takes
tags: ECS ``server_tags``, the CBR vault's ``tags``, CSBS ``protect.tags``, IMS ``image_tags``. A
fast copy also carries ``ecs-wizard-source=<original image id>``, so another machine, without the
journal, can tell which image it repairs. CBR backups carry no tags of their own: a run's CBR
backups are the ones in a vault it marked, plus the ones in the vault it used that bear the backup
name it gave (``ecs-wizard-<run>``). Lookups by mark use each service's tag query: ECS
``GET /v1/{project_id}/cloudservers/detail?tags=key=value``, IMS ``GET /v2/cloudimages?tag=key=value``,
CBR ``POST /v3/{project_id}/vault/resource_instances/action``, CSBS
``POST /v1/{project_id}/csbs_backup/resource_instances/action``.

**The reconcile window** (:class:`ReconcileWindow`). A create whose answer is lost, late or a 5xx
may still land: the request can outlive the client's read timeout. So the step does not send it
again at once: it looks for the resource by mark, first after ``min_interval`` seconds, then at
intervals growing by ``1 + growth`` up to ``max_interval``, until ``read_timeout + grace`` seconds
have passed since the create was sent. Only then, with nothing found, is the create sent again.
Bound: at most ``lookups()`` list calls per lost answer (the defaults: a 90 s window, 10 lookups),
and a lost answer costs at most ``read_timeout + grace + max_interval`` seconds before the create is
sent again. The window runs on the session's clock, so a frozen virtual clock runs it in
milliseconds.

**The sweep** (:func:`sweep`). After each create step and at the end of the run, everything that
carries the run's mark is listed; what the journal holds is kept and the surplus (a duplicate that
landed after its window, what a failed attempt left) is deleted: images first, then backups,
vaults and servers. Only resources carrying this run's mark (or, for CBR backups, its vault and
name) are ever touched.

**The run lock** (:class:`RunLock`). One process per run: ``fcntl.flock`` on ``<run id>.lock``
beside the journal, holding the pid of its holder (a :class:`wizard.statedir.PidLock`). The kernel
drops the lock when its process dies, so a dead holder's lock is simply taken over.

The API (what ``abandon`` and the front ends call):

- :func:`mark`, :data:`MARK_KEY`, :data:`SOURCE_KEY`, :func:`carries_mark`: the tags.
- :func:`find_owned(clients, run) <find_owned>`: every resource in the cloud that is the run's, as
  :class:`Owned` rows (type, id, name, status, what it needs, what it costs by), already in
  :data:`DELETE_ORDER`.
- :func:`delete_owned(clients, owned) <delete_owned>`: delete one of those (a server's job is not
  awaited; its id is returned); :func:`holds_others` says whether a vault also holds backups the run
  did not make.
- :func:`journaled(run) <journaled>`: the ids the journal holds as the run's current resources.
- :func:`sweep(clients, run, when) <sweep>` -> :class:`SweepReport` (``message``, ``to_dict()``).
- :class:`RunLock` (a context manager; ``holder()`` without taking it), :class:`RunLocked` (exit 2).
- :func:`open_runs`, :func:`describe_open_run`, :func:`open_run_row`: a machine's open runs on an image.
- :func:`find_fast_copy`, :func:`fast_copies_among`, :func:`is_fast_copy`: fast copies already made.
- :class:`ReconcileWindow`: the bound above; ``StepContext.window`` and ``CloudSession.window`` carry it.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wizard.errors import UsageError
from wizard.remedy import Action, Remedy
from wizard.statedir import PidLock
from wizard.status import RunStatus

if TYPE_CHECKING:
    from wizard.cloud.client import Clients
    from wizard.cloud.models import Backup, Image, Server, Vault
    from wizard.journal import Journal, Run

MARK_KEY = "ecs-wizard-run"
SOURCE_KEY = "ecs-wizard-source"

# The order a sweep (or abandon) deletes in: what depends on something goes before it.
DELETE_ORDER = ("image", "csbs backup", "cbr backup", "vault", "server")


def mark(run_id: str) -> dict[str, str]:
    """The tags every resource of run ``run_id`` carries."""
    return {MARK_KEY: run_id}


def carries_mark(resource: Any, run_id: str) -> bool:
    """Whether ``resource`` (a model with ``tags``) carries run ``run_id``'s mark."""
    return resource.tags.get(MARK_KEY) == run_id


# --- the reconcile window -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReconcileWindow:
    """How long a lost create is looked for before it is sent again (module docstring: the bound)."""

    read_timeout: float = 30.0  # the HTTP client's read timeout (wizard.cloud.http.HttpClient.timeout)
    grace: float = 60.0  # how much longer a request may still land on the cloud's side
    min_interval: float = 2.0
    max_interval: float = 15.0
    growth: float = 1.0

    @property
    def length(self) -> float:
        return self.read_timeout + self.grace

    def is_open(self, sent_at: float, now: float) -> bool:
        return now - sent_at < self.length

    def next_interval(self, since_sent: float) -> float:
        """Seconds until the next lookup: ``min_interval`` at first, growing geometrically."""
        interval = max(self.min_interval, since_sent * self.growth)
        return min(self.max_interval, interval, max(self.min_interval, self.length - since_sent))

    def lookups(self) -> int:
        """The most lookups one lost answer costs (the documented bound)."""
        ramp = math.log(self.max_interval / self.min_interval) / math.log(1 + self.growth) if self.growth > 0 else 0
        return int(math.ceil(ramp + self.length / self.max_interval + 2))


# --- lookups by mark ---------------------------------------------------------------------------


def marked_servers(clients: Clients, run_id: str, name: str | None = None) -> list[Server]:
    servers = clients.ecs.list_servers(tags=mark(run_id))
    return [s for s in servers if carries_mark(s, run_id) and (name is None or s.name == name)]


def marked_vaults(clients: Clients, run_id: str, name: str | None = None) -> list[Vault]:
    vaults = clients.cbr.list_vaults_by_tags(mark(run_id))
    return [v for v in vaults if carries_mark(v, run_id) and (name is None or v.name == name)]


def marked_images(clients: Clients, run_id: str, name: str | None = None) -> list[Image]:
    images = clients.ims.find_images_by_tag(MARK_KEY, run_id)
    return [i for i in images if carries_mark(i, run_id) and (name is None or i.name == name)]


def marked_csbs_backups(clients: Clients, run_id: str, name: str | None = None) -> list[Backup]:
    backups = clients.csbs.list_checkpoint_items_by_tags(mark(run_id))
    return [b for b in backups if carries_mark(b, run_id) and (name is None or b.name == name)]


def run_cbr_backups(clients: Clients, vault_id: str, name: str, server_id: str | None = None) -> list[Backup]:
    """The CBR backups a run made in ``vault_id``: they bear the name the run gave them."""
    backups = clients.cbr.list_backups(vault_id=vault_id, resource_id=server_id)
    return [b for b in backups if b.name == name]


def run_cbr_backups_named(clients: Clients, vault_id: str, names: set[str]) -> list[Backup]:
    return [b for b in clients.cbr.list_backups(vault_id=vault_id) if b.name in names]


# --- what a run owns -------------------------------------------------------------------------


@dataclass(frozen=True)
class Owned:
    """One resource a run made, as found in the cloud."""

    type: str  # "server", "vault", "cbr backup", "csbs backup", "image"
    id: str
    name: str
    status: str = ""
    checkpoint_id: str | None = None  # CSBS: the backup record a delete names
    needs: str | None = None  # the id of what it cannot do without: an image's backup, a CBR backup's vault
    detail: str = ""  # what it costs by: a server's flavor, a vault's capacity

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type, "id": self.id, "name": self.name, "status": self.status}


def find_owned(clients: Clients, run: Run) -> list[Owned]:
    """Every resource in the cloud that carries ``run``'s mark (CBR backups: in its vaults, by name),
    in :data:`DELETE_ORDER`. This is what ``abandon`` lists and what a sweep chooses from."""
    run_id = run.run_id
    found: list[Owned] = [
        Owned("image", i.id, i.name, i.status, needs=i.backup_id) for i in marked_images(clients, run_id)
    ]
    found += [
        Owned("csbs backup", b.id, b.name, b.status, b.checkpoint_id) for b in marked_csbs_backups(clients, run_id)
    ]
    vaults = marked_vaults(clients, run_id)
    backup_names = {str(s.inputs.get("backup_name")) for s in run.plan.steps if s.kind == "cbr_backup"}
    vault_ids = {v.id for v in vaults} | {
        str(s.state["vault_id"]) for s in run.plan.steps if s.kind == "ensure_vault" and s.state.get("vault_id")
    }
    for vault_id in sorted(vault_ids):
        # by name only, even in a vault the run marked: another run may have used that vault since
        for backup in run_cbr_backups_named(clients, vault_id, backup_names):
            found.append(
                Owned("cbr backup", backup.id, backup.name, backup.status, backup.checkpoint_id, needs=vault_id)
            )
    found += [Owned("vault", v.id, v.name, v.status or "", detail=_capacity(v)) for v in vaults]
    found += [
        Owned("server", s.id, s.name, s.status, detail=s.flavor_id or "") for s in marked_servers(clients, run_id)
    ]
    return found


def _capacity(vault: Vault) -> str:
    return f"{vault.size_gb} GB" if vault.size_gb else ""


HELD_KEYS = {
    "server_id": "server",
    "vault_id": "vault",
    "backup_id": "backup",
    "image_id": "image",
}


def journaled(run: Run) -> set[str]:
    """The ids the journal holds as the run's own, current resources (not those of a failed attempt,
    which ``steps._forget`` moved aside). A sweep keeps these."""
    held = set()
    for step in run.plan.steps:
        for key in HELD_KEYS:
            value = step.state.get(key)
            if isinstance(value, str) and value:
                held.add(value)
    return held


@dataclass
class SweepReport:
    """What one sweep found and did, for the event stream and the report."""

    when: str
    found: list[Owned] = field(default_factory=list)
    kept: list[Owned] = field(default_factory=list)
    deleted: list[Owned] = field(default_factory=list)
    failed: list[tuple[Owned, str]] = field(default_factory=list)
    error: str | None = None  # the listing itself failed

    @property
    def message(self) -> str:
        if self.error:
            return f"sweep {self.when}: could not list what carries this run's mark ({self.error})"
        text = (
            f"sweep {self.when}: {len(self.found)} resource(s) carry this run's mark; "
            f"kept {len(self.kept)} the journal holds"
        )
        if self.deleted:
            text += "; deleted the surplus: " + ", ".join(f"{o.type} {o.name} ({o.id})" for o in self.deleted)
        else:
            text += "; no surplus"
        if self.failed:
            text += "; could not delete: " + ", ".join(f"{o.type} {o.id} ({why})" for o, why in self.failed)
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "when": self.when,
            "found": [o.to_dict() for o in self.found],
            "kept": [o.id for o in self.kept],
            "deleted": [o.to_dict() for o in self.deleted],
            "failed": [dict(o.to_dict(), reason=why) for o, why in self.failed],
            **({"error": self.error} if self.error else {}),
        }


def holds_others(clients: Clients, run: Run, vault_id: str) -> bool:
    """Whether a vault the run marked holds backups the run did not make (deleting it would take them)."""
    names = {str(s.inputs.get("backup_name")) for s in run.plan.steps if s.kind == "cbr_backup"}
    return any(b.name not in names for b in clients.cbr.list_backups(vault_id=vault_id))


def delete_owned(clients: Clients, owned: Owned) -> str | None:
    """Delete one resource a run made (the caller has checked it is the run's). A server's delete
    is asynchronous: its job is not awaited here; its id is returned (None for the others)."""
    if owned.type == "server":
        return clients.ecs.delete_servers([owned.id])
    if owned.type == "image":
        clients.ims.delete_image(owned.id, delete_backup=False)
    elif owned.type == "csbs backup":
        clients.csbs.delete_checkpoint(owned.checkpoint_id or owned.id)
    elif owned.type == "cbr backup":
        clients.cbr.delete_backup(owned.id)
    elif owned.type == "vault":
        clients.cbr.delete_vault(owned.id)
    else:
        raise ValueError(f"unknown resource type {owned.type!r}")
    return None


def sweep(clients: Clients, run: Run, when: str) -> SweepReport:
    """List everything carrying ``run``'s mark, keep what the journal holds, delete the surplus."""
    from wizard.cloud.errors import CloudError, CloudUnreachable

    report = SweepReport(when)
    try:
        report.found = find_owned(clients, run)
    except (CloudError, CloudUnreachable) as error:
        report.error = str(error)
        return report
    held = journaled(run)
    for owned in report.found:
        if owned.id in held or owned.status in ("waiting_delete", "deleting", "deleted", "DELETED"):
            report.kept.append(owned)
            continue
        if owned.type == "vault" and holds_others(clients, run, owned.id):
            report.failed.append((owned, "it holds backups this run did not make: left alone"))
            continue
        try:
            delete_owned(clients, owned)
        except (CloudError, CloudUnreachable) as error:
            report.failed.append((owned, str(error)))
        else:
            report.deleted.append(owned)
    return report


# --- the run lock ------------------------------------------------------------------------------


class RunLocked(UsageError):
    """Another process holds the run (exit code 2)."""

    def __init__(self, run_id: str, holder: str):
        super().__init__(
            f"Run {run_id} is open in another process ({holder}).",
            Remedy(
                Action.RESUME,
                "Only one process may work on a run at a time: wait for it to finish or stop it",
                run_id=run_id,
            ),
        )
        self.run_id, self.holder = run_id, holder


class RunLock(PidLock):
    """A :class:`~wizard.statedir.PidLock` on ``<state dir>/runs/<run id>.lock``; taken without waiting
    (:class:`RunLocked` when another process holds it)."""

    def __init__(self, journal: Journal, run_id: str):
        super().__init__(journal.runs_dir / f"{run_id}.lock")
        self.run_id = run_id

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        holder = self.try_acquire()
        if holder is not None:
            raise RunLocked(self.run_id, str(holder))
        return self

    def holder(self) -> int | None:
        """The pid holding the run now (-1: a live process that has not written its pid yet), or None."""
        holder = self.who()
        return None if holder is None else holder.pid

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextlib.contextmanager
def holding(journal: Journal, run_id: str) -> Iterator[RunLock]:
    """``with holding(journal, run_id):`` the run is this process's until the block ends."""
    with RunLock(journal, run_id) as lock:
        yield lock


# --- open runs and fast copies -------------------------------------------------------------------


def open_runs(journal: Journal, image_id: str, project_id: str | None = None) -> list[Run]:
    """This machine's runs on ``image_id`` that are not finished: interrupted, failed or running (in
    this project, when given), newest first."""
    runs = [r for r in journal.runs() if r.plan.image_id == image_id and r.resumable]
    if project_id:
        runs = [r for r in runs if r.cloud.get("project_id") in (None, project_id)]
    return runs


def planned_names(journal: Journal, image_id: str) -> set[str]:
    """The names this machine's open runs on ``image_id`` will give their new images, so that a second
    repair (``run --new``) names its copy differently."""
    return {r.plan.new_image_name for r in open_runs(journal, image_id)}


def describe_open_run(journal: Journal, run: Run) -> str:
    """``<run id> (failed)`` or ``<run id> (running in pid 123)``."""
    holder = RunLock(journal, run.run_id).holder()
    state = f"running in pid {holder}" if holder else ("interrupted" if run.status == RunStatus.RUNNING else run.status)
    return f"{run.run_id} ({state})"


def is_fast_copy(image: Image, image_id: str, verdict: str) -> bool:
    """Whether ``image`` is a fast copy of ``image_id``: it carries a run's mark and names ``image_id``
    as its source, and its backup is in the new format (its own diagnosis is not-affected)."""
    tags = image.tags
    return MARK_KEY in tags and tags.get(SOURCE_KEY) == image_id and str(verdict).startswith("not-affected")


def fast_copies_among(images: list[Image], verdicts: dict[str, str]) -> dict[str, Image]:
    """Original image id -> its fast copy, among ``images`` whose verdicts are known (``scan``)."""
    found: dict[str, Image] = {}
    for image in images:
        source = image.tags.get(SOURCE_KEY)
        if source and is_fast_copy(image, source, verdicts.get(image.id, "")):
            found.setdefault(source, image)
    return found


def find_fast_copy(clients: Clients, image_id: str) -> Image | None:
    """The fast copy already made of ``image_id``, found by its source tag (``GET /v2/cloudimages?tag=
    ecs-wizard-source=<id>``) and diagnosed; None if there is none."""
    from wizard.diagnose import diagnose_image

    for image in clients.ims.find_images_by_tag(SOURCE_KEY, image_id):
        if MARK_KEY in image.tags and image.status == "active":
            if is_fast_copy(image, image_id, diagnose_image(clients, image).verdict):
                return image
    return None


def open_run_row(journal: Journal, run: Run | None) -> dict[str, Any] | None:
    """An open run as ``scan``/``diagnose --json`` show it."""
    if run is None:
        return None
    holder = RunLock(journal, run.run_id).holder()
    return {"run_id": run.run_id, "status": run.status, "held_by_pid": holder}
