"""The mutating operations and their business rules. Each raises :class:`ApiError` with the
cloud's code when a rule is broken; ``fail`` (reason, code) makes the started work end badly
(fault injection: ``job=fail`` / ``backup=error``)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from wizard.sim import durations as D
from wizard.sim.clock import iso_micro
from wizard.sim.errors import ApiError
from wizard.sim.state import (
    SERVER_RESOURCE_TYPE,
    VOLUME_TYPES,
    BackupCommon,
    CbrBackup,
    CsbsBackup,
    DiskCopy,
    Image,
    Job,
    Progression,
    Server,
    State,
    Subnet,
    Token,
    Vault,
    VaultResource,
    Volume,
)

Fail = tuple[str, str] | None  # (reason, code)


def _require(body: Any, key: str, service_code: str, status: int = 400) -> Any:
    if not isinstance(body, dict) or body.get(key) in (None, ""):
        raise ApiError(status, service_code, f"Missing or empty parameter: {key}")
    return body[key]


# ---- IAM ------------------------------------------------------------------------------------
def issue_token(state: State, body: Any, *, user: str, password: str, domain: str) -> Token:
    try:
        identity = body["auth"]["identity"]
        methods = identity["methods"]
        pw_user = identity["password"]["user"]
    except (KeyError, TypeError):
        raise ApiError(400, "400", "Invalid request body: auth.identity.password.user is required") from None
    if "password" not in methods:
        raise ApiError(400, "400", "Only the password method is emulated")
    user_domain = (pw_user.get("domain") or {}).get("name")
    if pw_user.get("name") != user or pw_user.get("password") != password or user_domain != domain:
        raise ApiError(401, "401", "The username or password is wrong.")
    scope = (body.get("auth") or {}).get("scope") or {}
    project = scope.get("project") or {}
    if project:
        if project.get("id") not in (None, state.project_id) or project.get("name") not in (None, state.region):
            raise ApiError(401, "401", "The project in the scope does not exist or the user has no access to it.")
    now = state.now()
    token = Token("MIIsim" + secrets.token_urlsafe(48), now, now + D.TOKEN_LIFETIME, user, state.project_id)
    state.tokens[token.value] = token
    return token


# ---- IMS ------------------------------------------------------------------------------------
def _whole_image_request(body: Any) -> tuple[str, str, str]:
    """The image name, the backup id and the backup kind ("CBR" or "CSBS") of a create request."""
    if not isinstance(body, dict):
        raise ApiError(400, "IMG.0001", "The request body must be a JSON object.")
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 128:
        raise ApiError(400, "IMG.0001", "name is mandatory (1 to 128 characters).")
    if body.get("instance_id") and not body.get("backup_id"):
        raise ApiError(
            400,
            "IMG.0001",
            "This emulator creates full-ECS images from backups only (backup_id); "
            "the instance_id route is not emulated.",
        )
    backup_id = body.get("backup_id")
    if not backup_id:
        raise ApiError(400, "IMG.0001", "backup_id or instance_id is mandatory.")
    kind = str(body.get("whole_image_type") or "CSBS").upper()
    if kind not in ("CBR", "CSBS"):
        raise ApiError(400, "IMG.0001", f"whole_image_type must be CBR or CSBS, not {body.get('whole_image_type')!r}.")
    return name, backup_id, kind


def _whole_image_backup(state: State, backup_id: str, kind: str, now: float) -> CbrBackup | CsbsBackup:
    """The available backup of ``kind`` an image is to be made from; IMS's errors when there is none."""
    cbr = state.cbr_backup(backup_id)
    csbs = state.csbs_backup(backup_id)
    if kind == "CBR":
        if cbr is None:
            if csbs is not None:
                raise ApiError(
                    400,
                    "IMG.0198",
                    "The backup ID does not match the backup type: "
                    "this is a CSBS backup (omit whole_image_type or set CSBS).",
                )
            raise ApiError(400, "IMG.0020", f"The backup {backup_id} does not exist.")
        if cbr.status(now) != "available":
            raise ApiError(400, "IMG.0032", f"The backup is not available (status {cbr.status(now)}).")
        return cbr
    if csbs is None:
        if cbr is not None:
            raise ApiError(
                400,
                "IMG.0198",
                "The backup ID does not match the backup type: this is a CBR backup (set whole_image_type CBR).",
            )
        raise ApiError(400, "IMG.0127", f"The CSBS backup {backup_id} does not exist.")
    if state.cbr_only_images:
        raise ApiError(400, "IMG.0190", "Full-ECS images can be created only from CBR backups.")
    if csbs.status(now) != "available":
        raise ApiError(
            400, "IMG.0132", f"The CSBS backup state does not allow creating an image (status {csbs.status(now)})."
        )
    return csbs


