"""Scenario presets: what the emulated project holds at start.

``demo``  one project with every kind of image the wizard must tell apart:

=============================== ==================== =================================================
``emu.ids`` key                 image name           what it is
=============================== ==================== =================================================
image_old_csbs_server_exists    erp-app-full-2019    full-ECS image, old-format CSBS backup, source ECS
                                                     ``server_exists`` (erp-app-01) still exists
image_old_csbs_server_deleted   erp-batch-full-2019  full-ECS image, old-format CSBS backup (no
                                                     ``support_lld`` at all), source ECS deleted
                                                     (``server_deleted_id``)
image_cbr                       erp-db-full-2023     full-ECS image from a CBR backup of erp-db-01
                                                     (``server_cbr``, in vault ``vault_id``)
image_new_csbs                  erp-web-full-2023    full-ECS image from a new-format CSBS backup of
                                                     erp-web-01 (``server_new_csbs``)
image_old_cbr                   erp-crm-full-2019    full-ECS image from a CBR backup without lazy
                                                     loading (an old CSBS backup migrated into CBR,
                                                     ``backup_old_cbr`` in ``vault_migrated_id``) of
                                                     erp-crm-01 (``server_stopped``, SHUTOFF)
image_system_disk               erp-app-sys-2020     system-disk image (not full-ECS)
image_backup_deleted            erp-legacy-full-2018 full-ECS image whose CSBS backup was deleted
image_public                    Standard_Ubuntu_...  a public (gold) image
=============================== ==================== =================================================

Also: ``flavor_small`` (s3.medium.2), ``flavor_medium`` (s3.large.2), ``flavor_large`` (s3.xlarge.2),
``vpc_id``, ``subnet_id``, ``vault_id``, and the backups ``backup_old_csbs_server_exists``,
``backup_old_csbs_server_deleted``, ``backup_cbr``, ``backup_new_csbs``, ``backup_old_cbr``,
``backup_deleted_id``.
Availability zones: the profile's two (eu-de-01 and eu-de-02 on ``otc``). Every source server has a
40 GB system disk and a 100 GB data disk.

``empty`` flavors, the VPC and subnet, nothing else.

``hostile`` the demo project with every name (images, servers, backups, vaults, VPC, subnet) wrapped in
control characters and markup (:data:`HOSTILE_NAME`), for proving that the front ends show cloud
text as text.

``large`` ``n`` (default 1000) full-ECS images cycling through the verdicts (old CSBS with the
server alive / deleted, CBR, new CSBS, backup deleted) for scale tests; parameters ``n``.

Every scenario accepts ``image_quota`` (default 100; ``large`` raises it above ``n``),
``server_quota`` (default 20), ``backup_delete`` and ``cbr_only`` parameters. ``backup_delete`` is how
many virtual seconds a backup deletion takes (default 0: at once); while it runs the backup is still
listed, as CBR ``waiting_delete`` then ``deleting``, CSBS ``deleting`` then ``deleted``. ``cbr_only``
(true) is a region whose IMS makes full-ECS images only from CBR backups: a CSBS backup is refused
with ``IMG.0190`` "Full-ECS images can be created only from CBR backups." (opentelekomcloud-docs/
image-management-service api-ref/source/error_codes.rst).
"""

from __future__ import annotations

from calendar import timegm
from collections.abc import Callable
from typing import Any

from wizard.sim import durations as D
from wizard.sim.state import (
    CbrBackup,
    CsbsBackup,
    DiskCopy,
    Flavor,
    Image,
    Progression,
    Server,
    State,
    Subnet,
    Vault,
    VaultResource,
    Volume,
    Vpc,
)

MAX_COUNT = 100_000  # images or quotas: enough for any scale test, not a way to exhaust memory


def _whole(params: dict[str, Any], key: str, default: int) -> int:
    """A count given as a scenario parameter: a whole number from 0 to MAX_COUNT."""
    value = params.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise ValueError(f"{key} must be a whole number from 0 to {MAX_COUNT}, not {value!r}")
    return value


