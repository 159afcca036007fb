"""ECS: show/create/delete servers, jobs, flavors, availability zones, a create's dry run; plus the VPC
and subnet lists and EVS's disk types (reference §4), which a preflight checks answers against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wizard.cloud.errors import CloudError, DryRunIgnored
from wizard.cloud.models import Flavor, Job, Network, Server, VolumeType

if TYPE_CHECKING:
    from wizard.cloud.http import HttpClient

SERVER_GONE_CODES = frozenset({"Ecs.0114", "Ecs.0614"})


@dataclass(frozen=True)
class ServerSpec:
    """What ``POST /v1/{project_id}/cloudservers`` needs to create one server."""

    name: str
    image_id: str
    flavor_id: str
    vpc_id: str
    subnet_id: str
    root_volume_type: str
    availability_zone: str | None = None
    root_volume_size: int | None = None
    tags: tuple[tuple[str, str], ...] = ()

    def to_body(self, *, dry_run: bool = False) -> dict[str, Any]:
        """The create body; ``dry_run`` asks ECS only to check the request (it answers 202, creating nothing)."""
        server: dict[str, Any] = {
            "imageRef": self.image_id,
            "flavorRef": self.flavor_id,
            "name": self.name,
            "vpcid": self.vpc_id,
            "nics": [{"subnet_id": self.subnet_id}],
            "root_volume": {"volumetype": self.root_volume_type},
            "count": 1,
        }
        if self.root_volume_size:
            server["root_volume"]["size"] = self.root_volume_size
        if self.availability_zone:
            server["availability_zone"] = self.availability_zone
        if self.tags:
            server["server_tags"] = [{"key": k, "value": v} for k, v in self.tags]
        return {"dry_run": True, "server": server} if dry_run else {"server": server}


@dataclass
class EcsClient:
    """ECS calls for one project: servers, flavors, limits, availability zones, jobs."""

    http: HttpClient
    project_id: str

    @property
    def _base(self) -> str:
        return f"/v1/{self.project_id}"

    def get_server(self, server_id: str) -> Server:
        return Server.from_api(self.http.get(f"{self._base}/cloudservers/{server_id}")["server"])

    def find_server(self, server_id: str) -> Server | None:
        """The server, or None when the cloud says it does not exist (404 ``Ecs.0114``)."""
        try:
            return self.get_server(server_id)
        except CloudError as error:
            if error.status == 404 or error.code in SERVER_GONE_CODES:
                return None
            raise

    def list_servers(
        self, *, name: str | None = None, tags: dict[str, str] | None = None, limit: int = 1000
    ) -> list[Server]:
        """``GET /v1/{project_id}/cloudservers/detail`` (``name`` is a fuzzy match on the cloud; ``tags``
        keeps servers with every ``key=value`` given, OTC-ECS ``querying_details_about_ecss.rst``)."""
        params: dict[str, Any] = {"name": name, "limit": limit}
        if tags:
            params["tags"] = ",".join(f"{k}={v}" for k, v in tags.items())
        data = self.http.get(f"{self._base}/cloudservers/detail", params=params)
        return [Server.from_api(s) for s in data.get("servers") or []]

    def create_server(self, spec: ServerSpec) -> tuple[str, list[str]]:
        data = self.http.post(f"{self._base}/cloudservers", spec.to_body())
        return data.get("job_id", ""), list(data.get("serverIds") or [])

    def check_create_server(self, spec: ServerSpec) -> None:
        """Ask ECS whether it would accept this create (``"dry_run": true``): it answers 202 when the
        request is valid (flavor, image, network, quota, permission) and the error it would give otherwise
        (raised as :class:`CloudError`); nothing is created. A cloud that answers with a job has
        ignored the dry run: :class:`DryRunIgnored` names what it started, for the caller to delete.
        (OTC-ECS ``apis_recommended/lifecycle_management/creating_ecss.rst``, ``dry_run``.)"""
        # Sent as a create (not repeated on a 5xx): a cloud that ignored dry_run must not be asked twice.
        response = self.http.request("POST", f"{self._base}/cloudservers", body=spec.to_body(dry_run=True))
        if response.status_code == 202:
            return
        data = response.json() if response.content else {}
        raise DryRunIgnored("ecs", str(data.get("job_id") or ""), [str(s) for s in data.get("serverIds") or []])

    def get_limits(self) -> dict[str, int]:
        """``GET /v1/{project_id}/cloudservers/limits``: the tenant's quotas and their use, the integers of
        ``absolute`` (``maxTotalInstances``, ``totalInstancesUsed``, ``maxTotalCores``, ``totalCoresUsed``,
        ``maxTotalRAMSize``, ``totalRAMUsed`` in MB, ...). OTC-ECS
        ``apis_recommended/tenant_quota_management/querying_tenant_quotas.rst``."""
        absolute = self.http.get(f"{self._base}/cloudservers/limits").get("absolute") or {}
        return {k: v for k, v in absolute.items() if isinstance(v, int) and not isinstance(v, bool)}

    def list_availability_zones(self) -> list[str]:
        """The zones that take new servers: ``GET /v2.1/{project_id}/os-availability-zone``, those whose
        ``zoneState.available`` is true (HWC-ECS ``ecs_03_1801`` "Querying AZs", OTC-ECS the same)."""
        data = self.http.get(f"/v2.1/{self.project_id}/os-availability-zone")
        zones = data.get("availabilityZoneInfo") or []
        return [z["zoneName"] for z in zones if z.get("zoneName") and (z.get("zoneState") or {}).get("available")]

    def delete_servers(self, server_ids: list[str], *, delete_volume: bool = True, delete_publicip: bool = True) -> str:
        body = {
            "servers": [{"id": s} for s in server_ids],
            "delete_publicip": delete_publicip,
            "delete_volume": delete_volume,
        }
        # Deleting twice is harmless, so a lost answer can be retried.
        return self.http.post(f"{self._base}/cloudservers/delete", body, idempotent=True)["job_id"]

    def get_job(self, job_id: str) -> Job:
        return Job.from_api(self.http.get(f"{self._base}/jobs/{job_id}"))

    def list_flavors(self, availability_zone: str | None = None) -> list[Flavor]:
        data = self.http.get(f"{self._base}/cloudservers/flavors", params={"availability_zone": availability_zone})
        return [Flavor.from_api(f) for f in data.get("flavors") or []]


@dataclass
class VpcClient:
    """VPC calls for one project: the networks a temporary server can use."""

    http: HttpClient
    project_id: str

    def list_vpcs(self) -> list[Network]:
        data = self.http.get(f"/v1/{self.project_id}/vpcs")
        return [Network.from_api(v) for v in data.get("vpcs") or []]

    def list_subnets(self, vpc_id: str | None = None) -> list[Network]:
        data = self.http.get(f"/v1/{self.project_id}/subnets", params={"vpc_id": vpc_id})
        return [Network.from_api(s) for s in data.get("subnets") or []]


@dataclass
class EvsClient:
    """EVS calls for one project: the disk types a region offers."""

    http: HttpClient
    project_id: str

    def list_volume_types(self) -> list[VolumeType]:
        """``GET /v2/{project_id}/types`` (HWC-EVS ``evs_04_2071``/``evs_04_3035`` "Querying EVS Disk Types")."""
        data = self.http.get(f"/v2/{self.project_id}/types")
        return [VolumeType.from_api(t) for t in data.get("volume_types") or []]
