"""The emulated account: stores and state machines.

Every asynchronous object records *when* it started and *how long* it takes; its status is computed
from the virtual clock whenever it is read (nothing runs in the background). Advancing the clock and
reading again shows the new state.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from wizard.sim import durations as D

SERVER_PROVIDER_ID = "0daac4c5-6707-4851-97ba-169e36266b66"  # CBR server backup provider
CSBS_PROVIDER_ID = "fc4d5750-22e7-4798-8a46-f48f62c4c1da"
SERVER_RESOURCE_TYPE = "OS::Nova::Server"
VOLUME_TYPES = ("SATA", "SAS", "SSD", "GPSSD", "ESSD", "GPSSD2")


@dataclass
class Progression:
    """Something that starts at ``start`` and ends (well or badly) ``duration`` seconds later."""

    start: float
    duration: float
    fail_reason: str | None = None
    fail_code: str | None = None

    @property
    def end(self) -> float:
        return self.start + self.duration

    def done(self, now: float) -> bool:
        return now >= self.end

    def fraction(self, now: float) -> float:
        if self.duration <= 0:
            return 1.0
        return max(0.0, min(1.0, (now - self.start) / self.duration))

    def failed(self, now: float) -> bool:
        return self.done(now) and self.fail_reason is not None

    def succeeded(self, now: float) -> bool:
        return self.done(now) and self.fail_reason is None


@dataclass
class Flavor:
    """A server size the emulated ECS offers."""

    id: str
    vcpus: int
    ram: int  # MB
    performance: str = "normal"


@dataclass
class Vpc:
    """An emulated VPC."""

    id: str
    name: str
    cidr: str
    created: float


@dataclass
class Subnet:
    """An emulated subnet of a VPC."""

    id: str
    name: str
    cidr: str
    gateway_ip: str
    vpc_id: str
    availability_zone: str
    created: float
    network_id: str = ""


@dataclass
class Volume:
    """An emulated EVS disk."""

    id: str
    size: int  # GB
    volume_type: str
    bootable: bool
    device: str
    name: str = ""


@dataclass
class Server:
    """An emulated ECS server."""

    id: str
    name: str
    flavor_id: str
    image_id: str
    vpc_id: str
    subnet_id: str
    availability_zone: str
    private_ip: str
    volumes: list[Volume]
    build: Progression
    create_job_id: str | None = None
    delete: Progression | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)  # "key=value", as the ECS API shows them
    stopped: bool = False  # SHUTOFF once built
    listed_from: float = 0.0  # list calls show it from then on (fault ``visible_after``)

    def gone(self, now: float) -> bool:
        if self.build.failed(now):
            return True
        return self.delete is not None and self.delete.done(now)

    def status(self, now: float) -> str:
        if self.gone(now):
            return "DELETED"
        if not self.build.done(now):
            return "BUILD"
        return "SHUTOFF" if self.stopped else "ACTIVE"

    def can_be_backed_up(self, now: float) -> bool:
        """Running or stopped: both are valid backup sources (CBR and CSBS back up a stopped ECS)."""
        return self.status(now) in ("ACTIVE", "SHUTOFF")

    def disk_gb(self) -> int:
        return sum(v.size for v in self.volumes)


@dataclass
class Image:
    """An emulated IMS image."""

    id: str
    name: str
    created: float
    owner: str
    imagetype: str  # private | gold | shared
    min_disk: int
    min_ram: int = 0
    whole_image: bool = False
    backup_id: str = ""
    lazyloading: bool | None = None
    os_type: str = "Linux"
    platform: str = "Ubuntu"
    os_version: str = "Ubuntu 22.04 server 64bit"
    data_origin: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)  # "key=value" (or the older "key.value")
    job_id: str | None = None
    deleted_at: float | None = None  # when an asked-for deletion completes
    size: int = 0
    listed_from: float = 0.0


@dataclass
class Job:
    """An emulated asynchronous job (IMS or ECS); its status follows from its progression and the clock."""

    id: str
    service: str  # ims | ecs
    job_type: str
    progression: Progression
    entities: dict[str, Any] = field(default_factory=dict)
    sub_job_type: str | None = None
    server_ids: list[str] = field(default_factory=list)
    image_id: str | None = None

    def status(self, now: float) -> str:
        p = self.progression
        if p.failed(now):
            return "FAIL"
        if p.done(now):
            return "SUCCESS"
        if now < p.start + min(D.JOB_INIT, p.duration / 2):
            return "INIT"
        return "RUNNING"


@dataclass
class VaultResource:
    """A server in an emulated CBR vault."""

    server_id: str
    name: str
    added: float


@dataclass
class Vault:
    """An emulated CBR vault."""

    id: str
    name: str
    size_gb: int
    created: float
    description: str = ""
    resources: list[VaultResource] = field(default_factory=list)
    object_type: str = "server"
    consistent_level: str = "crash_consistent"
    tags: list[dict[str, str]] = field(default_factory=list)  # [{"key", "value"}]
    listed_from: float = 0.0


@dataclass
class DiskCopy:
    """A server disk as recorded in a backup."""

    id: str  # the disk backup's own id
    source_volume_id: str
    size: int
    bootable: bool
    volume_type: str
    snapshot_id: str
    name: str = ""


@dataclass
class BackupCommon:
    """What CBR and CSBS backups share in the emulator."""

    id: str
    checkpoint_id: str
    name: str
    description: str
    resource_id: str
    resource_name: str
    resource_az: str
    disks: list[DiskCopy]
    progression: Progression
    incremental: bool
    support_lld: bool | None
    flavor_vcpus: int
    flavor_ram: int
    flavor_id: str
    private_ip: str
    tags: list[dict[str, str]] = field(default_factory=list)
    deleted: bool = False  # gone for good (answers 404)
    deleting: Progression | None = None  # a deletion asked for and not finished (``State.delete_backup``)
    auto_trigger: bool = False
    listed_from: float = 0.0

    DELETING: ClassVar[tuple[str, str]] = ("deleting", "deleting")
    """The statuses of the first and second half of a deletion."""

    def gone(self, now: float) -> bool:
        return self.deleted or (self.deleting is not None and self.deleting.done(now))

    def status(self, now: float) -> str:
        if self.deleting is not None:
            return self.DELETING[0 if now < self.deleting.start + self.deleting.duration / 2 else 1]
        if self.progression.failed(now):
            return "error"
        if self.progression.done(now):
            return "available"
        return "waiting_protect" if now < self.progression.start + D.BACKUP_WAITING else "protecting"

    def size_mb(self) -> int:
        ratio = D.INCREMENTAL_BACKUP_DATA_RATIO if self.incremental else D.FULL_BACKUP_DATA_RATIO
        return int(sum(d.size for d in self.disks) * 1024 * ratio)

    def disk_gb(self) -> int:
        return sum(d.size for d in self.disks)


@dataclass
class CbrBackup(BackupCommon):
    """An emulated CBR backup (restore point)."""

    vault_id: str = ""

    DELETING: ClassVar[tuple[str, str]] = (
        "waiting_delete",
        "deleting",
    )  # cbr_apis/backups/querying_a_specified_backup.rst

    @property
    def task_id(self) -> str:
        """The id of the CBR task (operation log) that made this backup: derived, so every backup has one."""
        return str(uuid.uuid5(uuid.NAMESPACE_OID, f"cbr-task/{self.id}"))


@dataclass
class CsbsBackup(BackupCommon):
    """An emulated CSBS backup (checkpoint item)."""

    DELETING: ClassVar[tuple[str, str]] = ("deleting", "deleted")  # backup_management/querying_a_single_backup.rst


@dataclass
class Token:
    """An IAM token the emulator issued."""

    value: str
    issued: float
    expires: float
    user_name: str
    project_id: str


@dataclass
class LateAction:
    """A request whose answer was lost and which the cloud performs later (fault ``late``)."""

    due: float
    service: str
    operation: str
    method: str
    path: str
    query: str
    body: bytes
    args: dict[str, str]
    fail: tuple[str, str] | None = None
    visible_after: float | None = None


@dataclass
class Quotas:
    """The emulated account's limits."""

    private_images: int = 100
    servers: int = 20
    cores: int = 80  # no document gives defaults for these two; a small account's figures
    ram_mb: int = 163840


