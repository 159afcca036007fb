"""Summary: the new image and its verification, time taken, cleanup and test launch results, what
to do next, and the report export."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Header, Static

from screens.advice import TUI
from screens.base import WizardScreen
from screens.messages import RunReady
from screens.widgets.bar_chart import BarChart
from screens.widgets.footer import Footer
from screens.widgets.main_scroll import MainScroll
from screens.widgets.plain import Plain
from wizard.before_after import TITLE as BEFORE_AFTER_TITLE
from wizard.change import resume_options
from wizard.errors import WizardError
from wizard.journal import Run
from wizard.plan import FOLLOW_UPS, follow_ups
from wizard.report import RunSummary, report_path, write_report
from wizard.status import RunStatus


class SummaryScreen(WizardScreen):
    STEP_LABEL = "7/7 Summary"
    SCROLL = "#summary"
    HELP = (
        "What the run achieved: the new image and its checks, what the optional steps did, and what to "
        "do next. e writes the full report (Markdown) to the reports folder of the state directory (the "
        "full path is at the end of this page); t launches a test ECS from the new image "
        "and times it; d deletes a temporary ECS that was kept (each asks first); q quits."
    )
    BINDINGS = [
        # Short words: every key fits the footer at 80 columns (the buttons and Help say more).
        Binding("e", "export", "Export"),
        Binding("t", "follow_up('test_launch')", "Test launch"),
        Binding("d", "follow_up('delete_temp_server')", "Delete ECS"),
        Binding("escape,b", "back", "Steps", key_display="Esc"),
        Binding("q", "quit_app", "Quit", show=False),
    ]

    def __init__(self, run: Run):
        super().__init__()
        self.run = run
        self.summary = RunSummary.of(run)
        self.exported: Path | None = None

    def compose(self) -> ComposeResult:
        summary = self.summary
        yield Header()
        with MainScroll(id="summary"):
            if summary.succeeded:
                yield Plain(f"[ok] Done: {summary.image_name} has a fast copy.", classes="screen-title", id="headline")
            else:
                yield Plain(self._unfinished_headline(), classes="screen-title", id="headline")
            yield Plain("New image", classes="section-title")
            yield Plain(f"  {summary.new_image_name}\n  id: {summary.new_image_id or '(not created)'}", id="new-image")
            if summary.checks:
                yield Plain("Verification", classes="section-title")
                yield Plain(
                    "\n".join(f"  {'[ok]' if ok else '[XX]'} {name}" for name, ok in summary.checks.items()),
                    id="checks",
                )
            if not self.wizard.frozen:
                yield Plain(f"Time taken: {summary.duration}", id="duration")
            if summary.test_launch is not None:
                yield Plain("Test launch", classes="section-title")
                yield Plain(_indent(summary.test_launch_text()), id="test-launch")
            elif "test_launch" in summary.follow_ups:
                yield Plain("Test launch", classes="section-title")
                yield Plain(
                    "  Not done. t creates an ECS from the new image, times how long it takes to become "
                    "ACTIVE, then deletes it (billable while it exists; asks first).",
                    id="test-launch",
                )
            yield Plain(
                f"Before and after: {BEFORE_AFTER_TITLE[0].lower()}{BEFORE_AFTER_TITLE[1:]}", classes="section-title"
            )
            yield BarChart(summary.before_after, id="before-after")
            yield Plain(_indent("\n".join(summary.before_after.sources())), id="before-after-sources")
            yield Plain("Still costs money", classes="section-title")
            yield Plain(self._costs_text(), id="costs")
            yield Plain("Cleanup", classes="section-title")
            yield Plain(self._cleanup_text(), id="cleanup")
            yield Plain("What to do next", classes="section-title")
            yield Plain(self._next_text(), id="next-steps")
            # In a browser tab (ecs-wizard serve) the file on the server is the tab's own, gone when it closes.
            where = "downloads it to your browser" if self.app.is_web else f"writes it to {self._report_path()}"
            yield Plain(f"Export report (e) {where}", id="exported")
        yield self.more_hint()
        with Horizontal(classes="buttons"):
            yield Button("Export report (e)", id="export", variant="primary", compact=True)
            if "test_launch" in summary.follow_ups:
                yield Button("Test launch (t)", id="test_launch", compact=True)
            if "delete_temp_server" in summary.follow_ups:
                yield Button("Delete temp ECS (d)", id="delete_temp_server", compact=True)  # fits 80 columns
            yield Button("Quit (q)", id="quit", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#export", Button).focus()
        self.wizard.transcript.shown(
            f"Summary: run {self.run.run_id} {self.run.status}; new image {self.run.new_image_id}"
        )
        self.wizard.attach_transcript(self.run)

    def _unfinished_headline(self) -> str:
        """What failed and what to do, in one sentence (the steps screen, Esc, holds r to resume)."""
        summary, resume = self.summary, self._resume_command()
        failed = summary.failed
        if summary.status == RunStatus.FAILED and failed is not None:
            todo = TUI.say(failed.remedy).rstrip(".") if failed.remedy else "fix the cause, then press r to resume"
            return (
                f"[XX] The run failed at '{failed.title}' ({failed.message.rstrip('.')}): "
                f"{todo[:1].lower() + todo[1:]} on the steps screen (Esc), or later: {resume}"
            )
        return f"[||] The run stopped before it finished ({summary.status}): Esc, then r resumes it; or later: {resume}"

    def _resume_command(self) -> str:
        """The resume that works pasted: this session's options, and after a preflight refusal the
        refused answer's option."""
        return self.wizard.session.resume_command(self.run.run_id, *resume_options(self.run))

    def _report_path(self) -> Path:
        return report_path(self.wizard.session.journal, self.run.run_id)

    def _cleanup_text(self) -> str:
        hint = " (d deletes it now)" if "delete_temp_server" in self.summary.follow_ups else ""
        return "\n".join(
            f"  [{mark}] {text}" if mark else f"  {text}" for mark, text in self.summary.cleanup_lines(hint)
        )

    def _costs_text(self) -> str:
        """What keeps costing money after the run, in words (wizard.costs: the report's section too)."""
        billed = self.summary.costs
        return "\n".join([f"  {billed.words()}", *(f"  [$$] {cost.sentence}" for cost in billed.items)])

    def _next_text(self) -> str:
        summary = self.summary
        if summary.succeeded:
            return (
                f"  Create ECSs from image {summary.new_image_id} instead of {summary.image_id}: they build fast now.\n"
                f"  Update launch templates, scripts and auto scaling configurations that name the old image.\n"
                f"  The full record: {self._report_command()}"
            )
        return f"  Resume the run: {self._resume_command()}\n  The full record: {self._report_command()}"

    def _report_command(self) -> str:
        return self.wizard.session.command("report", self.run.run_id)

    @on(Button.Pressed, "#test_launch, #delete_temp_server")
    def follow_up_pressed(self, event: Button.Pressed) -> None:
        self.action_follow_up(event.button.id or "")

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "follow_up":
            return self.run.status == RunStatus.SUCCEEDED and parameters[0] in follow_ups(self.run.plan)
        return super().check_action(action, parameters)

    def action_follow_up(self, kind: str) -> None:
        if self.run.status != RunStatus.SUCCEEDED or kind not in follow_ups(self.run.plan):
            return
        self.wizard.transcript.answered("follow-up", FOLLOW_UPS[kind])
        self.wizard.add_follow_up(self, self.run, kind)

    def on_run_ready(self, message: RunReady) -> None:
        self.wizard.run_follow_up(message.run)

    @on(Button.Pressed, "#export")
    def action_export(self) -> None:
        self.wizard.attach_transcript(self.run)
        try:
            path = write_report(self.run, self.wizard.session.journal)
        except (OSError, WizardError) as error:
            self.query_one("#exported", Static).update(f"[XX] The report could not be written: {error}")
            return
        self.exported = path
        if self.app.is_web:
            self.app.deliver_text(path, save_filename=path.name, mime_type="text/markdown")
            done = f"Report {path.name} sent to your browser as a download"
        else:
            done = f"Report written to {path}"
        self.query_one("#exported", Static).update(f"[ok] {done}")
        self.notify(done)

    def action_back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#quit")
    async def action_quit_app(self) -> None:
        await self.wizard.action_quit()


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
