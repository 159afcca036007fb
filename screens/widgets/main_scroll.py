"""A screen's main scroll area. When its size or its content's size changes it tells the screen, which
shows or hides the "more below" line under it (scrolling is watched by the screen itself)."""

from __future__ import annotations

from textual import events
from textual.containers import VerticalScroll


class MainScroll(VerticalScroll):
    def on_resize(self, event: events.Resize) -> None:
        update = getattr(self.screen, "update_more_hint", None)
        if update is not None:
            update()