@dataclass
class State:
    """Every store of the emulated project; ``clock`` is the virtual clock's ``now``."""

    clock: Callable[[], float]
    project_id: str
    region: str
    seed: int = 0
    quotas: Quotas = field(default_factory=Quotas)
    availability_zones: list[str] = field(default_factory=lambda: ["eu-de-01", "eu-de-02"])
    flavors: dict[str, Flavor] = field(default_factory=dict)
    vpcs: dict[str, Vpc] = field(default_factory=dict)
    subnets: dict[str, Subnet] = field(default_factory=dict)
    servers: dict[str, Server] = field(default_factory=dict)
    images: dict[str, Image] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    vaults: dict[str, Vault] = field(default_factory=dict)
    cbr_backups: dict[str, CbrBackup] = field(default_factory=dict)
    csbs_backups: dict[str, CsbsBackup] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    late_actions: list[LateAction] = field(default_factory=list)
    backup_delete_seconds: float = 0.0  # how long a backup deletion takes (scenario parameter ``backup_delete``)
    cbr_only_images: bool = False  # IMS refuses full-ECS images from CSBS backups (IMG.0190; parameter ``cbr_only``)
    _rng: random.Random = field(init=False, repr=False)
    _ip_counter: int = field(default=10, init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    # -- ids --------------------------------------------------------------------------------
    def new_id(self) -> str:
        """A deterministic (seeded) UUID4-shaped id."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def new_hex(self, n: int = 32) -> str:
        return "".join(self._rng.choice("0123456789abcdef") for _ in range(n))

    def new_private_ip(self, subnet: Subnet | None) -> str:
        self._ip_counter += 1
        prefix = (subnet.cidr.split("/")[0].rsplit(".", 1)[0]) if subnet else "192.168.1"
        return f"{prefix}.{self._ip_counter % 250 + 2}"

    # -- lookups (None when absent or gone) ---------------------------------------------------
    def now(self) -> float:
        return self.clock()

    def server(self, server_id: str) -> Server | None:
        s = self.servers.get(server_id)
        return None if s is None or s.gone(self.now()) else s

    def visible_servers(self) -> list[Server]:
        now = self.now()
        return [s for s in self.servers.values() if not s.gone(now)]

    def image_status(self, image: Image) -> str:
        """queued -> saving -> active while its job runs; ``killed`` when its job failed ("an error occurs
        on the image uploading": opentelekomcloud-docs/image-management-service api-ref/source/ims_apis/
        image/querying_images.rst), listed until it is deleted; ``deleted`` once deleted."""
        if image.deleted_at is not None and self.now() >= image.deleted_at:
            return "deleted"
        if image.job_id is None:
            return "active"
        job = self.jobs[image.job_id]
        now = self.now()
        p = job.progression
        if p.failed(now):
            return "killed"
        if p.done(now):
            return "active"
        return "queued" if p.fraction(now) < D.IMAGE_QUEUED_FRACTION else "saving"

    def image(self, image_id: str) -> Image | None:
        img = self.images.get(image_id)
        return None if img is None or self.image_status(img) == "deleted" else img

    def visible_images(self) -> list[Image]:
        return [i for i in self.images.values() if self.image_status(i) != "deleted"]

    def images_of_backup(self, backup_id: str) -> list[Image]:
        return [
            i
            for i in self.visible_images()
            if i.whole_image and i.backup_id == backup_id and self.image_status(i) != "killed"
        ]

    def delete_backup(self, backup: BackupCommon) -> None:
        """Delete a backup: at once, or over ``backup_delete_seconds`` through the deleting statuses (CBR
        waiting_delete then deleting, CSBS deleting then deleted), still listed, then gone."""
        if self.backup_delete_seconds <= 0:
            backup.deleted = True
        elif backup.deleting is None:
            backup.deleting = Progression(self.now(), self.backup_delete_seconds)

    def cbr_task(self, task_id: str) -> CbrBackup | None:
        """The backup whose making is the CBR task ``task_id``."""
        return next((b for b in self.cbr_backups.values() if b.task_id == task_id and not b.gone(self.now())), None)

    def cbr_backup(self, backup_id: str) -> CbrBackup | None:
        b = self.cbr_backups.get(backup_id)
        return None if b is None or b.gone(self.now()) else b

    def csbs_backup(self, backup_id: str) -> CsbsBackup | None:
        b = self.csbs_backups.get(backup_id)
        return None if b is None or b.gone(self.now()) else b

    def vault_resources(self, vault: Vault) -> list[VaultResource]:
        """Deleted servers leave their vault (documented choice: their backups stay)."""
        now = self.now()
        return [r for r in vault.resources if (s := self.servers.get(r.server_id)) is not None and not s.gone(now)]

    def vault_of(self, server_id: str) -> Vault | None:
        for vault in self.vaults.values():
            if any(r.server_id == server_id for r in self.vault_resources(vault)):
                return vault
        return None

    def vault_used_mb(self, vault: Vault) -> int:
        now = self.now()
        return sum(
            b.size_mb()
            for b in self.cbr_backups.values()
            if b.vault_id == vault.id and not b.gone(now) and not b.progression.failed(now)
        )

    def backup_supports_lld(self, backup_id: str) -> bool | None:
        """None when the backup does not exist (any more)."""
        cbr = self.cbr_backup(backup_id)
        if cbr is not None:
            return True if cbr.support_lld is None else bool(cbr.support_lld)
        csbs = self.csbs_backup(backup_id)
        if csbs is not None:
            return bool(csbs.support_lld)
        return None

    def all_resources(self) -> list[Any]:
        """Every server, image, vault and backup ever made (a fault marks what one request made)."""
        stores: list[dict[str, Any]] = [self.servers, self.images, self.vaults, self.cbr_backups, self.csbs_backups]
        return [r for store in stores for r in store.values()]

    def listed(self, resource: Any) -> bool:
        """Whether list calls show ``resource`` yet (GET by id always does): fault ``visible_after``."""
        return self.now() >= resource.listed_from

    def tag_counts(self) -> dict[str, dict[str, int]]:
        """How many live resources carry each tag ``key=value``, per kind. CBR backups carry no tags of
        their own: they count under their vault's tags."""
        counts: dict[str, dict[str, int]] = {}

        def add(tags: list[str], kind: str) -> None:
            for tag in tags:
                per_kind = counts.setdefault(tag, {})
                per_kind[kind] = per_kind.get(kind, 0) + 1

        for server in self.visible_servers():
            add(list(server.tags), "servers")
        for image in self.visible_images():
            add([t.replace(".", "=", 1) if "=" not in t else t for t in image.tags], "images")
        vault_tags = {v.id: [f"{t['key']}={t['value']}" for t in v.tags] for v in self.vaults.values()}
        for tags in vault_tags.values():
            add(tags, "vaults")
        for cbr in self.cbr_backups.values():
            if not cbr.gone(self.now()):
                add(vault_tags.get(cbr.vault_id, []), "cbr_backups")
        for csbs in self.csbs_backups.values():
            if not csbs.gone(self.now()):
                add([f"{t.get('key')}={t.get('value')}" for t in csbs.tags], "csbs_backups")
        return counts

    def summary(self) -> dict[str, Any]:
        now = self.now()
        return {
            "tags": self.tag_counts(),
            "now": now,
            "images": {
                i.id: {
                    "name": i.name,
                    "status": self.image_status(i),
                    "whole_image": i.whole_image,
                    "backup_id": i.backup_id,
                }
                for i in self.visible_images()
            },
            "servers": {s.id: {"name": s.name, "status": s.status(now)} for s in self.visible_servers()},
            "vaults": {
                v.id: {"name": v.name, "resources": [r.server_id for r in self.vault_resources(v)]}
                for v in self.vaults.values()
            },
            "cbr_backups": {
                b.id: {"name": b.name, "status": b.status(now), "resource_id": b.resource_id}
                for b in self.cbr_backups.values()
                if not b.gone(now)
            },
            "csbs_backups": {
                b.id: {
                    "name": b.name,
                    "status": b.status(now),
                    "resource_id": b.resource_id,
                    "support_lld": b.support_lld,
                }
                for b in self.csbs_backups.values()
                if not b.gone(now)
            },
            "jobs": {j.id: {"type": j.job_type, "status": j.status(now)} for j in self.jobs.values()},
        }
