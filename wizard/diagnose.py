"""Image -> Diagnosis: the verdict and the evidence read, field by field, plus the source ECS.

The recipe (reference §0): the image's ``__whole_image`` and ``__backup_id``; the backup looked up
in CBR, then CSBS, and its ``extend_info.support_lld`` read. CSBS: true is the new format (fast);
false or absent, the old format (slow). CBR: CBR's own backups support fast creation, but CSBS
backups migrated into CBR may not (reference §10 item 8: ``support_lld`` is a documented Boolean of a
CBR backup, opentelekomcloud-docs/cloud-backup-recovery querying_a_specified_backup.rst), so false is
slow too and true or absent fast. Found nowhere: the backup was deleted, but only where both services
list the project's backups (a wrong project id answers 404 to everything). An answer that supports no
verdict gives ``unknown``, with the reason. The backup's ``resource_id`` names the source ECS, which is
looked up (404 ``Ecs.0114``: gone, where ECS lists the project's servers).
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from wizard.cloud.errors import CloudError, CloudUnreachable, is_throttle
from wizard.cloud.models import Backup, Image, whole_number
from wizard.errors import UsageError
from wizard.pacing import DEFAULT_CEILING, AdaptiveLimit
from wizard.remedy import Action, Remedy
from wizard.verdict import Verdict

if TYPE_CHECKING:
    from wizard.cloud.client import Clients

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
ID_LIKE_RE = re.compile(r"^[0-9a-f-]{16,}$", re.I)


@dataclass
class Evidence:
    field: str
    value: str
    source: str  # the API call it was read from
    meaning: str = ""


@dataclass
class SourceServer:
    id: str | None
    name: str | None
    exists: bool | None  # None: could not be determined
    status: str | None = None
    flavor_id: str | None = None
    availability_zone: str | None = None
    vpc_id: str | None = None


@dataclass
class Diagnosis:
    image_id: str
    image_name: str
    verdict: Verdict
    evidence: list[Evidence]
    backup_service: str | None = None
    backup_id: str | None = None
    support_lld: bool | None = None
    source_server: SourceServer | None = None
    image_min_disk: int | None = None
    image_min_ram: int | None = None
    backup_details: dict[str, Any] = field(default_factory=dict, repr=False)
    reason: str | None = None  # why the verdict is unknown: what the cloud answered instead

    @property
    def summary(self) -> str:
        if self.verdict == Verdict.AFFECTED and self.backup_service == "cbr":
            return (
                "Affected: this image was made from a CBR backup that does not support lazy loading (an old-format "
                "backup migrated from CSBS), so ECSs created from it build slowly."
            )
        return self.verdict.summary + (f" {self.reason[:1].upper()}{self.reason[1:]}." if self.reason else "")

    @property
    def advice(self) -> str:
        server = self.source_server
        if self.verdict == Verdict.AFFECTED and server is not None and server.exists is False:
            return (
                "Repair it: its source ECS was deleted, so first create a temporary ECS from this image, back that up "
                "(CBR recommended) and make a new full-ECS image from that backup."
            )
        return self.verdict.advice

    @property
    def affected(self) -> bool:
        return self.verdict == Verdict.AFFECTED

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["summary"] = self.summary
        data["advice"] = self.advice
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnosis:
        data = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        data["verdict"] = Verdict(data["verdict"])
        data["evidence"] = [Evidence(**e) for e in data.get("evidence") or []]
        if data.get("source_server"):
            data["source_server"] = SourceServer(**data["source_server"])
        return cls(**data)

    def scan_row(self) -> dict[str, Any]:
        server = self.source_server
        return {
            "image_id": self.image_id,
            "image_name": self.image_name,
            "verdict": self.verdict,
            "backup_service": self.backup_service,
            "backup_id": self.backup_id,
            "source_server_id": server.id if server else None,
            "source_server_exists": server.exists if server else None,
            **({"reason": self.reason} if self.reason else {}),
        }


def find_image(clients: Clients, ref: str) -> Image:
    """An image by id or exact name, with a clear error for unknown, malformed or ambiguous refs."""
    ref = ref.strip()
    if not ref:
        raise UsageError("No image given.", "Pass an image id or its exact name.")
    if UUID_RE.match(ref):
        try:
            return clients.ims.get_image(ref)
        except CloudError as error:
            if error.status == 404 or error.code in {"IMG.0027", "IMG.0144"}:
                raise UsageError(
                    f"No image with id {ref} in this project.",
                    Remedy(Action.LIST_IMAGES, "Check the id, the region and the project"),
                ) from None
            raise
    if ID_LIKE_RE.match(ref) and "-" in ref:
        raise UsageError(
            f"{ref!r} is not a valid image id.", "Image ids look like 2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901."
        )
    matches = clients.ims.find_images_by_name(ref)
    if not matches:
        raise UsageError(
            f"No image named {ref!r} in this project.",
            Remedy(Action.LIST_IMAGES, "Names must match exactly"),
        )
    if len(matches) > 1:
        ids = ", ".join(m.id for m in matches[:5])
        raise UsageError(f"{len(matches)} images are named {ref!r}: {ids}.", "Pass the image id instead.")
    return matches[0]


class ProjectAnswers:
    """Whether a service answers for this project at all, asked once (thread-safe) per diagnosis or
    scan. A backup or server "not found" is evidence that it is gone only where the same service
    lists the project's backups or servers: with a wrong project id, in a region without the service,
    or without permission to list, every look-up answers "not found" or an error, and concludes nothing."""

    LISTS = {
        "CBR": ("GET /v3/{project_id}/backups?limit=1", lambda c: c.cbr.list_backups_page(limit=1)),
        "CSBS": ("GET /v1/{project_id}/checkpoint_items?limit=1", lambda c: c.csbs.list_checkpoint_items(limit=1)),
        "ECS": ("GET /v1/{project_id}/cloudservers/detail?limit=1", lambda c: c.ecs.list_servers(limit=1)),
    }

    def __init__(self, clients: Clients) -> None:
        self.clients = clients
        self._lock = threading.Lock()
        self._said: dict[str, Silence | None] = {}

    def problem(self, service: str) -> Silence | None:
        """None when ``service`` lists the project's resources; else what it answered instead."""
        with self._lock:
            if service in self._said:
                return self._said[service]
            said = self._ask(service)
            if said is None or not is_throttle(said.status or 0, said.code):  # a throttled answer is asked again
                self._said[service] = said
            return said

    def call(self, service: str) -> str:
        return f"{service} {self.LISTS[service][0]}"

    def _ask(self, service: str) -> Silence | None:
        try:
            self.LISTS[service][1](self.clients)
        except CloudError as error:
            return Silence(service, error.status, error.code)
        except CloudUnreachable:
            return Silence(service, None, "")
        return None