def create_whole_image(state: State, body: Any, *, fail: Fail = None) -> Job:
    name, backup_id, kind = _whole_image_request(body)
    now = state.now()
    backup = _whole_image_backup(state, backup_id, kind, now)
    if state.images_of_backup(backup_id):
        raise ApiError(
            400, "IMG.0029", "An image has already been created from this backup (one backup, one full-ECS image)."
        )
    private = [i for i in state.visible_images() if i.imagetype == "private"]
    if len(private) >= state.quotas.private_images:
        raise ApiError(400, "IMG.0015", f"The private image quota ({state.quotas.private_images}) has been used up.")
    system = next((d for d in backup.disks if d.bootable), None)
    image_id = state.new_id()
    job_id = state.new_hex(32)
    lld = state.backup_supports_lld(backup_id)
    progression = Progression(now, D.IMS_WHOLE_IMAGE, *(fail or (None, None)))
    job = Job(job_id, "ims", "imsCreateWholeImageByBackupJob", progression, {"image_name": name}, image_id=image_id)
    tags = [f"{t['key']}.{t['value']}" for t in body.get("image_tags") or [] if isinstance(t, dict)] + list(
        body.get("tags") or []
    )
    state.jobs[job_id] = job
    state.images[image_id] = Image(
        id=image_id,
        name=name,
        created=now,
        owner=state.project_id,
        imagetype="private",
        min_disk=system.size if system else 40,
        min_ram=int(body.get("min_ram") or 0),
        whole_image=True,
        backup_id=backup_id,
        lazyloading=lld,
        data_origin=backup_id,  # a full-ECS image's origin is only its backup id (reference §10 item 9e)
        description=str(body.get("description") or ""),
        tags=tags,
        job_id=job_id,
    )
    return job


def delete_image(state: State, image_id: str) -> Image | None:
    """Start deleting a private image; it is gone :data:`durations.IMAGE_DELETE` seconds later. An id
    that is not a private image of the project changes nothing: IMS answers every delete with 204 and
    finishes it asynchronously (huaweicloud/terraform-provider-huaweicloud resourceWholeImageDelete
    polls the list until the image is gone)."""
    img = state.image(image_id)
    if img is None or img.imagetype != "private":
        return None
    if img.deleted_at is None:
        img.deleted_at = state.now() + D.IMAGE_DELETE
    return img


# ---- CBR ------------------------------------------------------------------------------------
def _check_server_for_vault(state: State, server_id: str, vault: Vault | None) -> Server:
    server = state.server(server_id)
    if server is None:
        raise ApiError(404, "BackupService.7100", f"The server {server_id} does not exist.")
    holder = state.vault_of(server_id)
    if holder is not None and (vault is None or holder.id != vault.id):
        raise ApiError(400, "BackupService.6103", f"The resource has been associated with a vault ({holder.id}).")
    return server


def _check_capacity(state: State, vault: Vault, server_ids: list[str]) -> None:
    total = sum(state.servers[s].disk_gb() for s in server_ids)
    if total > vault.size_gb:
        raise ApiError(
            400,
            "BackupService.6114",
            f"The vault capacity ({vault.size_gb} GB) is smaller than the disks of its servers ({total} GB).",
        )


