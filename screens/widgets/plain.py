"""Static text without markup: ids, messages from the cloud and our own "[ok]" markers are shown
exactly as they are (Textual would read "[ok]" as a style tag), and control characters from the
cloud as their escapes (``\\x1b``: wizard.text.visible), so a name cannot drive the terminal."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.visual import VisualType
from textual.widgets import Static

from wizard.text import visible


def as_text(value: Any) -> Text:
    """Cloud or journal text for a widget that would read a string as markup (a DataTable cell, a
    radio button, an option): ``Text`` with its control characters made visible. Styled ``Text``
    that the screens built themselves passes through unchanged."""
    return value if isinstance(value, Text) else Text(visible(value, lines=True))


class Plain(Static):
    def __init__(self, content: VisualType = "", **kw: Any) -> None:
        kw.setdefault("markup", False)
        super().__init__(visible(content, lines=True) if isinstance(content, str) else content, **kw)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(visible(content, lines=True) if isinstance(content, str) else content, layout=layout)
