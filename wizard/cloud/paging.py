"""Lists paged by ``marker``: the id of the last record on the previous page (IMS ``GET /v2/cloudimages``,
CBR ``GET /v3/{project_id}/backups``; opentelekomcloud-docs/cloud-backup-recovery api-ref/source/cbr_apis/
backups/querying_all_backups.rst: "ID of the last record displayed on the previous page")."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol, TypeVar

from wizard.cloud.errors import CloudError


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


Item = TypeVar("Item", bound=_HasId)


def follow_marker(service: str, fetch: Callable[[str | None], list[Item]], page_size: int) -> Iterator[Item]:
    """Every item of a marker-paged list: ``fetch(marker)`` gives one page of at most ``page_size``, and pages
    are asked for until one is short. A page that brings back an item already listed means the service did
    not honour the marker; that raises a :class:`CloudError` rather than loop for ever or hide the rest."""
    marker = None
    seen: set[str] = set()
    while True:
        page = fetch(marker)
        if any(item.id in seen for item in page):
            raise CloudError(
                service,
                200,
                "",
                f"The list came back again after marker {marker}: the service ignored the marker, so the list "
                "cannot be read past its first page.",
            )
        seen.update(item.id for item in page)
        yield from page
        if len(page) < page_size or not page:
            return
        marker = page[-1].id
