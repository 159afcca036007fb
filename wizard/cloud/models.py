"""Typed views of API objects. Each keeps the whole answer in ``raw`` so no field is lost."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


def to_bool(value: Any) -> bool | None:
    """The cloud writes Booleans as true, "true", "True" or "1"; None/"" mean unknown."""
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in {"true", "1", "yes"}:
        return True
    if text in {"false", "0", "no"}:
        return False
    return None


def whole_number(value: Any) -> int | None:
    """An integer the cloud sent (as a number or text), or None: absent, unreadable, NaN or infinite."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def tags_of(value: Any) -> dict[str, str]:
    """Tags in any of the services' shapes as one dict: ``[{"key", "value"}]`` (CBR, CSBS), ``"key=value"``
    strings (ECS, IMS after its tag upgrade) or ``"key.value"`` strings (IMS before it, OTC-IMS
    ``querying_images.rst``; split at the first dot, so a key must not hold one)."""
    tags: dict[str, str] = {}
    for tag in value or []:
        if isinstance(tag, dict) and tag.get("key"):
            tags[str(tag["key"])] = str(tag.get("value") or "")
        elif isinstance(tag, str):
            key, _, text = tag.partition("=") if "=" in tag else tag.partition(".")
            tags[key] = text
    return tags


class Tagged:
    """The tags an API object carries (``raw["tags"]``), whatever the service's shape."""

    raw: dict[str, Any]

    @property
    def tags(self) -> dict[str, str]:
        return tags_of(self.raw.get("tags"))


@dataclass
class Image(Tagged):
    """An IMS image as the client reads it (``raw`` keeps the whole answer)."""

    id: str
    name: str
    status: str
    whole_image: bool
    backup_id: str | None
    lazyloading: bool | None
    image_type: str | None
    min_disk: int | None
    created_at: str | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Image:
        return cls(
            id=data.get("id", ""),
            name=data.get("name", ""),
            status=data.get("status", ""),
            whole_image=to_bool(data.get("__whole_image")) is True,
            backup_id=data.get("__backup_id") or None,
            lazyloading=to_bool(data.get("__lazyloading")),
            image_type=data.get("__imagetype"),
            min_disk=whole_number(data.get("min_disk")),
            created_at=data.get("created_at"),
            raw=data,
        )


@dataclass
class Job:
    """An asynchronous job (IMS and ECS share ``/v1/{project_id}/jobs/{job_id}``)."""

    id: str
    status: str  # INIT | RUNNING | SUCCESS | FAIL
    job_type: str
    error_code: str | None
    fail_reason: str | None
    entities: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Job:
        return cls(
            id=data.get("job_id") or data.get("id", ""),
            status=(data.get("status") or "").upper(),
            job_type=data.get("job_type", ""),
            error_code=data.get("error_code") or None,
            fail_reason=data.get("fail_reason") or None,
            entities=data.get("entities") or {},
            raw=data,
        )

    @property
    def finished(self) -> bool:
        return self.status in {"SUCCESS", "FAIL"}

    @property
    def image_id(self) -> str | None:
        return self.entities.get("image_id")

    @property
    def server_ids(self) -> list[str]:
        ids = [((sub.get("entities") or {}).get("server_id")) for sub in self.entities.get("sub_jobs") or []]
        return [i for i in ids if i]

    @property
    def progress(self) -> float | None:
        """Percentage 0-100 where the job reports one (IMS ``process_percent``)."""
        value = _float(self.entities.get("process_percent"))
        if value is None:
            return None
        # Seen both as a fraction (0.5) and as a percentage (50) [I]: read <= 1 as a fraction.
        return value * 100.0 if value <= 1.0 else min(value, 100.0)


@dataclass
class VaultResource:
    """A server protected by a CBR vault."""

    id: str
    type: str
    protect_status: str | None = None


@dataclass
class Vault(Tagged):
    """A CBR vault as the client reads it."""

    id: str
    name: str
    object_type: str
    size_gb: int | None
    used_mb: int | None
    status: str | None
    resources: list[VaultResource]
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Vault:
        billing = data.get("billing") or {}
        return cls(
            id=data.get("id", ""),
            name=data.get("name", ""),
            object_type=billing.get("object_type", ""),
            size_gb=whole_number(billing.get("size")),
            used_mb=whole_number(billing.get("used")),
            status=billing.get("status"),
            resources=[
                VaultResource(r.get("id", ""), r.get("type", ""), r.get("protect_status"))
                for r in data.get("resources") or []
            ],
            raw=data,
        )

    def holds(self, server_id: str) -> bool:
        return any(r.id == server_id for r in self.resources)


BACKUP_BEING_MADE = frozenset({"waiting_protect", "protecting"})
BACKUP_GOING = frozenset({"waiting_delete", "deleting", "deleted"})
"""Backup statuses beyond protecting/available/error. CBR: available, protecting, deleting, restoring,
error, waiting_protect, waiting_delete, waiting_restore (opentelekomcloud-docs/cloud-backup-recovery
api-ref/source/cbr_apis/backups/querying_a_specified_backup.rst); CSBS adds ``deleted``
(cloud-server-backup-service api-ref/source/api_description/backup_management/querying_a_single_backup.rst).
Queued to be made counts as being made; queued to be deleted, being deleted or deleted as gone."""


