"""What every wizard screen shares: the header line, the help keys (? and F1), scrolling the main
content from the start, busy state, and a context text for the help modal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget

from screens.widgets.plain import Plain

if TYPE_CHECKING:
    from screens.app import WizardApp

MORE_BELOW = "▼ more below: PgDn/↓/End"
SCROLL_KEYS = "↑/↓/PgUp/PgDn/Home/End"
SCROLL_HELP = "Scroll the page"


class WizardScreen(Screen):
    BINDINGS = [
        # ? first: the footer shows it; F1 also works where ? is typed into a field (the filter).
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("f1", "help", "Help", key_display="F1"),
        # The page scrolls with these keys whatever has focus (a focused widget that uses the key,
        # like a list or a radio set, still gets it first).
        Binding("up", "scroll_main('up')", SCROLL_HELP, show=False, key_display="↑"),
        Binding("down", "scroll_main('down')", SCROLL_HELP, show=False, key_display="↓"),
        Binding("pageup", "scroll_main('page_up')", SCROLL_HELP, show=False, key_display="PgUp"),
        Binding("pagedown", "scroll_main('page_down')", SCROLL_HELP, show=False, key_display="PgDn"),
        Binding("home", "scroll_main('home')", SCROLL_HELP, show=False, key_display="Home"),
        Binding("end", "scroll_main('end')", SCROLL_HELP, show=False, key_display="End"),
    ]
    STEP_LABEL = ""  # "Step 2 of 7: choose an image"
    HELP = ""  # what this screen is for, shown by the help modal
    SCROLL = ""  # the selector of the screen's main scroll container (a MainScroll), if it has one

    @property
    def wizard(self) -> WizardApp:
        return cast("WizardApp", self.app)

    def on_mount(self) -> None:
        self.sub_title = self.STEP_LABEL
        main = self.main_scroll()
        if main is not None:
            self.watch(main, "scroll_y", self.update_more_hint, init=False)
            self.call_after_refresh(self.update_more_hint)

    def action_help(self) -> None:
        from screens.modals import HelpModal

        self.app.push_screen(HelpModal(self))

    # -- the main scroll container -------------------------------------------------------------

    def main_scroll(self) -> Widget | None:
        if not self.SCROLL:
            return None
        try:
            return self.query_one(self.SCROLL)
        except NoMatches:
            return None

    @staticmethod
    def more_hint() -> Plain:
        """Yield this right after the main scroll container: a line below it, shown while the
        content continues below (the scroll area gives up that line meanwhile; nothing is hidden)."""
        hint = Plain(MORE_BELOW, classes="more-below")
        hint.display = False
        return hint

    def update_more_hint(self, *_: Any) -> None:
        """Show the "more below" line while the main scroll area's content continues below (called
        when it scrolls, and by MainScroll when its size or its content's size changes)."""
        main = self.main_scroll()
        if main is None:
            return
        more = round(main.scroll_y) < main.max_scroll_y
        for hint in self.query(".more-below"):
            hint.display = more

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "scroll_main":
            return bool(self.SCROLL)
        return True

    def action_scroll_main(self, how: str) -> None:
        main = self.main_scroll()
        if main is None:
            return
        # Once the "more below" line hides at the end, the area grows a line and an aim left past the new
        # end would swallow the next step up: aim from where the area can be.
        main.scroll_target_y = min(main.scroll_target_y, main.max_scroll_y)
        {
            "page_down": main.scroll_page_down,
            "page_up": main.scroll_page_up,
            "end": main.scroll_end,
            "home": main.scroll_home,
            "down": main.scroll_down,
            "up": main.scroll_up,
        }[how]()

    def work_failed(self, name: str | None, error: Any) -> None:
        """A worker this screen started failed (the App shows the error); leave the busy state."""
        self.set_busy(False)

    def set_busy(self, busy: bool, message: str = "") -> None:
        for widget in self.query(".busy-target"):
            widget.loading = busy