def _resource_ids(resources: Any) -> list[str]:
    if not isinstance(resources, list):
        raise ApiError(400, "BackupService.0004", "resources must be a list.")
    ids = []
    for r in resources:
        if not isinstance(r, dict) or not r.get("id"):
            raise ApiError(400, "BackupService.0004", "every resource needs an id.")
        if r.get("type", SERVER_RESOURCE_TYPE) != SERVER_RESOURCE_TYPE:
            raise ApiError(400, "BackupService.6102", "The vault does not support this resource type.")
        ids.append(r["id"])
    return ids


def create_vault(state: State, body: Any) -> Vault:
    spec = _require(body, "vault", "BackupService.0004")
    name = _require(spec, "name", "BackupService.0004")
    billing = _require(spec, "billing", "BackupService.0004")
    if "resources" not in spec:
        raise ApiError(400, "BackupService.0004", "vault.resources is mandatory (it may be empty).")
    if billing.get("object_type") not in ("server", "disk"):
        raise ApiError(400, "BackupService.6102", "billing.object_type must be server or disk.")
    try:
        size = int(billing.get("size"))
    except (TypeError, ValueError):
        size = 0
    if size < 10:
        raise ApiError(400, "BackupService.6101", "Invalid vault capacity (at least 10 GB).")
    ids = _resource_ids(spec["resources"])
    vault = Vault(
        state.new_id(),
        str(name),
        size,
        state.now(),
        str(spec.get("description") or ""),
        object_type=billing["object_type"],
        consistent_level=billing.get("consistent_level") or "crash_consistent",
        tags=_key_value_tags(spec.get("tags"), "BackupService.0004"),
    )
    for server_id in ids:
        _check_server_for_vault(state, server_id, None)
    _check_capacity(state, vault, ids)
    vault.resources = [VaultResource(s, state.servers[s].name, state.now()) for s in ids]
    state.vaults[vault.id] = vault
    return vault


def _key_value_tags(tags: Any, code: str) -> list[dict[str, str]]:
    """``[{"key", "value"}]`` tags (CBR vault ``tags``, CSBS ``protect.tags``), checked."""
    if tags in (None, []):
        return []
    if not isinstance(tags, list) or not all(isinstance(t, dict) and t.get("key") for t in tags):
        raise ApiError(400, code, "tags must be a list of {key, value} objects.")
    return [{"key": str(t["key"]), "value": str(t.get("value") or "")} for t in tags]


def delete_vault(state: State, vault_id: str) -> None:
    """``DELETE /v3/{project_id}/vaults/{vault_id}``: the vault goes, and its backups with it."""
    vault = get_vault(state, vault_id)
    for backup in state.cbr_backups.values():
        if backup.vault_id == vault.id and not backup.gone(state.now()) and state.images_of_backup(backup.id):
            raise ApiError(400, "BackupService.6204", f"The backup {backup.id} in the vault has an image.")
    for backup in state.cbr_backups.values():
        if backup.vault_id == vault.id:
            backup.deleted = True  # with the vault, at once
    del state.vaults[vault.id]


def delete_cbr_backup(state: State, backup_id: str) -> None:
    """``DELETE /v3/{project_id}/backups/{backup_id}``; a backup an image was made from stays (6204)."""
    backup = state.cbr_backup(backup_id)
    if backup is None:
        raise ApiError(404, "BackupService.6200", f"The backup {backup_id} does not exist.")
    if state.images_of_backup(backup_id):
        raise ApiError(400, "BackupService.6204", "The backup has an image and cannot be deleted.")
    state.delete_backup(backup)


def delete_csbs_checkpoint(state: State, checkpoint_id: str) -> None:
    """``DELETE /v1/{project_id}/providers/{provider_id}/checkpoints/{checkpoint_id}``: every backup of
    that backup record; one an image was made from stays (``CSBS.8007``)."""
    backups = [b for b in state.csbs_backups.values() if b.checkpoint_id == checkpoint_id and not b.gone(state.now())]
    if not backups:
        raise ApiError(404, "CSBS.3001", f"The backup record {checkpoint_id} does not exist.")
    if any(state.images_of_backup(b.id) for b in backups):
        raise ApiError(400, "CSBS.8007", "The backup has an image and cannot be deleted.")
    for backup in backups:
        state.delete_backup(backup)


