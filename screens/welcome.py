"""Welcome: where the wizard is connected (cloud, region, project or demo), whether credentials
were found (never the secrets), and interrupted runs that can be resumed."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, DataTable, Header

from screens.abandoning import AbandonsRuns
from screens.base import WizardScreen
from screens.messages import ConnectionChecked, RunOpened, RunReady, WorldWaiting
from screens.widgets.footer import Footer
from screens.widgets.main_scroll import MainScroll
from screens.widgets.plain import Plain, as_text
from wizard.journal import Run
from wizard.status import StepStatus

INTRO = (
    "Creating ECSs from a full-ECS image is slow when the image was made from an old-format CSBS "
    "backup. This wizard finds out whether an image is affected, asks what it cannot find out itself, "
    "shows the repair path, and then performs it, step by step, with your confirmation before anything "
    "billable or destructive."
)


class WelcomeScreen(AbandonsRuns, WizardScreen):
    STEP_LABEL = "1/7 Welcome"
    SCROLL = "#welcome"
    HELP = (
        "Check where the wizard is connected. Enter starts with choosing an image; "
        "if a run was interrupted, pick it in the list and press r to resume it, h to change its answers "
        "(flavor, network, zone, disk type, backup service) and resume it, or a to abandon it "
        "(what it made is listed with what it costs, and deleted only when you say so); "
        "o opens a run a colleague exported (ecs-wizard runs export)."
    )
    BINDINGS = [
        Binding("enter,n", "start", "Choose image", key_display="Enter"),
        Binding("r", "resume", "Resume"),
        Binding("a", "abandon", "Abandon"),
        # not in the footer, which is full at 80 columns: the hint under the list and Help say it
        Binding("h", "change_answers", "Change answers", show=False),
        Binding("o", "open_export", "Open export"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.resumable: list[Run] = []
        self.shown_width = 0
        self.problem: Any = None  # what the connection check found wrong, once it has run

    def compose(self) -> ComposeResult:
        session = self.wizard.session
        yield Header()
        with MainScroll(id="welcome", classes="busy-target"):
            yield Plain("ECS image repair wizard: fast ECS creation from full-ECS images", classes="screen-title")
            yield Plain(INTRO, classes="intro")
            yield Plain("Cloud", classes="section-title")
            yield Plain(f"  {session.label}", id="where")
            yield Plain(f"  Credentials: {self._credentials()}", id="credentials")
            yield Plain("Connection: checking (one signed call)…", id="connection")
            yield Plain("Interrupted runs", classes="section-title")
            self.resumable = [r for r in session.journal.runs() if r.resumable]
            if self.resumable:
                table: DataTable[Any] = DataTable(cursor_type="row", id="resumable")
                self._fill_runs(table, self.app.size.width - 10)
                yield table
                yield Plain(
                    "Select a run and press r to resume it (or: ecs-wizard resume RUN_ID), h to change "
                    "its answers, or a to abandon it and delete what it made.",
                    classes="hint",
                    id="runs-hint",
                )
            else:
                yield Plain("  none: nothing to resume.", id="no-runs")
            with Vertical(classes="buttons-row"):
                yield Button("Choose an image (Enter)", id="start", variant="primary", compact=True)
        yield self.more_hint()
        yield Footer()

    def _credentials(self) -> str:
        settings = self.wizard.session.settings
        if settings.is_demo:
            return "built-in demo credentials (no cloud account is used)"
        if settings.credentials is None:
            return "NOT FOUND (see: ecs-wizard config show)"
        return settings.credentials.describe()

    def _fill_runs(self, table: DataTable, width: int) -> None:
        """The runs in columns that fit ``width``: long cells wrap onto more lines instead of being
        cut off; the path column is left out when it would squeeze "stopped at" too much."""
        rows = [
            (run.run_id, run.status, run.plan.image_name, run.plan.path_id, self._stopped_at(run))
            for run in self.resumable
        ]
        pad = 2 * table.cell_padding

        def widest(i: int, header: str, cap: int = 1000) -> int:
            return min(cap, max([len(header), *(len(r[i]) for r in rows)]))

        columns = [
            ("run", 0, widest(0, "run")),
            ("status", 1, widest(1, "status")),
            ("image", 2, widest(2, "image", cap=24)),
            ("path", 3, widest(3, "path")),
        ]
        stopped_natural = widest(4, "stopped at")
        if width - sum(w + pad for _, _, w in columns) - pad < min(30, stopped_natural):
            columns.pop()  # no path: the run's report and 'ecs-wizard runs' show it
        rest = width - sum(w + pad for _, _, w in columns) - pad
        columns.append(("stopped at", 4, max(12, min(stopped_natural, rest))))
        self.shown_width = width
        cursor = table.cursor_row
        table.clear(columns=True)
        for header, _, w in columns:
            table.add_column(header, width=w)
        for run, row in zip(self.resumable, rows, strict=True):
            table.add_row(*(as_text(row[i]) if i else row[i] for _, i, _ in columns), key=run.run_id, height=None)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))

    def on_resize(self, event) -> None:
        self.call_after_refresh(self._refit_runs)

    def _refit_runs(self) -> None:
        for table in self.query("#resumable").results(DataTable):
            width = table.scrollable_content_region.width
            if width and width != self.shown_width:
                self._fill_runs(table, width)

    @staticmethod
    def _stopped_at(run: Run) -> str:
        for step in run.plan.steps:
            if step.status != StepStatus.SUCCEEDED:
                return step.title
        return "-"

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self._refit_runs)
        self.query_one("#start", Button).focus()
        self.wizard.transcript.shown(f"Welcome: {self.wizard.session.label}")
        # At once, not after the first refresh: the footer composes its keys over the next few refreshes,
        # and waiting for them put the connection (the emulator's and clients' imports) 0.1 s later
        # (benchmarks.tui_ready); sharing the GIL with the first paint costs less than that wait did.
        self.wizard.connect_session(self)  # checked once a session

    def on_world_waiting(self, message: WorldWaiting) -> None:
        """Demo: another process holds the state directory's world; say who, until it is free."""
        text = f"Connection: waiting: {message.text[:1].upper()}{message.text[1:]}"
        self.query_one("#connection", Plain).update(text)
        self.wizard.transcript.shown(text)

    def on_connection_checked(self, message: ConnectionChecked) -> None:
        """Say "connected" only now that a signed call succeeded; else what is wrong and what to do."""
        self.wizard.start_up_done()
        self.problem = message.problem
        line = self.query_one("#connection", Plain)
        if message.problem is None:
            line.update("Connection: connected (the cloud accepted a signed call)")
            self.wizard.transcript.shown("Connected: the cloud accepted a signed call")
            return
        text = f"Connection: NOT connected: {message.problem.text}.\nWhat to do: {message.problem.fix}"
        line.update(text)
        line.add_class("problem")
        self.wizard.transcript.shown(text.strip())

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_resume()

    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        from screens.picker import PickerScreen

        if self.problem is not None:
            self.notify(
                f"Not connected: {self.problem.text}. Fix the settings (see the welcome screen), then start again.",
                severity="error",
            )
            return
        self.app.push_screen(PickerScreen())

    def action_resume(self) -> None:
        run = self._selected("resume")
        if run is not None and not self.abandoning:
            self.wizard.resume_run(run, self)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("abandon", "change_answers") and (not self.resumable or self.abandoning):
            return False  # offered only beside a run
        return super().check_action(action, parameters)

    def action_abandon(self) -> None:
        run = self._selected("abandon")
        if run is not None:
            self.start_abandon(run)

    def action_change_answers(self) -> None:
        run = self._selected("change")
        if run is not None and not self.abandoning:
            self.wizard.change_answers_of(run)

    def _selected(self, verb: str) -> Run | None:
        if self.problem is not None:
            self.notify(f"Not connected: {self.problem.text}. Fix the settings first.", severity="error")
            return None
        if not self.resumable:
            self.notify(f"There is no interrupted run to {verb}.", severity="warning")
            return None
        table = self.query_one("#resumable", DataTable)
        return self.resumable[min(table.cursor_row, len(self.resumable) - 1)]

    def say(self, text: str) -> None:
        self.query_one("#runs-hint", Plain).update(text)
        self.wizard.transcript.shown(text)

    def abandoned(self, run: Run) -> None:
        self.resumable = [r for r in self.resumable if r.run_id != run.run_id]
        self.query_one("#resumable", DataTable).remove_row(run.run_id)

    def on_run_ready(self, message: RunReady) -> None:
        self.wizard.open_execution(message.run, resumed=True)

    def action_open_export(self) -> None:
        from screens.modals import OpenExportModal

        def chosen(path: str | None) -> None:
            if path:
                self.wizard.transcript.answered("open an exported run", path)
                self.wizard.open_export(self, path)

        self.app.push_screen(OpenExportModal(), chosen)

    def on_run_opened(self, message: RunOpened) -> None:
        from screens.execution import ExecutionScreen

        self.wizard.transcript.shown(f"Run {message.run.run_id} opened from an exported file")
        self.app.push_screen(ExecutionScreen(message.run, start=False, opened=True))
