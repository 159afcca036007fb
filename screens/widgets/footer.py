"""The wizard's footer: Textual's, rebuilt once however often the bindings change before it is, and
not at all when the keys it would show are the ones it shows.

Textual's footer schedules a rebuild of all its keys whenever the screen says its bindings may have
changed, which it says on every focus change; the welcome screen, which moves focus while it mounts,
rebuilt and restyled the same keys several times before it said "connected" (issue 15: 5 rebuilds
and 55 key restylings, a tenth of the main thread's time until ready).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter

Keys = tuple[tuple[str, str, str, bool, str], ...]


class Footer(TextualFooter):
    """Textual's footer with fewer rebuilds (its ``bindings_changed``, as of Textual 8.2, plus the
    two checks)."""

    _shown: Keys | None = None
    _rebuild_pending = False

    @staticmethod
    def _keys(screen: Screen) -> Keys:
        return tuple(
            (binding.key, binding.description, binding.action, enabled, tooltip)
            for (_, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show
        )

    def compose(self) -> ComposeResult:
        self._rebuild_pending = False
        if self._bindings_ready:
            self._shown = self._keys(self.screen)
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if self._rebuild_pending or self._keys(screen) == self._shown:
            return  # a rebuild already waits for the next refresh, or nothing it shows changed
        self._rebuild_pending = True
        self.call_after_refresh(self.recompose)
