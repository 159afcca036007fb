"""API body shapes of the emulated objects (field names as in the service documentation)."""

from __future__ import annotations

import uuid
from typing import Any

from wizard.sim.clock import iso_micro, iso_ms_z, iso_z
from wizard.sim.state import (
    CSBS_PROVIDER_ID,
    SERVER_PROVIDER_ID,
    SERVER_RESOURCE_TYPE,
    CbrBackup,
    CsbsBackup,
    Flavor,
    Image,
    Job,
    Server,
    State,
    Subnet,
    Vault,
    Vpc,
)


def _bool_str(value: bool | None) -> str:
    return "true" if value else "false"


def image_updated_at(state: State, img: Image) -> float:
    """When the image last changed: its job's end once active, else its creation (``updated_at``)."""
    if state.image_status(img) != "active":
        return img.created
    return state.jobs[img.job_id].progression.end if img.job_id else img.created


def image(state: State, img: Image, *, native: bool = False) -> dict[str, Any]:
    """An image as ``GET /v2/cloudimages`` lists it; ``native``: as ``GET /v2/images/{id}`` shows it,
    without ``__whole_image`` (not among that call's documented attributes)."""
    status = state.image_status(img)
    job_done_at = state.jobs[img.job_id].progression.end if img.job_id else img.created
    body: dict[str, Any] = {
        "id": img.id,
        "name": img.name,
        "status": status,
        "visibility": "public" if img.imagetype == "gold" else "private",
        "owner": img.owner,
        "__imagetype": img.imagetype,
        "__os_type": img.os_type,
        "__platform": img.platform,
        "__os_version": img.os_version,
        "__os_bit": "64",
        "__isregistered": "true",
        "__image_source_type": "uds",
        "__originalimagename": "",
        "__description": img.description,
        "__data_origin": img.data_origin,
        "__root_origin": "",
        "__support_kvm": "true",
        "__image_size": str(img.size),
        "__productcode": "",
        "protected": img.imagetype == "gold",
        "min_disk": img.min_disk,
        "min_ram": img.min_ram,
        "disk_format": "zvhd2",
        "container_format": "bare",
        "virtual_env_type": "FusionCompute",
        "virtual_size": 0,
        "size": img.size,
        "checksum": "",
        "tags": list(img.tags),
        "created_at": iso_z(img.created),
        "updated_at": iso_z(image_updated_at(state, img)),
        "self": f"/v2/images/{img.id}",
        "file": f"/v2/images/{img.id}/file",
        "schema": "/v2/schemas/image",
        "enterprise_project_id": "0",
    }
    if status == "active":
        body["active_at"] = iso_z(job_done_at)
    if img.whole_image:
        if not native:
            body["__whole_image"] = "true"
        body["__backup_id"] = img.backup_id
    if img.lazyloading is not None:
        body["__lazyloading"] = _bool_str(img.lazyloading)
    return body


def job(state: State, j: Job, *, progress: bool = False) -> dict[str, Any]:
    now = state.now()
    status = j.status(now)
    p = j.progression
    entities: dict[str, Any] = dict(j.entities)
    if j.service == "ims":
        if j.image_id and status == "SUCCESS":  # as Terraform reads it: only once the job succeeded
            entities["image_id"] = j.image_id
        if progress:
            entities["process_percent"] = round(p.fraction(now) if status != "FAIL" else 0.0, 2)
            entities["current_task"] = {
                "INIT": "init",
                "RUNNING": "create_image_from_backup",
                "SUCCESS": "finished",
                "FAIL": "failed",
            }[status]
    else:
        subs: list[dict[str, Any]] = []
        for server_id in j.server_ids:
            subs.append(
                {
                    "status": status,
                    "entities": {"server_id": server_id},
                    "job_id": f"{j.id[:-4]}{len(subs):04d}" if len(j.id) > 4 else j.id,
                    "job_type": j.sub_job_type,
                    "begin_time": iso_ms_z(p.start),
                    "end_time": iso_ms_z(p.end) if status in ("SUCCESS", "FAIL") else "",
                    "error_code": p.fail_code if status == "FAIL" else None,
                    "fail_reason": p.fail_reason if status == "FAIL" else None,
                }
            )
        entities["sub_jobs_total"] = len(subs)
        entities["sub_jobs"] = subs
    return {
        "status": status,
        "entities": entities,
        "job_id": j.id,
        "job_type": j.job_type,
        "begin_time": iso_ms_z(p.start),
        "end_time": iso_ms_z(p.end) if status in ("SUCCESS", "FAIL") else "",
        "error_code": (p.fail_code or "") if status == "FAIL" else None,
        "fail_reason": p.fail_reason if status == "FAIL" else None,
    }


