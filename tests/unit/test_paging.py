"""Marker paging (wizard.cloud.paging): pages until a short one, and never loops on a service that
ignores the marker (reference cloud-api.md §10 item 10: the first emulator did, and a client paging by
marker asked for the same first page for ever)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from wizard.cloud.errors import CloudError
from wizard.cloud.paging import follow_marker


@dataclass(frozen=True)
class Row:
    id: str


ROWS = [Row(f"id-{n:02}") for n in range(10)]


def pages_of(size: int, asked: list[str | None]):
    def fetch(marker: str | None) -> list[Row]:
        asked.append(marker)
        start = 0 if marker is None else next(n for n, r in enumerate(ROWS) if r.id == marker) + 1
        return ROWS[start : start + size]

    return fetch


def test_every_row_once_each_page_after_the_last_id_of_the_one_before():
    asked: list[str | None] = []
    assert list(follow_marker("cbr", pages_of(4, asked), 4)) == ROWS
    assert asked == [None, "id-03", "id-07"]  # the third page is short: the end


def test_a_full_last_page_costs_one_empty_page():
    asked: list[str | None] = []
    assert list(follow_marker("cbr", pages_of(5, asked), 5)) == ROWS
    assert asked == [None, "id-04", "id-09"]


def test_a_service_that_ignores_the_marker_is_an_error_not_an_endless_loop():
    asked: list[str | None] = []

    def first_page_always(marker: str | None) -> list[Row]:
        asked.append(marker)
        return ROWS[:4]

    with pytest.raises(CloudError, match="ignored the marker") as error:
        list(follow_marker("cbr", first_page_always, 4))
    assert error.value.service == "cbr" and asked == [None, "id-03"]