def get_vault(state: State, vault_id: str) -> Vault:
    vault = state.vaults.get(vault_id)
    if vault is None:
        raise ApiError(404, "BackupService.6105", f"The vault {vault_id} does not exist.")
    return vault


def add_resources(state: State, vault_id: str, body: Any) -> list[str]:
    vault = get_vault(state, vault_id)
    ids = _resource_ids(_require(body, "resources", "BackupService.0004"))
    present = {r.server_id for r in state.vault_resources(vault)}
    new = [s for s in dict.fromkeys(ids) if s not in present]
    for server_id in new:
        _check_server_for_vault(state, server_id, vault)
    if vault.object_type != "server":
        raise ApiError(400, "BackupService.6102", "The vault does not support this resource type.")
    _check_capacity(state, vault, list(present) + new)
    vault.resources = [r for r in vault.resources if r.server_id in present]
    vault.resources += [VaultResource(s, state.servers[s].name, state.now()) for s in new]
    return new


def _disk_copies(state: State, server: Server) -> list[DiskCopy]:
    return [
        DiskCopy(state.new_id(), v.id, v.size, v.bootable, v.volume_type, state.new_id(), v.name)
        for v in server.volumes
    ]


BEING_BACKED_UP = ("BackupService.0002", "Resources are being backed up.")
"""CBR's answer to a backup of a server whose previous backup is still running: a 500 when nothing is
left to back up, else the server in ``skipped_resources`` ("for example, the resource is being backed
up"): opentelekomcloud-docs/cloud-backup-recovery api-ref/source/appendix/error_codes.rst and
cbr_apis/restore_points/creating_a_restore_point.rst. CSBS answers 500 ``CSBS.1001`` "The policy is
executing backup." (cloud-server-backup-service api-ref/source/appendixes/error_codes.rst)."""


def _backing_up(backups: Iterable[BackupCommon], server_id: str, now: float) -> bool:
    """Whether a backup of ``server_id`` is still being made."""
    return any(b.resource_id == server_id and not b.gone(now) and not b.progression.done(now) for b in backups)


def create_checkpoint(state: State, body: Any, *, fail: Fail = None) -> tuple[dict[str, Any], list[CbrBackup]]:
    spec = _require(body, "checkpoint", "BackupService.0004")
    vault = get_vault(state, _require(spec, "vault_id", "BackupService.0004"))
    params = spec.get("parameters") or {}
    wanted = params.get("resources")
    present = [r.server_id for r in state.vault_resources(vault)]
    ids = present if wanted is None else [w if isinstance(w, str) else (w or {}).get("id") for w in wanted]
    now = state.now()
    checkpoint_id = state.new_id()
    skipped, chosen = [], []
    for server_id in ids:
        server = state.server(server_id) if server_id else None
        if server_id not in present or server is None:
            skipped.append(
                {
                    "id": server_id,
                    "code": "BackupService.0001",
                    "reason": "The resource is not in the vault or does not exist.",
                }
            )
        elif not server.can_be_backed_up(now):
            skipped.append(
                {"id": server_id, "code": "BackupService.0001", "reason": f"The server is {server.status(now)}."}
            )
        elif _backing_up(state.cbr_backups.values(), server.id, now):
            skipped.append({"id": server_id, "code": BEING_BACKED_UP[0], "reason": "The resource is being backed up."})
        else:
            chosen.append(server)
    if not chosen:
        if ids and all(s["code"] == BEING_BACKED_UP[0] for s in skipped):
            raise ApiError(500, *BEING_BACKED_UP)
        raise ApiError(400, "BackupService.0001", "No resource is available for backup.")
    incremental = bool(params.get("incremental", True))
    backups = []
    for server in chosen:
        previous = [b for b in state.cbr_backups.values() if b.resource_id == server.id and not b.gone(now)]
        is_incremental = incremental and bool(previous)
        backup = CbrBackup(
            id=state.new_id(),
            checkpoint_id=checkpoint_id,
            name=str(params.get("name") or f"manualbk_{checkpoint_id[:4]}"),
            description=str(params.get("description") or ""),
            resource_id=server.id,
            resource_name=server.name,
            resource_az=server.availability_zone,
            disks=_disk_copies(state, server),
            progression=Progression(now, D.CBR_BACKUP, *(fail or (None, None))),
            incremental=is_incremental,
            support_lld=True,
            flavor_vcpus=state.flavors[server.flavor_id].vcpus,
            flavor_ram=state.flavors[server.flavor_id].ram,
            flavor_id=server.flavor_id,
            private_ip=server.private_ip,
            vault_id=vault.id,
        )
        if state.vault_used_mb(vault) + backup.size_mb() > vault.size_gb * 1024:
            raise ApiError(400, "BackupService.6114", "The vault capacity is insufficient for this backup.")
        backups.append(backup)
    for b in backups:
        state.cbr_backups[b.id] = b
    checkpoint = {
        "id": checkpoint_id,
        "status": "protecting",
        "created_at": iso_micro(now),
        "project_id": state.project_id,
        "vault": {
            "id": vault.id,
            "name": vault.name,
            "resources": [
                {
                    "id": s.id,
                    "name": s.name,
                    "type": SERVER_RESOURCE_TYPE,
                    "protect_status": "available",
                    "resource_size": str(s.disk_gb()),
                    "extra_info": "{}",
                }
                for s in chosen
            ],
            "skipped_resources": skipped,
        },
        "extra_info": {"name": backups[0].name, "description": backups[0].description, "retention_duration": -1},
    }
    return checkpoint, backups


