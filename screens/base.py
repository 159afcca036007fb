"""What every wizard screen shares: the header line, the help key, busy state, and a context text
for the help modal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.screen import Screen

if TYPE_CHECKING:
    from screens.app import WizardApp


class WizardScreen(Screen):
    BINDINGS = [Binding("question_mark", "help", "Help", key_display="?")]
    STEP_LABEL = ""  # "Step 2 of 7: choose an image"
    HELP = ""  # what this screen is for, shown by the help modal

    @property
    def wizard(self) -> "WizardApp":
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.sub_title = self.STEP_LABEL

    def action_help(self) -> None:
        from screens.modals import HelpModal

        self.app.push_screen(HelpModal(self))

    def work_failed(self, name: str | None, error: Any) -> None:
        """A worker this screen started failed (the App shows the error); leave the busy state."""
        self.set_busy(False)

    def set_busy(self, busy: bool, message: str = "") -> None:
        for widget in self.query(".busy-target"):
            widget.loading = busy
