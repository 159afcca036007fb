"""Execution: one panel per step, fed by the runner's events from a thread worker. Billable or
destructive steps wait for a confirmation modal; c/Esc cancels after the current call (the run
stays resumable, r resumes it here); in step mode the run pauses before each step until Enter."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.widgets import Header, Static

from screens.base import WizardScreen
from screens.messages import ConfirmRequest, Reply, RunDone, RunEventMessage, StepGateRequest, StepProgress
from screens.modals import ConfirmModal
from screens.widgets.footer import Footer
from screens.widgets.main_scroll import MainScroll
from screens.widgets.plain import Plain
from screens.widgets.step_panel import StepPanel
from screens.workers import RunControl
from wizard.change import refused_answer
from wizard.journal import Run
from wizard.runner import RunEvent, if_declined, skippable
from wizard.status import RunStatus
from wizard.transcript import event_line

CANCEL_HINT = "Esc/c cancel (stops after the current call; the run stays resumable)"


class ExecutionScreen(WizardScreen):
    STEP_LABEL = "6/7 Running the repair"
    SCROLL = "#steps"
    HELP = (
        "Each step of the path has a panel: its status ([ok], [..], [XX]…), the cloud's progress, what it "
        "is doing now, the ids it created, and a log you can open. Steps marked BILLABLE or DESTRUCTIVE "
        "ask first. c or Esc cancels after the current call; the run stays resumable (r here, or "
        "ecs-wizard resume RUN_ID later). Once a run has stopped unfinished, h changes its answers (flavor, "
        "network, zone, disk type, backup service) for the steps not yet started, then resumes it."
    )
    BINDINGS = [
        Binding("escape,c", "cancel", "Cancel", key_display="Esc/c"),
        # Enter runs the next step while step mode waits, and opens the summary once the run stopped:
        # the footer shows whichever the banner says.
        Binding("enter,space", "continue", "Next step", key_display="Enter"),
        Binding("enter,s", "summary", "Summary", key_display="Enter/s"),
        Binding("r", "resume", "Resume"),
        Binding("h", "change_answers", "Answers"),  # short: the footer fits 80 columns (Help says more)
        Binding("l", "toggle_logs", "Logs"),
    ]

    def __init__(
        self, run: Run, *, resumed: bool = False, start: bool = True, opened: bool = False, opening: str | None = None
    ):
        """``opened``: a run from an exported file, shown as it stands until the user continues it;
        ``opening``: the banner while the run starts (default: starting, or resuming from the journal)."""
        super().__init__()
        self.run = run
        self.opened = opened
        self.resumed = resumed
        self.opening = opening
        self.autostart = start
        self.control: RunControl | None = None
        self.running = False
        self.finished_status: str | None = None
        self.gate: Reply | None = None
        self.modal: ConfirmModal | None = None
        self.quit_when_stopped = False

    # -- composition -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        run = self.run
        yield Header()
        yield Plain(f"Run {run.run_id}: {run.plan.path.title}", id="run-title", classes="screen-title")
        yield Plain("", id="banner")
        with MainScroll(id="steps"):
            for n, step in enumerate(run.plan.steps, start=1):
                yield StepPanel(n, step, frozen=self.wizard.frozen, clock=self.wizard.progress_clock)
        yield self.more_hint()
        yield Plain(CANCEL_HINT, id="cancel-hint", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        if self.autostart:
            self.begin()
        elif self.opened:
            self._show_opened()

    def _show_opened(self) -> None:
        run = self.run
        self.finished_status = run.status
        if run.resumable:
            text = f"Opened from an exported file ({run.status}); nothing runs until you press r to continue it."
        else:
            text = f"Opened from an exported file ({run.status}). s: its summary."
        self._banner(text)
        self.query_one("#cancel-hint", Static).update("")
        self.refresh_bindings()

    def panel(self, step_name: str | None) -> StepPanel | None:
        if not step_name:
            return None
        try:
            return self.query_one(f"#step-{step_name}", StepPanel)
        except NoMatches:
            return None

    # -- running -------------------------------------------------------------------------------

    def begin(self) -> None:
        self.control = RunControl(self, step_mode=self.wizard.step_mode)
        self.running = True
        self.finished_status = None
        self.wizard.active_run = self.run
        self._banner(self.opening or ("Starting…" if not self.resumed else "Resuming from the journal…"))
        self.query_one("#cancel-hint", Static).update(CANCEL_HINT)
        self.refresh_bindings()
        self.wizard.execute(self, self.run, self.control)

    def apply_event(self, event: RunEvent) -> None:
        """Show one runner event (also used by tests to show a frozen state)."""
        panel = self.panel(event.step)
        if panel is not None:
            panel.apply(event)
            if event.event == "step-started":
                panel.scroll_visible()
        kind = event.event
        if kind == "run-started":
            if self.opening is None:
                self._banner(f"Run {'resumed' if event.data.get('resumed') else 'started'}.")
            self.opening = None  # a later resume (r) is one
        elif kind == "step-started":
            self._banner(f"Running: {event.title}")
        elif kind == "waiting-for-confirmation":
            self._banner(f"Waiting for your answer: {event.message}")
        elif kind == "run-finished":
            self._finished(event)
        if kind != "progress":
            self.wizard.transcript.shown(event_line(event))

    def on_run_event_message(self, message: RunEventMessage) -> None:
        self.apply_event(message.event)

    def on_step_progress(self, message: StepProgress) -> None:
        self.apply_event(message.event)

    def _finished(self, event: RunEvent) -> None:
        status = event.status or self.run.status
        self.finished_status = status
        run_id = self.run.run_id
        if status == RunStatus.SUCCEEDED:
            text = f"[ok] The run succeeded: {event.message}. Enter or s: summary."
        elif status == RunStatus.CANCELLED:
            text = f"[||] Cancelled: {event.message}. Press r to resume now, or later: ecs-wizard resume {run_id}"
        else:
            failed = self.run.plan.failed_step()
            if failed is not None and failed.error:
                # The error itself (code, message, request id, what to do) is in the step's panel, once.
                code = failed.error.code
                what = f" ({code}; the error is in its panel)" if code else " (the error is in its panel)"
                text = f"[XX] The run failed at '{failed.title}'{what}."
            else:
                where = f" at '{failed.title}'" if failed else ""
                text = f"[XX] The run failed{where}: {event.message}."
            if refused_answer(self.run) is not None:
                text += " h: change the answer, then the run resumes;"
            else:
                text += f" Fix the cause, then press r to retry from that step (or later: ecs-wizard resume {run_id});"
            text += " Enter or s: summary and report."
        self._banner(text)
        self.query_one("#banner").set_class(status != RunStatus.SUCCEEDED, "-problem")

    def on_run_done(self, message: RunDone) -> None:
        self.running = False
        self.control = None
        self.gate = None
        if self.modal is not None and self.modal.is_attached:
            self.modal.dismiss(False)
        self.modal = None
        self.query_one("#cancel-hint", Static).update("")
        self.refresh_bindings()
        self.wizard.run_finished(message.run)
        if self.quit_when_stopped:
            self.wizard.exit_after_run(message.run)
            return
        if message.run.status == RunStatus.SUCCEEDED:
            self.action_summary()

    def work_failed(self, name: str | None, error: Any) -> None:
        super().work_failed(name, error)
        if name == "run":
            self.running = False
            self.control = None
            self._banner(
                "[XX] The run stopped on an unexpected error; its journal is kept. "
                f"Resume: r, or ecs-wizard resume {self.run.run_id}"
            )
            self.refresh_bindings()

    def _banner(self, text: str) -> None:
        self.query_one("#banner", Static).update(text)

    # -- confirmation and step mode ----------------------------------------------------------------

    def on_confirm_request(self, message: ConfirmRequest) -> None:
        step = message.step
        what = "billable" if step.billable else "destructive"
        details = []
        if step.billable:
            details.append("It is BILLABLE: the cloud charges for what it creates while it exists.")
        if step.destructive:
            details.append("It is DESTRUCTIVE: what it deletes cannot be brought back.")
        no = "Skip it" if skippable(self.run.plan, step) else "Stop here"
        details.append(f"{no}: {if_declined(self.run.plan, step)}.")
        self.modal = ConfirmModal(
            f"Confirm a {what} step", message.text, details, yes="Run this step", no=no, danger=step.destructive
        )

        def answered(value: bool | None) -> None:
            self.modal = None
            self.wizard.transcript.answered(message.text, "yes" if value else "no")
            message.reply.answer(bool(value))

        self.app.push_screen(self.modal, answered)

    def on_step_gate_request(self, message: StepGateRequest) -> None:
        self.gate = message.reply
        step = message.step
        n = self.run.plan.steps.index(step) + 1 if step in self.run.plan.steps else "?"
        self._banner(f"Step mode: next is {n}. {step.title}. Press Enter to run it, c to cancel.")
        panel = self.panel(step.name)
        if panel is not None:
            panel.scroll_visible()
        self.refresh_bindings()

    # -- actions ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "cancel":
            return self.running
        if action == "continue":
            return self.gate is not None
        if action == "resume":
            return not self.running and self.finished_status is not None and self.run.resumable
        if action == "change_answers":
            return not self.running and self.finished_status is not None and self.run.resumable
        if action == "summary":
            return not self.running and self.finished_status is not None
        return super().check_action(action, parameters)

    def action_cancel(self) -> None:
        if not self.running or self.control is None:
            return
        self.control.cancel()
        self._banner("Cancelling: the run stops after the current call…")
        self.wizard.transcript.answered("cancel", "cancel requested")

    def action_continue(self) -> None:
        if self.gate is not None:
            gate, self.gate = self.gate, None
            gate.answer(True)
            self._banner("Continuing…")
            self.refresh_bindings()

    def action_resume(self) -> None:
        if self.running or not self.run.resumable:
            return
        self.resumed = True
        self.begin()

    def action_change_answers(self) -> None:
        if not self.running and self.run.resumable:
            self.wizard.change_answers_of(self.run)

    def action_summary(self) -> None:
        from screens.summary import SummaryScreen

        self.app.push_screen(SummaryScreen(self.run))

    def action_toggle_logs(self) -> None:
        from textual.widgets import Collapsible

        collapsibles = list(self.query(Collapsible))
        collapse = not all(c.collapsed for c in collapsibles)
        for c in collapsibles:
            c.collapsed = collapse

    def stop_and_quit(self) -> None:
        """Quit asked during a run: cancel after the current call, then exit with the resume hint."""
        self.quit_when_stopped = True
        if self.running and self.control is not None:
            self.action_cancel()
        else:
            self.wizard.exit_after_run(self.run)