@dataclass
class Backup(Tagged):
    """A CBR backup or a CSBS checkpoint item (``service`` tells which)."""

    service: str  # "cbr" | "csbs"
    id: str
    name: str
    checkpoint_id: str | None
    resource_id: str | None
    resource_name: str | None
    status: str
    support_lld: bool | None
    progress: float | None
    fail_reason: str | None
    vault_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def extend_info(self) -> dict[str, Any]:
        return self.raw.get("extend_info") or {}

    @property
    def being_made(self) -> bool:
        """Queued or running: it becomes available or error."""
        return self.status in BACKUP_BEING_MADE

    @property
    def gone(self) -> bool:
        """Deleted, or queued or running to be: no image can be made from it, and none will work."""
        return self.status in BACKUP_GOING

    @classmethod
    def from_cbr(cls, data: dict[str, Any]) -> Backup:
        info = data.get("extend_info") or {}
        return cls(
            service="cbr",
            id=data.get("id", ""),
            name=data.get("name", ""),
            checkpoint_id=data.get("checkpoint_id"),
            resource_id=data.get("resource_id"),
            resource_name=data.get("resource_name"),
            status=data.get("status", ""),
            support_lld=to_bool(info.get("support_lld")),
            progress=None,  # CBR reports progress on the backup's task, not on the backup: see BackupTask
            fail_reason=info.get("fail_reason") or data.get("fail_reason"),
            vault_id=data.get("vault_id"),
            raw=data,
        )

    @classmethod
    def from_csbs(cls, data: dict[str, Any]) -> Backup:
        info = data.get("extend_info") or {}
        return cls(
            service="csbs",
            id=data.get("id", ""),
            name=data.get("name", ""),
            checkpoint_id=data.get("checkpoint_id"),
            resource_id=data.get("resource_id"),
            resource_name=info.get("resource_name") or data.get("resource_name"),
            status=data.get("status", ""),
            support_lld=to_bool(info.get("support_lld")),
            progress=_float(info.get("progress")),
            fail_reason=info.get("fail_reason") or None,
            raw=data,
        )


@dataclass
class BackupTask:
    """A CBR task (``operation_log``, reference §3): where CBR reports a backup's progress.

    ``status`` is one of waiting, running, success, failed, skipped, timeout."""

    id: str
    status: str
    checkpoint_id: str | None
    backup_id: str | None
    backup_name: str | None
    progress: float | None
    error_code: str | None
    error_message: str | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def running(self) -> bool:
        return self.status in ("waiting", "running")

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> BackupTask:
        extra = data.get("extra_info") or {}
        backup = extra.get("backup") or {}
        error = data.get("error_info") or {}
        return cls(
            id=data.get("id", ""),
            status=data.get("status", ""),
            checkpoint_id=data.get("checkpoint_id"),
            backup_id=backup.get("backup_id") or None,
            backup_name=backup.get("backup_name") or None,
            progress=_float((extra.get("common") or {}).get("progress")),
            error_code=error.get("code") or None,
            error_message=error.get("message") or None,
            raw=data,
        )


def _float(value: Any) -> float | None:
    """A finite number the cloud sent, or None (absent, unreadable, NaN or infinite)."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


@dataclass
class Server(Tagged):
    """An ECS server as the client reads it."""

    id: str
    name: str
    status: str
    flavor_id: str | None
    image_id: str | None
    vpc_id: str | None
    availability_zone: str | None
    volume_ids: list[str]
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def deleting(self) -> bool:
        """A delete is under way (``OS-EXT-STS:task_state`` is ``deleting``)."""
        return (self.raw.get("OS-EXT-STS:task_state") or "") == "deleting"

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Server:
        return cls(
            id=data.get("id", ""),
            name=data.get("name", ""),
            status=data.get("status", ""),
            flavor_id=(data.get("flavor") or {}).get("id"),
            image_id=(data.get("image") or {}).get("id"),
            vpc_id=(data.get("metadata") or {}).get("vpc_id"),
            availability_zone=data.get("OS-EXT-AZ:availability_zone"),
            volume_ids=[v.get("id", "") for v in data.get("os-extended-volumes:volumes_attached") or []],
            raw=data,
        )


@dataclass
class Flavor:
    """An ECS flavor (server size) as the client reads it."""

    id: str
    name: str
    vcpus: int | None
    ram_mb: int | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Flavor:
        return cls(
            data.get("id", ""),
            data.get("name", ""),
            whole_number(data.get("vcpus")),
            whole_number(data.get("ram")),
            data,
        )


@dataclass
class VolumeType:
    """An EVS disk type; ``zones`` empty: offered in every zone (``RESKEY:availability_zones`` absent)."""

    id: str
    name: str
    zones: tuple[str, ...] = ()
    sold_out: tuple[str, ...] = ()  # ``os-vendor-extended:sold_out_availability_zones``

    def available_in(self, zone: str) -> bool:
        return (not self.zones or zone in self.zones) and zone not in self.sold_out

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> VolumeType:
        specs = data.get("extra_specs") or {}

        def zones(key: str) -> tuple[str, ...]:
            return tuple(z.strip() for z in str(specs.get(key) or "").split(",") if z.strip())

        return cls(
            data.get("id", ""),
            data.get("name", ""),
            zones("RESKEY:availability_zones"),
            zones("os-vendor-extended:sold_out_availability_zones"),
        )


@dataclass
class Network:
    """A VPC or a subnet (``vpc_id`` set for subnets)."""

    id: str
    name: str
    cidr: str | None
    vpc_id: str | None = None
    availability_zone: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Network:
        return cls(
            data.get("id", ""),
            data.get("name", ""),
            data.get("cidr"),
            data.get("vpc_id"),
            data.get("availability_zone"),
            data,
        )