def flavor(f: Flavor, zones: list[str]) -> dict[str, Any]:
    return {
        "id": f.id,
        "name": f.id,
        "vcpus": str(f.vcpus),
        "ram": f.ram,
        "disk": "0",
        "swap": "",
        "links": [],
        "OS-FLV-EXT-DATA:ephemeral": 0,
        "OS-FLV-DISABLED:disabled": False,
        "rxtx_factor": 1,
        "os-flavor-access:is_public": True,
        "os_extra_specs": {  # underscore in the v1 cloudservers API (the Nova API's URL says os-extra_specs)
            "ecs:performancetype": f.performance,
            "resource_type": "IOoptimizedS3",
            "cond:operation:status": "normal",
            "cond:operation:az": ",".join(f"{z}(normal)" for z in zones),
        },
    }


def server(state: State, s: Server) -> dict[str, Any]:
    now = state.now()
    status = s.status(now)
    f = state.flavors.get(s.flavor_id)
    task_state = "deleting" if s.delete is not None else ("spawning" if status == "BUILD" else "")
    return {
        "id": s.id,
        "name": s.name,
        "status": status,
        "created": iso_z(s.build.start),
        "updated": iso_z(s.build.end if s.build.done(now) else s.build.start),
        "tenant_id": state.project_id,
        "user_id": "0c6c8d5e8a0f4a3e9d5b1c7a2e4f6a8b",
        "hostId": "",
        "flavor": {
            "id": s.flavor_id,
            "name": s.flavor_id,
            "vcpus": str(f.vcpus) if f else "",
            "ram": str(f.ram) if f else "",
            "disk": "0",
        },
        "image": {"id": s.image_id},
        "metadata": {"vpc_id": s.vpc_id, "charging_mode": "0", **s.metadata},
        "addresses": {
            s.vpc_id: [
                {
                    "version": "4",  # a string in the v1 cloudservers API (Nova's own API has an integer)
                    "addr": s.private_ip,
                    "OS-EXT-IPS:type": "fixed",
                    "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:"
                    + ":".join(s.id.replace("-", "")[i : i + 2] for i in (0, 2, 4)),
                    "OS-EXT-IPS:port_id": s.id,
                }
            ]
        },
        "key_name": None,
        "security_groups": [{"name": "default"}],
        "OS-EXT-AZ:availability_zone": s.availability_zone,
        "OS-EXT-STS:vm_state": {"BUILD": "building", "ACTIVE": "active", "SHUTOFF": "stopped"}.get(status, "deleted"),
        "OS-EXT-STS:task_state": task_state,
        "OS-EXT-STS:power_state": {"ACTIVE": 1, "SHUTOFF": 4}.get(status, 0),  # Nova: 1 running, 4 shut down
        "OS-SRV-USG:launched_at": iso_micro(s.build.end) if status in ("ACTIVE", "SHUTOFF") else "",
        "OS-SRV-USG:terminated_at": "",
        "os-extended-volumes:volumes_attached": [
            {
                "id": v.id,
                "delete_on_termination": "true" if v.bootable else "false",
                "bootIndex": "0" if v.bootable else "-1",
                "device": v.device,
            }
            for v in s.volumes
        ],
        "tags": list(s.tags),
        "description": "",
        "locked": False,
        "config_drive": "",
        "progress": 100 if status in ("ACTIVE", "SHUTOFF") else int(s.build.fraction(now) * 100),
    }


def volume_type(name: str, zones: str) -> dict[str, Any]:
    """An EVS disk type, offered in ``zones`` (comma-separated), as ``GET /v2/{project_id}/types`` lists it."""
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"evs-type-{name}")),
        "name": name,
        "extra_specs": {
            "volume_backend_name": name,
            "availability-zone": zones,
            "RESKEY:availability_zones": zones,
            "os-vendor-extended:sold_out_availability_zones": "",
        },
        "qos_specs_id": None,
        "description": "",
        "is_public": True,
    }


def vpc(v: Vpc, project_id: str) -> dict[str, Any]:
    return {
        "id": v.id,
        "name": v.name,
        "description": "",
        "cidr": v.cidr,
        "status": "OK",
        "enterprise_project_id": "0",
        "routes": [],
        "enable_shared_snat": False,
        "tenant_id": project_id,
        "created_at": iso_z(v.created).rstrip("Z"),
        "updated_at": iso_z(v.created).rstrip("Z"),
    }