@dataclass(frozen=True)
class Silence:
    """A service that would not list the project's resources: what it answered, and what that may mean."""

    service: str
    status: int | None  # None: no answer at all
    code: str

    def __str__(self) -> str:
        return "no answer" if self.status is None else f"{self.status} {self.code}".strip()

    @property
    def may_mean(self) -> str:
        """What such an answer usually means (the same words for every service, so that they merge)."""
        if self.status is None:
            return "a service that does not answer may not be offered in this region, or not be reachable"
        if self.status in (401, 403):
            return "these credentials may not be permitted to list them"
        if self.status == 404:
            return "the project id or the region may be wrong"
        return "the service failed to answer"


def no_full_ecs_images(project_id: str, region: str) -> str:
    """What every front end says when the project lists no full-ECS image: maybe it has none, maybe
    the settings point elsewhere (a project id of another region answers with an empty list, too)."""
    return (
        f"No full-ECS images in project {project_id}, region {region}. Are the project id and the region "
        "right? ('ecs-wizard doctor' checks them.)"
    )


def tally(results: Sequence[Diagnosis]) -> str:
    """The scan's one-line count: images, affected, and any the cloud did not tell about."""
    affected = sum(1 for d in results if d.affected)
    unknown = sum(1 for d in results if d.verdict is Verdict.UNKNOWN)
    text = f"{len(results)} full-ECS images, {affected} affected"
    return text + (f", {unknown} unknown (the cloud's answers do not tell; see why per image)." if unknown else ".")


