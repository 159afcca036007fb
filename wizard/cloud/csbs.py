"""CSBS (v1, "karbor"): check protectable, protect (back up), checkpoint items (reference §2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wizard.cloud.models import Backup

if TYPE_CHECKING:
    from wizard.cloud.http import HttpClient

PROVIDER_ID = "fc4d5750-22e7-4798-8a46-f48f62c4c1da"
SERVER_RESOURCE_TYPE = "OS::Nova::Server"


@dataclass(frozen=True)
class Protectable:
    """Whether CSBS can back a server up, with the cloud's reason when it cannot."""

    server_id: str
    ok: bool
    code: str | None
    message: str | None


@dataclass
class CsbsClient:
    """CSBS (v1) calls for one project."""

    http: HttpClient
    project_id: str

    @property
    def _base(self) -> str:
        return f"/v1/{self.project_id}"

    def check_protectable(self, server_id: str) -> Protectable:
        body = {"check_protectable": [{"resource_id": server_id, "resource_type": SERVER_RESOURCE_TYPE}]}
        data = self.http.post(f"{self._base}/providers/{PROVIDER_ID}/resources/action", body, idempotent=True)
        for item in data.get("protectable") or []:
            if item.get("resource_id") in (server_id, None):
                from wizard.cloud.models import to_bool

                return Protectable(
                    server_id, to_bool(item.get("result")) is True, item.get("error_code"), item.get("error_msg")
                )
        return Protectable(server_id, False, None, "the service did not answer for this server")

    def protect(
        self,
        server_id: str,
        *,
        backup_name: str,
        description: str = "",
        incremental: bool = False,
        tags: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Create a backup; returns the checkpoint (its id is the backup *record*, not the backup)."""
        protect: dict[str, Any] = {
            "backup_name": backup_name,
            "description": description,
            "incremental": incremental,
            "resource_type": SERVER_RESOURCE_TYPE,
        }
        if tags:
            protect["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
        body = {"protect": protect}
        return self.http.post(f"{self._base}/providers/{PROVIDER_ID}/resources/{server_id}/action", body)["checkpoint"]

    def list_checkpoint_items(
        self,
        *,
        checkpoint_id: str | None = None,
        resource_id: str | None = None,
        status: str | None = None,
        name: str | None = None,
        limit: int = 1000,
    ) -> list[Backup]:
        params = {
            "checkpoint_id": checkpoint_id,
            "resource_id": resource_id,
            "status": status,
            "name": name,
            "limit": limit,
        }
        data = self.http.get(f"{self._base}/checkpoint_items", params=params)
        items = [Backup.from_csbs(b) for b in data.get("checkpoint_items") or []]
        # CSBS matches ``name`` fuzzily (opentelekomcloud-docs/cloud-server-backup-service api-ref/source/
        # api_description/backup_management/querying_all_backups.rst): the exact name is matched here.
        return [b for b in items if name is None or b.name == name]

    def list_checkpoint_items_by_tags(self, tags: dict[str, str], *, limit: int = 1000) -> list[Backup]:
        """Backups carrying every tag given: ``POST /v1/{project_id}/csbs_backup/resource_instances/action``
        (OTC-CSBS ``tag_management/querying_backup_resources_by_tag.rst``)."""
        body = {"action": "filter", "limit": str(limit), "tags": [{"key": k, "values": [v]} for k, v in tags.items()]}
        data = self.http.post(f"{self._base}/csbs_backup/resource_instances/action", body, idempotent=True)
        return [
            Backup.from_csbs(r["resource_detail"])
            for r in data.get("resources") or []
            if isinstance(r.get("resource_detail"), dict)
        ]

    def delete_checkpoint(self, checkpoint_id: str) -> None:
        """``DELETE /v1/{project_id}/providers/{provider_id}/checkpoints/{checkpoint_id}``: the backup
        record and its backup (asynchronous on the cloud)."""
        self.http.delete(f"{self._base}/providers/{PROVIDER_ID}/checkpoints/{checkpoint_id}")

    def get_checkpoint_item(self, backup_id: str) -> Backup:
        return Backup.from_csbs(self.http.get(f"{self._base}/checkpoint_items/{backup_id}")["checkpoint_item"])