def subnet(sn: Subnet, project_id: str) -> dict[str, Any]:
    return {
        "id": sn.id,
        "name": sn.name,
        "description": "",
        "cidr": sn.cidr,
        "gateway_ip": sn.gateway_ip,
        "dhcp_enable": True,
        "primary_dns": "100.125.4.25",
        "secondary_dns": "100.125.129.199",
        "dnsList": ["100.125.4.25", "100.125.129.199"],
        "availability_zone": sn.availability_zone,
        "vpc_id": sn.vpc_id,
        "status": "ACTIVE",
        "neutron_network_id": sn.network_id or sn.id,
        "neutron_subnet_id": sn.id,
        "ipv6_enable": False,
        "tenant_id": project_id,
        "created_at": iso_z(sn.created).rstrip("Z"),
        "updated_at": iso_z(sn.created).rstrip("Z"),
    }


def vault(state: State, v: Vault) -> dict[str, Any]:
    resources = []
    for r in state.vault_resources(v):
        s = state.servers[r.server_id]
        backups = [
            b
            for b in state.cbr_backups.values()
            if b.vault_id == v.id and b.resource_id == r.server_id and not b.gone(state.now())
        ]
        resources.append(
            {
                "id": r.server_id,
                "name": s.name,
                "type": SERVER_RESOURCE_TYPE,
                "protect_status": "available",
                "size": s.disk_gb(),
                "backup_size": sum(b.size_mb() for b in backups),
                "backup_count": len(backups),
                "extra_info": {"exclude_volumes": []},
            }
        )
    return {
        "id": v.id,
        "name": v.name,
        "description": v.description,
        "project_id": state.project_id,
        "provider_id": SERVER_PROVIDER_ID,
        "created_at": iso_micro(v.created),
        "auto_bind": False,
        "bind_rules": {},
        "auto_expand": False,
        "enterprise_project_id": "0",
        "threshold": 80,
        "tags": [dict(t) for t in v.tags],
        "user_id": "0c6c8d5e8a0f4a3e9d5b1c7a2e4f6a8b",
        "billing": {
            "allocated": 0,
            "charging_mode": "post_paid",
            "cloud_type": "public",
            "consistent_level": v.consistent_level,
            "object_type": v.object_type,
            "order_id": "",
            "product_id": "",
            "protect_type": "backup",
            "size": v.size_gb,
            "spec_code": "vault.backup.server.normal",
            "status": "available",
            "storage_unit": "",
            "used": state.vault_used_mb(v),
            "frozen_scene": "",
        },
        "resources": resources,
    }


def _progress(state: State, b: CbrBackup | CsbsBackup) -> int:
    return (
        int(b.progression.fraction(state.now()) * 100)
        if b.status(state.now()) != "error"
        else int(b.progression.fraction(b.progression.end - 1e-9) * 100)
    )


def cbr_backup(state: State, b: CbrBackup) -> dict[str, Any]:
    now = state.now()
    status = b.status(now)
    images = [{"image_id": i.id} for i in state.images_of_backup(b.id)]
    children = []
    for d in b.disks:
        children.append(
            {
                "id": d.id,
                "name": d.name or f"{b.name}-{'sys' if d.bootable else 'data'}",
                "resource_id": d.source_volume_id,
                "resource_name": d.name,
                "resource_type": "OS::Cinder::Volume",
                "resource_size": d.size,
                "status": status,
                "image_type": "backup",
                "protected_at": iso_micro(b.progression.end) if status == "available" else "",
                "extend_info": {
                    "bootable": d.bootable,
                    "snapshot_id": d.snapshot_id,
                    "incremental": b.incremental,
                    "support_lld": True if b.support_lld is None else b.support_lld,
                    "supported_restore_mode": None,  # a disk's backup: null in the document's example
                },
            }
        )
    body: dict[str, Any] = {
        "id": b.id,
        "name": b.name,
        "description": b.description,
        "checkpoint_id": b.checkpoint_id,
        "vault_id": b.vault_id,
        "provider_id": SERVER_PROVIDER_ID,
        "project_id": state.project_id,
        "enterprise_project_id": "0",
        "resource_id": b.resource_id,
        "resource_name": b.resource_name,
        "resource_type": SERVER_RESOURCE_TYPE,
        "resource_size": b.disk_gb(),
        "resource_az": b.resource_az,
        "image_type": "backup",
        "status": status,
        "created_at": iso_micro(b.progression.start),
        "updated_at": iso_micro(b.progression.end if b.progression.done(now) else b.progression.start),
        "protected_at": iso_micro(b.progression.end) if status == "available" else "",
        "expired_at": "",
        "children": children,
        "extend_info": {
            "auto_trigger": b.auto_trigger,
            "bootable": True,
            "contain_system_disk": any(d.bootable for d in b.disks),
            "encrypted": False,
            "incremental": b.incremental,
            "is_multi_az": False,
            "snapshot_id": b.disks[0].snapshot_id if b.disks else "",
            "support_lld": True if b.support_lld is None else b.support_lld,
            # na (the default) until it is done, then backup, as the document's example of an available server
            # backup shows (cbr_apis/backups/querying_a_specified_backup.rst; reference §10 item 9f)
            "supported_restore_mode": "backup" if status == "available" else "na",
            "system_disk": False,
            "os_images_data": images,
        },
    }
    if status == "error":
        body["extend_info"]["fail_reason"] = b.progression.fail_reason
        body["extend_info"]["fail_code"] = {
            "Code": b.progression.fail_code or "BackupService.9999",
            "Description": b.progression.fail_reason,
        }
    return body


