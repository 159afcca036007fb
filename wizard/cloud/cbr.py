"""CBR: server backup vaults, restore points (checkpoints) and backups (reference §3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wizard.cloud.errors import CloudError, as_not_found, is_malformed_url
from wizard.cloud.models import Backup, BackupTask, Vault
from wizard.cloud.paging import follow_marker

if TYPE_CHECKING:
    from wizard.cloud.http import HttpClient

SERVER_PROVIDER_ID = "0daac4c5-6707-4851-97ba-169e36266b66"
SERVER_RESOURCE_TYPE = "OS::Nova::Server"
PAGE_SIZE = 1000  # the service's largest page


@dataclass
class CbrClient:
    """CBR (v3) calls for one project: vaults, backups (checkpoints), their tasks."""

    http: HttpClient
    project_id: str

    @property
    def _base(self) -> str:
        return f"/v3/{self.project_id}"

    def list_vaults(
        self,
        *,
        object_type: str | None = "server",
        resource_ids: str | None = None,
        name: str | None = None,
        limit: int = 1000,
    ) -> list[Vault]:
        params = {"object_type": object_type, "resource_ids": resource_ids, "name": name, "limit": limit}
        data = self.http.get(f"{self._base}/vaults", params=params)
        return [Vault.from_api(v) for v in data.get("vaults") or []]

    def get_vault(self, vault_id: str) -> Vault:
        return Vault.from_api(self.http.get(f"{self._base}/vaults/{vault_id}")["vault"])

    def list_vaults_by_tags(self, tags: dict[str, str], *, limit: int = 1000) -> list[Vault]:
        """Vaults carrying every tag given: ``POST /v3/{project_id}/vault/resource_instances/action``
        (the vault list has no tag filter; OTC-CBR ``cbr_apis/tags/querying_vault_resources.rst``)."""
        body = {"action": "filter", "limit": str(limit), "tags": [{"key": k, "values": [v]} for k, v in tags.items()]}
        data = self.http.post(f"{self._base}/vault/resource_instances/action", body, idempotent=True)
        vaults = []
        for resource in data.get("resources") or []:
            detail = resource.get("resource_detail")
            detail = detail[0] if isinstance(detail, list) and detail else detail
            if isinstance(detail, dict) and detail.get("id"):
                vaults.append(Vault.from_api(detail))
        return vaults

    def delete_vault(self, vault_id: str) -> None:
        """``DELETE /v3/{project_id}/vaults/{vault_id}``: the vault and every backup in it."""
        self.http.delete(f"{self._base}/vaults/{vault_id}")

    def delete_backup(self, backup_id: str) -> None:
        """``DELETE /v3/{project_id}/backups/{backup_id}``."""
        self.http.delete(f"{self._base}/backups/{backup_id}")

    def create_vault(
        self,
        *,
        name: str,
        size_gb: int,
        server_ids: list[str] | None = None,
        description: str = "",
        tags: dict[str, str] | None = None,
    ) -> Vault:
        body: dict[str, Any] = {
            "vault": {
                "name": name,
                "resources": [_server_resource(s) for s in server_ids or []],
                "billing": {
                    "consistent_level": "crash_consistent",
                    "object_type": "server",
                    "protect_type": "backup",
                    "size": max(10, int(size_gb)),
                },
            }
        }
        if description:
            body["vault"]["description"] = description
        if tags:
            body["vault"]["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
        return Vault.from_api(self.http.post(f"{self._base}/vaults", body)["vault"])

    def add_resources(self, vault_id: str, server_ids: list[str]) -> list[str]:
        body = {"resources": [_server_resource(s) for s in server_ids]}
        # Adding a server that is already there is harmless to repeat.
        data = self.http.post(f"{self._base}/vaults/{vault_id}/addresources", body, idempotent=True)
        return list(data.get("add_resource_ids") or [])

    def create_checkpoint(
        self, *, vault_id: str, server_id: str, name: str, description: str = "", incremental: bool = False
    ) -> dict[str, Any]:
        """Back the server up; returns the restore point (``checkpoint.id`` is not the backup id)."""
        body = {
            "checkpoint": {
                "vault_id": vault_id,
                "parameters": {
                    "resources": [server_id],
                    "name": name,
                    "description": description,
                    "incremental": incremental,
                },
            }
        }
        return self.http.post(f"{self._base}/checkpoints", body)["checkpoint"]

    def get_checkpoint(self, checkpoint_id: str) -> dict[str, Any]:
        """A restore point (``GET /v3/{project_id}/checkpoints/{checkpoint_id}``, OTC-CBR ``cbr_apis/
        restore_points/querying_a_restore_point.rst``); ``status`` is available, deleting, protecting,
        deleted, error-deleting or error. Not found is a 404 on both clouds, as for a backup."""
        try:
            return self.http.get(f"{self._base}/checkpoints/{checkpoint_id}")["checkpoint"]
        except CloudError as error:
            if is_malformed_url(error):
                raise as_not_found(error) from error
            raise

    def list_backups(
        self,
        *,
        checkpoint_id: str | None = None,
        resource_id: str | None = None,
        vault_id: str | None = None,
        status: list[str] | str | None = None,
        name: str | None = None,
        page_size: int = PAGE_SIZE,
    ) -> list[Backup]:
        """Every matching backup, page after page by ``marker`` (a vault may hold more than a page)."""

        def page(marker: str | None) -> list[Backup]:
            return self.list_backups_page(
                limit=page_size,
                marker=marker,
                checkpoint_id=checkpoint_id,
                resource_id=resource_id,
                vault_id=vault_id,
                status=status,
                name=name,
            )

        return list(follow_marker("cbr", page, page_size))

    def list_backups_page(self, *, limit: int = PAGE_SIZE, marker: str | None = None, **filters: Any) -> list[Backup]:
        """One page of ``GET /v3/{project_id}/backups``, after the backup ``marker`` when given."""
        params = {**filters, "limit": limit, "marker": marker}
        data = self.http.get(f"{self._base}/backups", params=params)
        return [Backup.from_cbr(b) for b in data.get("backups") or []]

    def get_backup(self, backup_id: str) -> Backup:
        """One backup; a backup that does not exist raises a 404 :class:`CloudError` on both clouds
        (Huawei Cloud answers 401 "Malformed request url", read as Terraform reads it)."""
        try:
            return Backup.from_cbr(self.http.get(f"{self._base}/backups/{backup_id}")["backup"])
        except CloudError as error:
            if is_malformed_url(error):
                raise as_not_found(error) from error
            raise

    def list_tasks(
        self,
        *,
        resource_id: str | None = None,
        vault_id: str | None = None,
        operation_type: str = "backup",
        status: str | None = None,
        limit: int = 1000,
    ) -> list[BackupTask]:
        """CBR tasks (operation logs), newest first: the running backup of a server is found here."""
        params = {
            "operation_type": operation_type,
            "resource_id": resource_id,
            "vault_id": vault_id,
            "status": status,
            "limit": limit,
        }
        data = self.http.get(f"{self._base}/operation-logs", params=params)
        return [BackupTask.from_api(t) for t in data.get("operation_logs") or []]

    def get_task(self, task_id: str) -> BackupTask:
        return BackupTask.from_api(self.http.get(f"{self._base}/operation-logs/{task_id}")["operation_log"])


def _server_resource(server_id: str) -> dict[str, Any]:
    return {"id": server_id, "type": SERVER_RESOURCE_TYPE, "extra_info": {"exclude_volumes": []}}
