"""Modal screens: help, confirmation of billable/destructive steps, quit during a run, errors,
and the list of runs."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable
from screens.widgets.plain import Plain

from wizard.journal import Run


class HelpModal(ModalScreen[None]):
    """The bindings of the screen underneath, plus what that screen is for."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", key_display="Esc")]

    def __init__(self, screen: Screen):
        super().__init__()
        self.under = screen
        # Read while the screen underneath is still the active one.
        self.rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        from textual.app import App

        # The keys the footer shows first, then the rest (the focused widget's own keys last).
        ordered = sorted(screen.active_bindings.values(), key=lambda a: (not a.binding.show, not isinstance(a.node, (Screen, App))))
        for active in ordered:
            b = active.binding
            key = self.app.get_key_display(b)
            if b.description and key not in seen:
                seen.add(key)
                self.rows.append((key, b.description))

    def compose(self) -> ComposeResult:
        rows = self.rows
        with Vertical(id="help-box", classes="modal-box"):
            yield Plain(f"Help: {self.under.STEP_LABEL or self.under.title or ''}".rstrip(": "), classes="modal-title")
            with VerticalScroll():
                help_text = getattr(self.under, "HELP", "")
                if help_text:
                    yield Plain(help_text, classes="help-text")
                table = DataTable(show_cursor=False, id="help-keys")
                table.add_columns("key", "does")
                for key, what in rows:
                    table.add_row(key, what)
                yield table
                yield Plain("Ctrl+P opens the command palette (export report, runs, theme).", classes="hint")
            yield Plain("Esc closes this help.", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    """Asked before a billable or destructive step; the runner waits for the answer."""

    BINDINGS = [Binding("y", "answer(True)", "Yes, continue"), Binding("n,escape", "answer(False)", "No", key_display="n/Esc")]

    def __init__(self, title: str, text: str, details: list[str], danger: bool = False):
        super().__init__()
        self.title_text, self.text, self.details, self.danger = title, text, details, danger

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="modal-box" + (" danger" if self.danger else "")):
            yield Plain(self.title_text, classes="modal-title")
            yield Plain(self.text)
            for line in self.details:
                yield Plain(line, classes="detail")
            with Horizontal(classes="buttons"):
                yield Button("Yes, continue (y)", id="yes", variant="warning" if self.danger else "primary")
                yield Button("No (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class ErrorModal(ModalScreen[None]):
    """A worker's error in words: what failed, the cloud's code and message, what to do."""

    BINDINGS = [Binding("escape,enter", "close", "Close", key_display="Esc")]

    def __init__(self, what: str, title: str, lines: list[str]):
        super().__init__()
        self.what, self.title_text, self.lines = what, title, lines

    def compose(self) -> ComposeResult:
        with Vertical(id="error-box", classes="modal-box error-panel"):
            yield Plain(f"✗ {self.what}", classes="modal-title")
            yield Plain(self.title_text, classes="error-title")
            for line in self.lines:
                yield Plain(line, classes="detail")
            with Horizontal(classes="buttons"):
                yield Button("Close (Esc)", id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


class RunsModal(ModalScreen[Run | None]):
    """The runs this machine knows; a resumable one can be picked to resume."""

    BINDINGS = [Binding("escape", "close", "Close", key_display="Esc")]

    def __init__(self, runs: list[Run]):
        super().__init__()
        self.runs = runs

    def compose(self) -> ComposeResult:
        with Vertical(id="runs-box", classes="modal-box"):
            yield Plain("Runs on this machine", classes="modal-title")
            if not self.runs:
                yield Plain("No runs yet.")
            table = DataTable(cursor_type="row", id="runs-table")
            table.add_columns("run", "status", "image", "path")
            for run in self.runs:
                status = run.status + (" (resumable)" if run.resumable else "")
                table.add_row(run.run_id, status, run.plan.image_name, run.plan.path_id, key=run.run_id)
            yield table
            yield Plain("Enter resumes a resumable run; Esc closes.", classes="hint")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        run = next((r for r in self.runs if r.run_id == event.row_key.value), None)
        if run is not None and run.resumable:
            self.dismiss(run)
        else:
            self.app.notify("That run cannot be resumed (it finished).", severity="warning")

    def action_close(self) -> None:
        self.dismiss(None)