RESTORE_POINT_STATUS = {
    "waiting_protect": "protecting",
    "protecting": "protecting",
    "available": "available",
    "error": "error",
    "waiting_delete": "deleting",
    "deleting": "deleting",
}
"""A backup's status as its restore point shows it: available, deleting, protecting, deleted,
error-deleting or error (OTC-CBR ``cbr_apis/restore_points/querying_a_restore_point.rst``)."""


def cbr_checkpoint(state: State, backups: list[CbrBackup]) -> dict[str, Any]:
    """A CBR restore point as ``GET /v3/{project_id}/checkpoints/{id}`` shows it, from its backups:
    in error if one is, else protecting or deleting while one is, else available."""
    now = state.now()
    statuses = {RESTORE_POINT_STATUS[b.status(now)] for b in backups}
    first = backups[0]
    vault = state.vaults.get(first.vault_id)
    return {
        "id": first.checkpoint_id,
        "status": next(s for s in ("error", "protecting", "deleting", "available") if s in statuses),
        "created_at": iso_micro(first.progression.start),
        "project_id": state.project_id,
        "vault": {
            "id": first.vault_id,
            "name": vault.name if vault else "",
            "resources": [
                {
                    "id": b.resource_id,
                    "name": b.resource_name,
                    "type": SERVER_RESOURCE_TYPE,
                    "protect_status": RESTORE_POINT_STATUS[b.status(now)],
                    "resource_size": str(b.disk_gb()),
                    "extra_info": "{}",
                }
                for b in backups
            ],
            "skipped_resources": [],
        },
        "extra_info": {"name": first.name, "description": first.description, "retention_duration": -1},
    }


CBR_TASK_STATUS = {"waiting_protect": "waiting", "protecting": "running", "available": "success", "error": "failed"}


def cbr_task(state: State, b: CbrBackup) -> dict[str, Any]:
    """The CBR task (``operation_log``) that makes backup ``b``. A CBR backup carries no progress of its
    own: the percentage is the task's ``extra_info.common.progress`` (reference §3, "task")."""
    now = state.now()
    status = b.status(now)
    vault = state.vaults.get(b.vault_id)
    failed = status == "error"
    return {
        "id": b.task_id,
        "operation_type": "backup",
        "status": CBR_TASK_STATUS.get(status, "success"),  # a deleted backup's task had succeeded
        "checkpoint_id": b.checkpoint_id,
        "vault_id": b.vault_id,
        "vault_name": vault.name if vault else "",
        "provider_id": SERVER_PROVIDER_ID,
        "project_id": state.project_id,
        "policy_id": "",
        "created_at": iso_z(b.progression.start),
        "started_at": iso_z(b.progression.start),
        "updated_at": iso_z(b.progression.end if b.progression.done(now) else now),
        "ended_at": iso_z(b.progression.end) if b.progression.done(now) else "",
        "error_info": {
            "code": (b.progression.fail_code or "BackupService.9999") if failed else "",
            "message": (b.progression.fail_reason or "") if failed else "",
        },
        "extra_info": {
            "backup": {
                "backup_id": b.id,
                "backup_name": b.name,
                "incremental": _bool_str(b.incremental),
                "app_consistency_status": "0",
                "app_consistency_error_code": "",
                "app_consistency_error_message": "",
            },
            "common": {"progress": _progress(state, b), "request_id": "", "task_id": b.task_id},
            "resource": {"id": b.resource_id, "name": b.resource_name, "type": SERVER_RESOURCE_TYPE},
        },
    }