def diagnose(clients: Clients, ref: str | Image) -> Diagnosis:
    image = ref if isinstance(ref, Image) else find_image(clients, ref)
    return diagnose_image(clients, image)


def diagnose_image(clients: Clients, image: Image, project: ProjectAnswers | None = None) -> Diagnosis:
    read = f"IMS GET /v2/cloudimages?id={image.id}"
    raw = image.raw
    evidence = [
        Evidence(
            "__whole_image",
            _shown(raw.get("__whole_image", "(absent)")),
            read,
            "full-ECS image" if image.whole_image else "not a full-ECS image",
        ),
        Evidence(
            "status", image.status or "(absent)", read, "usable" if image.status == "active" else "not usable yet"
        ),
    ]
    d = Diagnosis(
        image.id,
        image.name,
        Verdict.AFFECTED,
        evidence,
        image_min_disk=image.min_disk,
        image_min_ram=whole_number(raw.get("min_ram")),
    )
    if not image.whole_image:
        d.verdict = Verdict.NOT_FULL_ECS_IMAGE
        return d
    evidence.append(Evidence("__backup_id", image.backup_id or "(empty)", read, "the backup the image was made from"))
    evidence.append(
        Evidence(
            "__lazyloading",
            _shown(raw.get("__lazyloading", "(absent)")),
            read,
            "for information only: the backup's format decides",
        )
    )
    if image.status != "active":
        d.verdict = Verdict.IMAGE_NOT_ACTIVE
        return d
    if not image.backup_id:
        d.verdict = Verdict.BACKUP_MISSING
        return d
    d.backup_id = image.backup_id
    project = project or ProjectAnswers(clients)
    backup = _find_backup(clients, image.backup_id, evidence)
    if isinstance(backup, str):  # a look-up that did not answer clearly
        d.verdict, d.reason = Verdict.UNKNOWN, backup
        return d
    if backup is None:
        d.reason = _not_found_is_unclear(project, evidence)
        d.verdict = Verdict.UNKNOWN if d.reason else Verdict.BACKUP_MISSING
        return d
    d.backup_service = backup.service
    d.support_lld = backup.support_lld
    d.backup_details = _backup_details(backup)
    evidence.append(_lazy_loading_evidence(backup))
    if _unreadable_lld(backup):
        value = backup.extend_info["support_lld"]
        d.verdict, d.reason = Verdict.UNKNOWN, f"its backup reports support_lld {value!r}, neither true nor false"
    elif backup.service == "cbr":
        d.verdict = Verdict.AFFECTED if backup.support_lld is False else Verdict.NOT_AFFECTED_CBR
    else:
        d.verdict = Verdict.NOT_AFFECTED_NEW_FORMAT if backup.support_lld else Verdict.AFFECTED
    d.source_server = _source_server(clients, backup, evidence, project)
    return d


def _unreadable_lld(backup: Backup) -> bool:
    """A ``support_lld`` that is there but reads as neither true nor false: no verdict rests on it."""
    return backup.support_lld is None and backup.extend_info.get("support_lld") not in (None, "")


def _lazy_loading_evidence(backup: Backup) -> Evidence:
    """The backup's ``extend_info.support_lld``, read the same way for CBR and CSBS; only what an absent
    field means differs (a CBR backup without it is CBR's own: fast)."""
    where = f"CBR GET backups/{backup.id}" if backup.service == "cbr" else f"CSBS GET checkpoint_items/{backup.id}"
    value = backup.extend_info.get("support_lld", "(absent)")
    if backup.support_lld:
        meaning = "new format: supports lazy loading"
    elif _unreadable_lld(backup):
        meaning = "neither true nor false: no verdict rests on it"
    elif backup.service == "cbr" and backup.support_lld is None:
        meaning = "a CBR backup: supports fast ECS creation"
    elif backup.service == "cbr":
        meaning = "no lazy loading (an old-format backup migrated from CSBS): slow ECS creation"
    else:
        meaning = "old format: no lazy loading, slow ECS creation"
    return Evidence("extend_info.support_lld", _shown(value), where, meaning)


