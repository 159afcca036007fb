"""ECS: show/create/delete servers, jobs, flavors; plus the VPC and subnet lists (reference §4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wizard.cloud.errors import CloudError
from wizard.cloud.models import Flavor, Job, Network, Server

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

    def to_body(self) -> dict[str, Any]:
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
        return {"server": server}


@dataclass
class EcsClient:
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
    http: HttpClient
    project_id: str

    def list_vpcs(self) -> list[Network]:
        data = self.http.get(f"/v1/{self.project_id}/vpcs")
        return [Network.from_api(v) for v in data.get("vpcs") or []]

    def list_subnets(self, vpc_id: str | None = None) -> list[Network]:
        data = self.http.get(f"/v1/{self.project_id}/subnets", params={"vpc_id": vpc_id})
        return [Network.from_api(s) for s in data.get("subnets") or []]