def _t(text: str) -> float:
    """'2019-05-14 09:30' (UTC) -> epoch seconds."""
    date, _, clock = text.partition(" ")
    y, m, d = (int(x) for x in date.split("-"))
    hh, mm = (int(x) for x in (clock or "00:00").split(":"))
    return float(timegm((y, m, d, hh, mm, 0, 0, 0, 0)))


def _uid(n: int, kind: int) -> str:
    """Fixed, readable ids: ``5ca1ab1e-0000-4000-8000-<kind><n>``."""
    return f"5ca1ab1e-{kind:04x}-4000-8000-{n:012x}"


def _base(state: State, ids: dict[str, str]) -> None:
    for key, fid, vcpus, ram in (
        ("flavor_small", "s3.medium.2", 1, 2048),
        ("flavor_medium", "s3.large.2", 2, 4096),
        ("flavor_large", "s3.xlarge.2", 4, 8192),
    ):
        state.flavors[fid] = Flavor(fid, vcpus, ram)
        ids[key] = fid
    vpc = Vpc(_uid(1, 0x0A), "vpc-erp", "192.168.0.0/16", _t("2018-03-01 08:00"))
    subnet = Subnet(
        _uid(2, 0x0A),
        "subnet-erp",
        "192.168.1.0/24",
        "192.168.1.1",
        vpc.id,
        state.availability_zones[0],
        _t("2018-03-01 08:05"),
        _uid(3, 0x0A),
    )
    state.vpcs[vpc.id] = vpc
    state.subnets[subnet.id] = subnet
    ids["vpc_id"] = vpc.id
    ids["subnet_id"] = subnet.id
    public = Image(
        _uid(1, 0x1A), "Standard_Ubuntu_22.04_latest", _t("2024-01-10 00:00"), "", "gold", 10, size=2_500_000_000
    )
    state.images[public.id] = public
    ids["image_public"] = public.id


def _server(state: State, n: int, name: str, flavor: str, az: str, created: float, ip: str) -> Server:
    vols = [
        Volume(_uid(n * 10 + 1, 0x2B), 40, "SAS", True, "/dev/vda", f"{name}-sys"),
        Volume(_uid(n * 10 + 2, 0x2B), 100, "SAS", False, "/dev/vdb", f"{name}-data"),
    ]
    vpc_id = next(iter(state.vpcs))
    subnet_id = next(iter(state.subnets))
    return Server(
        _uid(n, 0x2A),
        name,
        flavor,
        next(iter(state.images)),
        vpc_id,
        subnet_id,
        az,
        ip,
        vols,
        Progression(created, D.SERVER_BUILD_FAST),
    )


def _disks(server_n: int, name: str, backup_n: int) -> list[DiskCopy]:
    return [
        DiskCopy(
            _uid(backup_n * 10 + 1, 0x4D),
            _uid(server_n * 10 + 1, 0x2B),
            40,
            True,
            "SAS",
            _uid(backup_n * 10 + 1, 0x5E),
            f"{name}-sys",
        ),
        DiskCopy(
            _uid(backup_n * 10 + 2, 0x4D),
            _uid(server_n * 10 + 2, 0x2B),
            100,
            False,
            "SAS",
            _uid(backup_n * 10 + 2, 0x5E),
            f"{name}-data",
        ),
    ]


def _csbs(
    state: State,
    n: int,
    server_n: int,
    server_name: str,
    az: str,
    flavor: str,
    ip: str,
    when: float,
    support_lld: bool | None,
    incremental: bool = False,
) -> CsbsBackup:
    f = state.flavors[flavor]
    return CsbsBackup(
        id=_uid(n, 0x3C),
        checkpoint_id=_uid(n, 0x3D),
        name=f"{server_name}-backup-{n}",
        description="",
        resource_id=_uid(server_n, 0x2A),
        resource_name=server_name,
        resource_az=az,
        disks=_disks(server_n, server_name, n),
        progression=Progression(when, D.CSBS_BACKUP),
        incremental=incremental,
        support_lld=support_lld,
        flavor_vcpus=f.vcpus,
        flavor_ram=f.ram,
        flavor_id=flavor,
        private_ip=ip,
    )


