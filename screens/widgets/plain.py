"""Static text without markup: ids, messages from the cloud and our own "[ok]" markers are shown
exactly as they are (Textual would read "[ok]" as a style tag)."""

from __future__ import annotations

from typing import Any

from textual.visual import VisualType
from textual.widgets import Static


class Plain(Static):
    def __init__(self, content: VisualType = "", **kw: Any) -> None:
        kw.setdefault("markup", False)
        super().__init__(content, **kw)