def csbs_backup(state: State, b: CsbsBackup) -> dict[str, Any]:
    now = state.now()
    status = b.status(now)
    extend: dict[str, Any] = {
        "auto_trigger": b.auto_trigger,
        "average_speed": 0,
        "copy_from": "",
        "copy_status": "na",
        "fail_code": {},
        "fail_op": "",
        "fail_reason": "",
        "image_type": "backup",
        "incremental": b.incremental,
        "progress": _progress(state, b),
        "resource_az": b.resource_az,
        "resource_name": b.resource_name,
        "resource_type": SERVER_RESOURCE_TYPE,
        "size": b.size_mb(),
        "space_saving_ratio": 0,
        "volume_backups": [
            {
                "average_speed": 0,
                "bootable": d.bootable,
                "id": d.id,
                "image_type": "backup",
                "incremental": b.incremental,
                "name": f"manualbk_{d.id[:4]}",
                "size": int(d.size * 1024 * 0.05),
                "source_volume_id": d.source_volume_id,
                "source_volume_size": d.size,
                "source_volume_name": d.name,
                "space_saving_ratio": 0,
                "status": status,
                "snapshot_id": d.snapshot_id,
            }
            for d in b.disks
        ],
        "finished_at": iso_micro(b.progression.end) if b.progression.done(now) else "",
        "supported_restore_mode": "backup" if status == "available" else "na",
        "os_images_data": [{"image_id": i.id} for i in state.images_of_backup(b.id)],
        "taskid": b.checkpoint_id,
        "hypervisor_type": "QEMU",
    }
    if b.support_lld is not None:  # old backups simply lack the field
        extend["support_lld"] = b.support_lld
    if status == "error":
        extend["fail_reason"] = b.progression.fail_reason
        extend["fail_op"] = "backup"
        extend["fail_code"] = {"Code": 1, "Description": b.progression.fail_reason}
    return {
        "id": b.id,
        "name": b.name,
        "description": b.description,
        "checkpoint_id": b.checkpoint_id,
        "resource_id": b.resource_id,
        "resource_type": SERVER_RESOURCE_TYPE,
        "status": status,
        "created_at": iso_micro(b.progression.start),
        "updated_at": iso_micro(b.progression.end if b.progression.done(now) else b.progression.start),
        "tags": list(b.tags),
        "backup_data": {
            "__openstack_region_name": b.resource_az,
            "cloudservicetype": "server",
            "disk": next((d.size for d in b.disks if d.bootable), 0),
            "imagetype": "private",
            "ram": b.flavor_ram,
            "vcpus": b.flavor_vcpus,
            "eip": "",
            "private_ip": b.private_ip,
        },
        "extend_info": extend,
        "provider_id": CSBS_PROVIDER_ID,
    }


def server_limits(state: State) -> dict[str, Any]:
    """``GET /v1/{project_id}/cloudservers/limits`` (OTC-ECS ``apis_recommended/tenant_quota_management/
    querying_tenant_quotas.rst``): the tenant's quotas and what is used, under ``absolute``."""
    servers = state.visible_servers()
    flavors = [state.flavors.get(s.flavor_id) for s in servers]
    quotas = state.quotas
    return {
        "absolute": {
            "maxTotalInstances": quotas.servers,
            "totalInstancesUsed": len(servers),
            "maxTotalCores": quotas.cores,
            "totalCoresUsed": sum(f.vcpus for f in flavors if f),
            "maxTotalRAMSize": quotas.ram_mb,
            "totalRAMUsed": sum(f.ram for f in flavors if f),
            "maxTotalKeypairs": -1,
            "maxServerMeta": 128,
            "maxPersonality": 5,
            "maxPersonalitySize": 10240,
            "maxServerGroups": 10,
            "maxServerGroupMembers": 16,
            "totalServerGroupsUsed": 0,
            "maxSecurityGroups": 10,
            "maxSecurityGroupRules": 20,
            "totalSecurityGroupsUsed": 1,
            "maxTotalFloatingIps": 10,
            "totalFloatingIpsUsed": 0,
            "maxImageMeta": 128,
        }
    }


def image_quota(state: State) -> dict[str, Any]:
    """``GET /v1/cloudimages/quota`` (OTC-IMS ``ims_apis/image_quota/querying_the_image_quota.rst``):
    the private-image quota of the project in this region."""
    private = [i for i in state.visible_images() if i.imagetype == "private"]
    return {
        "quotas": {
            "resources": [
                {"type": "image", "used": len(private), "quota": state.quotas.private_images, "min": 1, "max": 1000}
            ]
        }
    }