def _cbr(
    state: State,
    n: int,
    server: Server,
    server_n: int,
    disks_n: int,
    vault: Vault,
    name: str,
    when: float,
    support_lld: bool,
    incremental: bool = False,
) -> CbrBackup:
    """A finished CBR backup ``n`` of ``server`` (the ``server_n``-th of the scenario) in ``vault``; its
    disk copies are numbered ``disks_n``."""
    f = state.flavors[server.flavor_id]
    return CbrBackup(
        id=_uid(n, 0x7B),
        checkpoint_id=_uid(n, 0x7C),
        name=name,
        description="",
        resource_id=server.id,
        resource_name=server.name,
        resource_az=server.availability_zone,
        disks=_disks(server_n, server.name, disks_n),
        progression=Progression(when, D.CBR_BACKUP),
        incremental=incremental,
        support_lld=support_lld,
        flavor_vcpus=f.vcpus,
        flavor_ram=f.ram,
        flavor_id=server.flavor_id,
        private_ip=server.private_ip,
        vault_id=vault.id,
    )


def _full_image(state: State, n: int, name: str, backup_id: str, when: float, lazy: bool | None) -> Image:
    return Image(
        _uid(n, 0x1B),
        name,
        when,
        state.project_id,
        "private",
        40,
        whole_image=True,
        backup_id=backup_id,
        lazyloading=lazy,
        data_origin=backup_id,
        size=0,
    )


def demo(state: State, params: dict[str, Any]) -> dict[str, str]:
    ids: dict[str, str] = {}
    _base(state, ids)
    first, second = state.availability_zones[:2]
    # Source servers.
    app = _server(state, 1, "erp-app-01", "s3.large.2", first, _t("2019-02-01 10:00"), "192.168.1.11")
    db = _server(state, 2, "erp-db-01", "s3.xlarge.2", first, _t("2019-02-01 10:10"), "192.168.1.12")
    web = _server(state, 3, "erp-web-01", "s3.medium.2", second, _t("2020-06-01 10:00"), "192.168.1.13")
    for s in (app, db, web):
        state.servers[s.id] = s
    ids.update(server_exists=app.id, server_cbr=db.id, server_new_csbs=web.id)
    deleted_server_id = _uid(4, 0x2A)  # erp-batch-01: backed up in 2019, deleted since
    ids["server_deleted_id"] = deleted_server_id

    # (a) old-format CSBS backup of a server that still exists (support_lld false).
    old_a = _csbs(
        state, 1, 1, app.name, app.availability_zone, app.flavor_id, app.private_ip, _t("2019-05-14 02:00"), False
    )
    # (b) old-format CSBS backup of a deleted server (support_lld absent).
    old_b = _csbs(state, 2, 4, "erp-batch-01", second, "s3.xlarge.2", "192.168.1.14", _t("2019-06-20 02:00"), None)
    # (d) new-format CSBS full backup.
    new_d = _csbs(
        state, 3, 3, web.name, web.availability_zone, web.flavor_id, web.private_ip, _t("2023-09-01 02:00"), True
    )
    for b in (old_a, old_b, new_d):
        state.csbs_backups[b.id] = b
    ids.update(
        backup_old_csbs_server_exists=old_a.id, backup_old_csbs_server_deleted=old_b.id, backup_new_csbs=new_d.id
    )
    # (f) a backup that existed once: its id only lives on in the image.
    ids["backup_deleted_id"] = _uid(9, 0x3C)

    # (c) CBR vault holding erp-db-01 and a CBR backup of it.
    vault = Vault(
        _uid(1, 0x6A),
        "vault-erp-db",
        200,
        _t("2023-03-01 08:00"),
        "server backups of the ERP database",
        [VaultResource(db.id, db.name, _t("2023-03-01 08:00"))],
    )
    state.vaults[vault.id] = vault
    ids["vault_id"] = vault.id
    cbr = _cbr(state, 1, db, 2, 11, vault, "erp-db-01-cbr-2023", _t("2023-03-02 02:00"), True)
    state.cbr_backups[cbr.id] = cbr
    ids["backup_cbr"] = cbr.id

    # (g) an old-format CSBS backup of erp-crm-01 (stopped) that CBR took over when CSBS was replaced:
    # a CBR backup without lazy loading (reference §10 item 8).
    crm = _server(state, 5, "erp-crm-01", "s3.large.2", second, _t("2019-03-01 10:00"), "192.168.1.15")
    crm.stopped = True
    state.servers[crm.id] = crm
    migrated = Vault(
        _uid(3, 0x6A),
        "vault-erp-crm",
        200,
        _t("2024-05-01 08:00"),
        "server backups taken over from CSBS",
        [VaultResource(crm.id, crm.name, _t("2024-05-01 08:00"))],
    )
    state.vaults[migrated.id] = migrated
    old_g = _cbr(state, 2, crm, 5, 12, migrated, "erp-crm-01-backup-2019", _t("2019-07-02 02:00"), False)
    state.cbr_backups[old_g.id] = old_g
    ids.update(server_stopped=crm.id, vault_migrated_id=migrated.id, backup_old_cbr=old_g.id)

    images = [
        (
            "image_old_csbs_server_exists",
            _full_image(state, 1, "erp-app-full-2019", old_a.id, _t("2019-05-15 09:00"), False),
        ),
        (
            "image_old_csbs_server_deleted",
            _full_image(state, 2, "erp-batch-full-2019", old_b.id, _t("2019-06-21 09:00"), None),
        ),
        ("image_cbr", _full_image(state, 3, "erp-db-full-2023", cbr.id, _t("2023-03-03 09:00"), True)),
        ("image_old_cbr", _full_image(state, 7, "erp-crm-full-2019", old_g.id, _t("2019-07-03 09:00"), False)),
        ("image_new_csbs", _full_image(state, 4, "erp-web-full-2023", new_d.id, _t("2023-09-02 09:00"), True)),
        (
            "image_backup_deleted",
            _full_image(state, 6, "erp-legacy-full-2018", ids["backup_deleted_id"], _t("2018-11-05 09:00"), False),
        ),
    ]
    system = Image(
        _uid(5, 0x1B),
        "erp-app-sys-2020",
        _t("2020-01-20 09:00"),
        state.project_id,
        "private",
        40,
        data_origin=f"instance,{app.id}",
        size=3_200_000_000,
        lazyloading=False,
    )
    images.append(("image_system_disk", system))
    for key, img in images:
        state.images[img.id] = img
        ids[key] = img.id
    return ids


