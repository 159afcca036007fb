"""Modal screens: help, confirmation of billable/destructive steps, quit during a run, errors,
the list of runs, and the file of an exported run to open."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Input

from screens.widgets.plain import Plain, as_text
from wizard.journal import Run


class HelpModal(ModalScreen[None]):
    """The keys of the screen underneath (its own and the app's, not Textual's built-in ones), plus
    what that screen is for."""

    BINDINGS = [Binding("escape,question_mark,f1,q", "close", "Close", key_display="Esc")]

    def __init__(self, screen: Screen):
        super().__init__()
        self.under = screen
        # Read while the screen underneath is still the active one.
        self.rows = help_rows(screen)

    def compose(self) -> ComposeResult:
        rows = self.rows
        label = getattr(self.under, "STEP_LABEL", "") or self.under.title or ""  # a wizard step, or any screen
        with Vertical(id="help-box", classes="modal-box"):
            yield Plain(f"Help: {label}".rstrip(": ") + "   (Esc closes it)", classes="modal-title")
            with VerticalScroll():
                help_text = getattr(self.under, "HELP", "")
                if help_text:
                    yield Plain(help_text, classes="help-text")
                table: DataTable[Text] = DataTable(show_cursor=False, id="help-keys")
                table.add_columns("key", "does")
                for key, what in rows:
                    table.add_row(Text(key), Text(what))
                yield table
                if getattr(self.under, "SCROLL", ""):
                    yield Plain(
                        "PgUp/PgDn, Home/End, ↑/↓: scroll the page (↑/↓ choose within a focused list or question).",
                        classes="hint",
                    )
                yield Plain(
                    "Tab / Shift+Tab: next / previous field or button; Enter presses the focused button.",
                    classes="hint",
                )
                yield Plain("Ctrl+P: the command palette (export report, runs, theme).", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)


def own_bindings(node: DOMNode) -> list[Binding]:
    """The bindings a node's classes from this project declare (not Textual's own classes')."""
    found: list[Binding] = []
    for cls in type(node).__mro__:
        if not cls.__module__.startswith("screens."):
            continue
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding):
                found.extend(Binding.make_bindings([binding]))
    return found


def help_rows(screen: Screen) -> list[tuple[str, str]]:
    """(keys, what they do) for the screen's own keys and the app's, those usable right now; keys
    doing the same thing share a row ("?/F1  Help")."""
    active = screen.active_bindings
    ours = {(b.key, b.action) for node in (screen, screen.app) for b in own_bindings(node)}
    rows: dict[tuple[str, str], list[str]] = {}
    # The keys the footer shows first, then the rest.
    ordered = sorted(active.values(), key=lambda a: not a.binding.show)
    for item in ordered:
        b = item.binding
        if (b.key, b.action) not in ours or not b.description or item.node not in (screen, screen.app):
            continue
        if b.action.startswith("scroll_main"):
            continue  # one line below the table says how the page scrolls
        keys = rows.setdefault((b.action, b.description), [])
        key = screen.app.get_key_display(b)
        if key not in keys:
            keys.append(key)
    return [("/".join(keys), description) for (_, description), keys in rows.items()]


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question (a billable or destructive step, quitting during a run). The buttons say
    what each answer does ("Stop and quit (y)"), not just "Yes" and "No"."""

    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No", key_display="n/Esc")]
    # No has the focus. Textual focuses it as the screen activates: an on_mount query crashed the app when
    # a quick "y" had dismissed the modal before its on_mount ran (seen under load in tests/ui).
    AUTO_FOCUS = "#no"

    def __init__(self, title: str, text: str, details: list[str], *, yes: str, no: str, danger: bool = False):
        """``yes``/``no``: the buttons' labels, saying what each answer does."""
        super().__init__()
        self.title_text, self.text, self.details, self.danger = title, text, details, danger
        self.yes_label, self.no_label = yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="modal-box" + (" danger" if self.danger else "")):
            yield Plain(self.title_text, classes="modal-title")
            yield Plain(self.text)
            for line in self.details:
                yield Plain(line, classes="detail")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes_label} (y)", id="yes", variant="warning" if self.danger else "primary")
                yield Button(f"{self.no_label} (n)", id="no")

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
            table: DataTable[str | Text] = DataTable(cursor_type="row", id="runs-table")
            table.add_columns("run", "status", "image", "path")
            for run in self.runs:
                status = run.status + (" (resumable)" if run.resumable else "")
                table.add_row(run.run_id, status, as_text(run.plan.image_name), run.plan.path_id, key=run.run_id)
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


class OpenExportModal(ModalScreen[str | None]):
    """Which exported run to open: the path of the file ``ecs-wizard runs export`` wrote."""

    BINDINGS = [Binding("escape", "close", "Close", key_display="Esc")]

    def compose(self) -> ComposeResult:
        with Vertical(id="open-export-box", classes="modal-box"):
            yield Plain("Open an exported run", classes="modal-title")
            yield Plain("The file a colleague's 'ecs-wizard runs export RUN_ID' wrote:")
            yield Input(placeholder="path, e.g. ecs-wizard-run-3f9c0a7b12de.json", id="export-path")
            yield Plain("Enter opens it (read only until you continue it); Esc closes.", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        if path:
            self.dismiss(path)

    def action_close(self) -> None:
        self.dismiss(None)