# ---- CSBS -----------------------------------------------------------------------------------
def check_protectable(state: State, body: Any) -> list[dict[str, Any]]:
    items = _require(body, "check_protectable", "CSBS.1001")
    out = []
    now = state.now()
    for item in items if isinstance(items, list) else []:
        server_id = (item or {}).get("resource_id")
        server = state.server(server_id) if server_id else None
        entry: dict[str, Any] = {"resource_id": server_id, "resource_type": SERVER_RESOURCE_TYPE, "result": True}
        if server is None:
            entry.update(result=False, error_code="CSBS.6000", error_msg="The server does not exist.")
        elif not server.can_be_backed_up(now):
            entry.update(
                result=False,
                error_code="CSBS.6006",
                error_msg=f"The server status ({server.status(now)}) does not allow backup.",
            )
        out.append(entry)
    return out


def protect(state: State, server_id: str, body: Any, *, fail: Fail = None) -> tuple[dict[str, Any], CsbsBackup]:
    spec = _require(body, "protect", "CSBS.1001")
    server = state.server(server_id)
    if server is None:
        raise ApiError(400, "CSBS.6000", f"The server {server_id} does not exist.")
    now = state.now()
    if not server.can_be_backed_up(now):
        raise ApiError(400, "CSBS.6006", f"The server status ({server.status(now)}) does not allow backup.")
    if _backing_up(state.csbs_backups.values(), server.id, now):
        raise ApiError(500, "CSBS.1001", "The policy is executing backup.")
    previous = sorted(
        (
            b
            for b in state.csbs_backups.values()
            if b.resource_id == server_id and not b.gone(now) and not b.progression.failed(now)
        ),
        key=lambda b: b.progression.start,
    )
    incremental = bool(spec.get("incremental", True)) and bool(previous)
    if not previous or not incremental:
        support_lld: bool | None = True  # first backup of a never-backed-up server, or a full backup: new format
    else:
        support_lld = bool(previous[-1].support_lld)  # an incremental backup continues its chain's format
    checkpoint_id = state.new_id()
    flavor = state.flavors[server.flavor_id]
    backup = CsbsBackup(
        id=state.new_id(),
        checkpoint_id=checkpoint_id,
        name=str(spec.get("backup_name") or f"manualbk_{checkpoint_id[:4]}"),
        description=str(spec.get("description") or ""),
        resource_id=server.id,
        resource_name=server.name,
        resource_az=server.availability_zone,
        disks=_disk_copies(state, server),
        progression=Progression(now, D.CSBS_BACKUP, *(fail or (None, None))),
        incremental=incremental,
        support_lld=support_lld,
        flavor_vcpus=flavor.vcpus,
        flavor_ram=flavor.ram,
        flavor_id=flavor.id,
        private_ip=server.private_ip,
        tags=_key_value_tags(spec.get("tags"), "CSBS.1001"),
    )
    state.csbs_backups[backup.id] = backup
    checkpoint = {
        "id": checkpoint_id,
        "status": "protecting",
        "created_at": iso_micro(now),
        "project_id": state.project_id,
        "protection_plan": {
            "id": state.new_id(),
            "name": "server protect plan",
            "resources": [{"id": server.id, "type": SERVER_RESOURCE_TYPE, "name": server.name, "extra_info": {}}],
        },
        "extra_info": {"name": backup.name, "description": backup.description},
    }
    return checkpoint, backup