def empty(state: State, params: dict[str, Any]) -> dict[str, str]:
    ids: dict[str, str] = {}
    _base(state, ids)
    return ids


def large(state: State, params: dict[str, Any]) -> dict[str, str]:
    """``n`` full-ECS images (default 1000) in five kinds, cycling; 10 live source servers."""
    n = _whole(params, "n", 1000)
    ids: dict[str, str] = {}
    _base(state, ids)
    state.quotas.private_images = max(state.quotas.private_images, n + 100)
    servers = []
    for i in range(10):
        s = _server(
            state,
            100 + i,
            f"app-{i:02d}",
            "s3.large.2",
            state.availability_zones[i % 2],
            _t("2019-01-01 00:00") + i * 60,
            f"192.168.1.{20 + i}",
        )
        state.servers[s.id] = s
        servers.append(s)
    vault = Vault(
        _uid(2, 0x6A),
        "vault-large",
        10_000,
        _t("2023-01-01 00:00"),
        "",
        [VaultResource(s.id, s.name, _t("2023-01-01 00:00")) for s in servers[5:]],
    )
    state.vaults[vault.id] = vault
    base = _t("2019-01-02 00:00")
    for i in range(n):
        kind = i % 5
        when = base + i * 3600
        server = servers[i % 10]
        bn = 1000 + i
        if kind == 0:  # old CSBS, server alive
            b = _csbs(
                state,
                bn,
                100 + i % 10,
                server.name,
                server.availability_zone,
                server.flavor_id,
                server.private_ip,
                when,
                False,
            )
        elif kind == 1:  # old CSBS, server gone
            b = _csbs(
                state,
                bn,
                5000 + i,
                f"gone-{i:04d}",
                state.availability_zones[0],
                "s3.large.2",
                "192.168.1.250",
                when,
                None,
            )
        elif kind == 3:  # new CSBS
            b = _csbs(
                state,
                bn,
                100 + i % 10,
                server.name,
                server.availability_zone,
                server.flavor_id,
                server.private_ip,
                when,
                True,
            )
        if kind in (0, 1, 3):
            state.csbs_backups[b.id] = b
            backup_id, lazy = b.id, b.support_lld
        elif kind == 2:  # CBR
            s = servers[5 + i % 5]
            cb = _cbr(state, bn, s, 100 + i % 10, bn, vault, f"{s.name}-cbr-{i}", when, True, incremental=True)
            state.cbr_backups[cb.id] = cb
            backup_id, lazy = cb.id, True
        else:  # backup deleted
            backup_id, lazy = _uid(bn, 0x3C), False
        img = _full_image(state, 1000 + i, f"bulk-{i:04d}-full", backup_id, when + 86400, lazy)
        state.images[img.id] = img
        if i < 5:
            ids[
                [
                    "image_old_csbs_server_exists",
                    "image_old_csbs_server_deleted",
                    "image_cbr",
                    "image_new_csbs",
                    "image_backup_deleted",
                ][kind]
            ] = img.id
    ids["vault_id"] = vault.id
    return ids


