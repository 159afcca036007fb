"""The diagnosis evidence as a table: field, value, the API call it was read from, what it means.
A Rich table in a Static, so long cells wrap instead of running off an 80-column screen."""

from __future__ import annotations

from rich import box
from rich.table import Table
from textual.widgets import Static

from wizard.diagnose import Evidence


def evidence_table(evidence: list[Evidence]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
    # Field names are mostly identifiers (__whole_image): keep them whole unless very long.
    table.add_column("field", width=min(16, max([len("field"), *(len(e.field) for e in evidence)])), overflow="fold")
    table.add_column("value", ratio=4, overflow="fold")
    table.add_column("read from", ratio=5, overflow="fold")
    table.add_column("meaning", ratio=5)
    for e in evidence:
        table.add_row(e.field, e.value, e.source, e.meaning)
    return table


class EvidenceTable(Static):
    DEFAULT_CSS = "EvidenceTable { height: auto; padding: 0 1; }"

    def __init__(self, evidence: list[Evidence], **kw):
        super().__init__(evidence_table(evidence), **kw)
        self.evidence = evidence