def _find_backup(clients: Clients, backup_id: str, evidence: list[Evidence]) -> Backup | str | None:
    """The backup behind a full-ECS image: CBR first, then CSBS; None if neither has it (404). When a
    look-up got neither the backup nor a 404 (refused, failed, not answered), the other service may
    still find it; if it does not, the reason that look-up gave is returned instead."""
    lookups = (
        ("CBR", clients.cbr.get_backup, "backups", "made by CBR", "not a CBR backup"),
        ("CSBS", clients.csbs.get_checkpoint_item, "checkpoint_items", "made by CSBS", "not a CSBS backup either"),
    )
    unclear: list[str] = []
    for service, get, path, found_means, missing_means in lookups:
        where = f"{service} GET {path}/{backup_id}"
        try:
            backup = get(backup_id)
        except CloudError as error:
            if error.status != 404:
                said = f"{error.status} {error.code}".strip()
                evidence.append(Evidence(f"{service} backup", f"not told ({said})", where, "no verdict rests on it"))
                unclear.append(f"{service} answered {said} ({error.message}) when asked for its backup")
                continue
            evidence.append(Evidence(f"{service} backup", f"not found ({error.code or 404})", where, missing_means))
            continue
        except CloudUnreachable:
            evidence.append(Evidence(f"{service} backup", "no answer", where, "no verdict rests on it"))
            unclear.append(f"{service} did not answer when asked for its backup")
            continue
        if backup.gone:  # CBR waiting_delete/deleting, CSBS deleted too (cloud.models.BACKUP_GOING): it answered
            evidence.append(Evidence(f"{service} backup", backup.status, where, "the backup was deleted (or is being)"))
            return None
        evidence.append(Evidence(f"{service} backup", f"found ({backup.status})", where, found_means))
        return backup
    return "; ".join(unclear) if unclear else None


def _not_found_is_unclear(project: ProjectAnswers, evidence: list[Evidence]) -> str | None:
    """Neither service found the backup: that it was deleted holds only if both answer for the
    project. None when they do (the verdict is then backup-missing); else the reason it is unknown."""
    said = {service: project.problem(service) for service in ("CBR", "CSBS")}
    for service, silence in said.items():
        evidence.append(
            Evidence(
                f"{service} backups of the project",
                "listed" if silence is None else f"not listed ({silence})",
                project.call(service),
                f"{service} answers for this project: its 'not found' holds"
                if silence is None
                else f"{service} does not answer for this project: its 'not found' proves nothing",
            )
        )
    silent = [s for s in said.values() if s is not None]
    if not silent:
        return None
    listed = " and ".join(f"{s.service} ({s})" for s in silent)
    meanings = "; ".join(dict.fromkeys(s.may_mean for s in silent))
    return (
        f"CBR and CSBS answer 'not found' for its backup, but {listed} did not list this project's backups "
        f"either, so it may exist: {meanings}"
    )


def _source_server(clients: Clients, backup: Backup, evidence: list[Evidence], project: ProjectAnswers) -> SourceServer:
    server_id = backup.resource_id
    name = backup.resource_name
    if not server_id:
        return SourceServer(None, name, None)
    where = f"ECS GET cloudservers/{server_id}"
    server = clients.ecs.find_server(server_id)
    if server is None:
        said = project.problem("ECS")
        if said is not None:  # ECS does not answer for the project: "not found" proves nothing
            evidence.append(
                Evidence(
                    "source ECS",
                    f"{server_id}: not found, not told",
                    project.call("ECS"),
                    f"ECS did not list the project's servers ({said}): 'not found' proves nothing",
                )
            )
            return SourceServer(server_id, name, None)
        evidence.append(Evidence("source ECS", f"{server_id}: not found", where, "the source ECS was deleted"))
        return SourceServer(server_id, name, False)
    evidence.append(Evidence("source ECS", f"{server.name} ({server.status})", where, "the source ECS still exists"))
    return SourceServer(
        server.id, server.name, True, server.status, server.flavor_id, server.availability_zone, server.vpc_id
    )