HOSTILE_NAME = "\x1b]0;pwned\x07[/x][bold red]{name}\r\x1b[2K\u202e"
"""What the ``hostile`` scenario makes of every name: a terminal title escape (ESC ] … BEL), markup
that Rich and Textual would interpret or choke on (``[/x]`` closes a tag never opened), a carriage
return and an erase-line escape that would rewrite the line, and a right-to-left override."""


def hostile(state: State, params: dict[str, Any]) -> dict[str, str]:
    """The demo project, fault-free, with every name the cloud reports made hostile (HOSTILE_NAME):
    for proving that front ends show cloud text as text."""
    ids = demo(state, params)
    named: list[Image | Server | Vault | Vpc | Subnet | CbrBackup | CsbsBackup] = [
        *state.images.values(),
        *state.servers.values(),
        *state.vaults.values(),
        *state.vpcs.values(),
        *state.subnets.values(),
        *state.cbr_backups.values(),
        *state.csbs_backups.values(),
    ]
    for item in named:
        item.name = HOSTILE_NAME.format(name=item.name)
    for backup in (*state.cbr_backups.values(), *state.csbs_backups.values()):
        backup.resource_name = HOSTILE_NAME.format(name=backup.resource_name)
    return ids


SCENARIOS: dict[str, Callable[[State, dict[str, Any]], dict[str, str]]] = {
    "demo": demo,
    "empty": empty,
    "large": large,
    "hostile": hostile,
}


def seed(state: State, name: str, params: dict[str, Any] | None = None) -> dict[str, str]:
    params = dict(params or {})
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; scenarios: {', '.join(SCENARIOS)}")
    image_quota = _whole(params, "image_quota", 0) if "image_quota" in params else None
    server_quota = _whole(params, "server_quota", 0) if "server_quota" in params else None
    params.pop("image_quota", None), params.pop("server_quota", None)
    state.backup_delete_seconds = float(_whole(params, "backup_delete", 0))
    params.pop("backup_delete", None)
    cbr_only = params.pop("cbr_only", False)
    if not isinstance(cbr_only, bool):
        raise ValueError(f"cbr_only must be true or false, not {cbr_only!r}")
    state.cbr_only_images = cbr_only
    unknown = set(params) - ({"n"} if name == "large" else set())
    if unknown:
        raise ValueError(f"unknown parameter(s) for scenario {name!r}: {', '.join(sorted(unknown))}")
    ids = SCENARIOS[name](state, params)
    if image_quota is not None:
        state.quotas.private_images = image_quota
    if server_quota is not None:
        state.quotas.servers = server_quota
    return ids