# ---- ECS ------------------------------------------------------------------------------------
def create_server(state: State, body: Any, *, fail: Fail = None, dry_run: bool = False) -> Job | None:
    spec = _require(body, "server", "Ecs.0005")
    for key in ("imageRef", "flavorRef", "name", "vpcid", "nics", "root_volume"):
        _require(spec, key, "Ecs.0005")
    now = state.now()
    image, backup = _server_image(state, spec["imageRef"], now)
    flavor = state.flavors.get(spec["flavorRef"])
    if flavor is None:
        raise ApiError(400, "Ecs.0029", f"The flavor {spec['flavorRef']} does not exist.")
    subnet = _server_subnet(state, spec)
    root = spec["root_volume"] if isinstance(spec["root_volume"], dict) else {}
    if root.get("volumetype") not in VOLUME_TYPES:
        raise ApiError(
            400, "Ecs.0005", f"Invalid parameter: root_volume.volumetype must be one of {', '.join(VOLUME_TYPES)}."
        )
    az, count = _server_placement(state, spec)
    if dry_run:
        return None
    slow = image.whole_image and not state.backup_supports_lld(image.backup_id)
    duration = D.SERVER_BUILD_SLOW if slow else D.SERVER_BUILD_FAST
    progression = Progression(now, duration, *(fail or (None, None)))
    job = Job(state.new_hex(32), "ecs", "createServer", progression, sub_job_type="createSingleServer")
    for n in range(count):
        volumes = _server_volumes(state, image, backup, root)  # drawn before the server's id: ids stay in order
        name = spec["name"] if count == 1 else f"{spec['name']}-{n + 1:04d}"
        server = Server(
            state.new_id(),
            name,
            flavor.id,
            image.id,
            spec["vpcid"],
            subnet.id,
            az,
            state.new_private_ip(subnet),
            volumes,
            progression,
            create_job_id=job.id,
            metadata={k: str(v) for k, v in (spec.get("metadata") or {}).items()},
            tags=_server_tags(spec),
        )
        state.servers[server.id] = server
        job.server_ids.append(server.id)
    state.jobs[job.id] = job
    return job


def _server_image(state: State, image_id: str, now: float) -> tuple[Image, CbrBackup | CsbsBackup | None]:
    """The active image a server is to boot from, and for a full-ECS image the backup behind it."""
    image = state.image(image_id)
    if image is None:
        raise ApiError(400, "Ecs.0031", f"The image {image_id} does not exist.")
    if state.image_status(image) != "active":
        raise ApiError(400, "Ecs.0032", f"The image is not active (status {state.image_status(image)}).")
    if not image.whole_image:
        return image, None
    backup = state.cbr_backup(image.backup_id) or state.csbs_backup(image.backup_id)
    if backup is None:
        raise ApiError(400, "Ecs.0034", "The backup of the full-ECS image does not exist or has been deleted.")
    if backup.status(now) not in ("available", "waiting_protect", "protecting"):
        raise ApiError(400, "Ecs.0048", "The full-ECS image cannot be used: its backup is not available.")
    return image, backup