def _backup_details(backup: Backup) -> dict[str, Any]:
    """What a later step may need from the old backup: the disks, the server's size and zone."""
    info = backup.extend_info
    disks = [
        {"size": v.get("source_volume_size"), "bootable": v.get("bootable")} for v in info.get("volume_backups") or []
    ] or [
        {
            "size": (c.get("extend_info") or {}).get("size") or c.get("size"),
            "bootable": (c.get("extend_info") or {}).get("bootable"),
        }
        for c in backup.raw.get("children") or []
    ]
    data = backup.raw.get("backup_data") or {}
    return {
        "disks": disks,
        "availability_zone": info.get("resource_az") or backup.raw.get("resource_az"),
        "vcpus": data.get("vcpu") or data.get("vcpus"),
        "ram_mb": data.get("ram"),
        "resource_name": backup.resource_name,
    }


def _shown(value: Any) -> str:
    """A field's value as evidence: booleans as the API writes them (true/false), whether the API
    sent a JSON boolean or the string IMS uses ("True", "false")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower()
    return str(value)


MAX_REQUEUES = 8


def scan(
    clients: Clients,
    *,
    concurrency: int = DEFAULT_CEILING,
    on_result: Callable[[Diagnosis], None] | None = None,
    images: Iterable[Image] | None = None,
    pace: AdaptiveLimit | None = None,
) -> list[Diagnosis]:
    """Diagnose every full-ECS image in the project (paged), at most ``concurrency`` at a time: the
    number adapts to the cloud's answers (:mod:`wizard.pacing`; pass ``pace`` to read its figures).

    Results come back in the image list's order; ``on_result`` sees each as it finishes. An image
    whose diagnosis was still throttled after the HTTP client's retries is diagnosed again later
    (up to :data:`MAX_REQUEUES` times), so a rate-limited scan still ends with every image once.
    """
    pace = pace or AdaptiveLimit(concurrency)
    with clients.throttles_to(pace.on_throttle):
        images = list(images if images is not None else clients.ims.list_full_ecs_images())
        todo: queue.SimpleQueue[tuple[int, int]] = queue.SimpleQueue()
        for index in range(len(images)):
            todo.put((index, 0))
        results: list[Diagnosis | None] = [None] * len(images)
        failures: list[BaseException] = []
        lock = threading.Lock()
        project = ProjectAnswers(clients)  # asked once for the whole scan (a throttled answer is asked again)

        def work() -> None:
            while not failures:
                try:
                    index, requeued = todo.get_nowait()
                except queue.Empty:
                    return
                ticket = pace.acquire()
                try:
                    result = _unless_throttled(clients, images[index], project, pace, last=requeued >= MAX_REQUEUES)
                except BaseException as error:
                    failures.append(error)
                    return
                finally:
                    pace.release(ticket)
                if result is None:
                    todo.put((index, requeued + 1))
                    continue
                results[index] = result
                if on_result:
                    with lock:
                        on_result(result)

        workers = [threading.Thread(target=work, name=f"scan-{n}") for n in range(min(pace.ceiling, len(images)))]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    if failures:
        raise failures[0]
    return [r for r in results if r is not None]


def _unless_throttled(
    clients: Clients, image: Image, project: ProjectAnswers, pace: AdaptiveLimit, *, last: bool
) -> Diagnosis | None:
    """The image's diagnosis, or None when the cloud throttled it past the client's retries (an error,
    or an unknown verdict while this thread was throttled): the scan asks again later, unless ``last``."""
    throttled_before = pace.throttled_here()
    try:
        result = diagnose_image(clients, image, project)
    except CloudError as error:
        if error.throttled and not last:
            return None
        raise
    if result.verdict is Verdict.UNKNOWN and pace.throttled_here() > throttled_before and not last:
        return None
    return result