def _server_subnet(state: State, spec: dict[str, Any]) -> Subnet:
    """The server's subnet (its first NIC's), which must be in the server's VPC."""
    if spec["vpcid"] not in state.vpcs:
        raise ApiError(400, "Ecs.0005", f"Invalid parameter: the VPC {spec['vpcid']} does not exist.")
    nics = spec["nics"] if isinstance(spec["nics"], list) else []
    subnet_id = (nics[0] or {}).get("subnet_id") if nics else None
    subnet = state.subnets.get(subnet_id or "")
    if subnet is None or subnet.vpc_id != spec["vpcid"]:
        raise ApiError(
            400, "Ecs.0005", f"Invalid parameter: the subnet {subnet_id} does not exist in VPC {spec['vpcid']}."
        )
    return subnet


def _server_placement(state: State, spec: dict[str, Any]) -> tuple[str, int]:
    """The availability zone and how many servers, within the ECS quota."""
    az = spec.get("availability_zone") or state.availability_zones[0]
    if az not in state.availability_zones:
        raise ApiError(400, "Ecs.0005", f"Invalid parameter: availability zone {az} does not exist.")
    count = int(spec.get("count") or 1)
    if count < 1:
        raise ApiError(400, "Ecs.0005", "Invalid parameter: count must be >= 1.")
    if len(state.visible_servers()) + count > state.quotas.servers:
        raise ApiError(400, "Ecs.0001", f"The ECS quota ({state.quotas.servers}) is insufficient.")
    return az, count


def _server_volumes(
    state: State, image: Image, backup: CbrBackup | CsbsBackup | None, root: dict[str, Any]
) -> list[Volume]:
    """A full-ECS image's server gets one volume per backed-up disk; any other image a system disk."""
    root_size = int(root.get("size") or 0)
    if backup is None:
        return [Volume(state.new_id(), max(root_size, image.min_disk), root["volumetype"], True, "/dev/vda")]
    volumes: list[Volume] = []
    for i, d in enumerate(backup.disks):
        size = max(d.size, root_size) if d.bootable else d.size
        vtype = root["volumetype"] if d.bootable else d.volume_type
        volumes.append(Volume(state.new_id(), size, vtype, d.bootable, f"/dev/vd{'abcdefgh'[i]}"))
    return volumes


def _server_tags(spec: dict[str, Any]) -> list[str]:
    """The server's tags as ``key=value``, from ``server_tags`` (``[{key, value}]``) or OTC's ``tags``
    (``"key.value"`` strings, OTC-ECS ``creating_ecss.rst``)."""
    tags = [f"{t.get('key')}={t.get('value')}" for t in spec.get("server_tags") or [] if isinstance(t, dict)]
    tags += [t if "=" in t else t.replace(".", "=", 1) for t in spec.get("tags") or [] if isinstance(t, str)]
    return list(dict.fromkeys(tags))


def delete_servers(state: State, body: Any, *, fail: Fail = None) -> Job:
    servers = _require(body, "servers", "Ecs.0005")
    if not isinstance(servers, list) or not 1 <= len(servers) <= 1000:
        raise ApiError(400, "Ecs.0005", "Invalid parameter: servers must list 1 to 1000 servers.")
    now = state.now()
    progression = Progression(now, D.SERVER_DELETE, *(fail or (None, None)))
    job = Job(state.new_hex(32), "ecs", "deleteServer", progression, sub_job_type="deleteSingleServer")
    for entry in servers:
        server_id = (entry or {}).get("id") if isinstance(entry, dict) else None
        if not server_id:
            raise ApiError(400, "Ecs.0005", "Invalid parameter: every server needs an id.")
        job.server_ids.append(server_id)
        server = state.server(server_id)
        # Deleting a server that is already gone or going is accepted and harmless (emulator choice).
        if server is not None and server.delete is None and fail is None:
            server.delete = Progression(now, D.SERVER_DELETE)
    state.jobs[job.id] = job
    return job
