"""The Textual front end of ecs-wizard: a view of the engine (wizard.*), which does all the cloud
work. ``run_app`` is what the CLI calls for ``ecs-wizard`` and ``ecs-wizard demo``."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import SystemCommand
from textual.binding import Binding
from textual.clock import Clock, MockClock
from textual.screen import Screen

from screens.messages import RunReady
from screens.workers import CloudWork
from wizard.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, WizardError
from wizard.status import RunStatus
from wizard.transcript import Transcript

if TYPE_CHECKING:
    from wizard.diagnose import Diagnosis
    from wizard.journal import Run
    from wizard.plan import Plan
    from wizard.questions import Answers
    from wizard.session import CloudSession


START_UP_LIMIT = 5.0  # seconds; see WizardApp.start_up_done


class WizardApp(CloudWork):
    CSS_PATH = "app.tcss"
    TITLE = "ecs-wizard"
    # Ctrl-C as Ctrl-Q: the wizard's own quit (during a run: stop after the current call, resumable),
    # not Textual's "press ctrl+q to quit" notice.
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self, session: CloudSession, *, step_mode: bool = False, frozen: bool = False, run_id: str | None = None
    ):
        """``frozen``: deterministic screens for snapshots (no wall-clock times, frozen animations);
        ``run_id``: a fixed id for the next run (tests)."""
        super().__init__()
        self.session = session
        session.notify = self.notice
        self.step_mode = step_mode
        self.frozen = frozen
        self.fixed_run_id = run_id
        self.progress_clock: Clock | None = MockClock() if frozen else None
        self.transcript = Transcript()
        self.active_run: Run | None = None
        self.last_status: RunStatus | None = None
        # The questions' answers given in this session, for one image: going back and forward keeps
        # them; choosing another image starts afresh.
        self._answers: tuple[str, dict[str, Any]] | None = None

    collector_off = False  # run_app: the cyclic garbage collector is off until start-up is over

    def on_mount(self) -> None:
        if self.collector_off:  # a connection that never answers does not keep it off
            self.set_timer(START_UP_LIMIT, self.start_up_done)

    def start_up_done(self) -> None:
        """The welcome screen is connected (or :data:`START_UP_LIMIT` seconds passed): the cyclic garbage
        collector runs again if start-up had it off, with what start-up made frozen out of its passes
        (those objects live as long as the app)."""
        if self.collector_off:
            self.collector_off = False
            gc.freeze()
            gc.enable()

    def get_default_screen(self) -> Screen:
        from screens.welcome import WelcomeScreen

        return WelcomeScreen()  # the first screen itself, not pushed over a blank one

    # -- answers kept while the user goes back and forward ------------------------------------------

    def remember_answers(self, image_id: str, values: dict[str, Any]) -> None:
        self._answers = (image_id, dict(values))

    def answers_for(self, image_id: str) -> dict[str, Any]:
        if self._answers is None or self._answers[0] != image_id:
            return {}
        return dict(self._answers[1])

    def forget_answers_unless(self, image_id: str) -> None:
        """A different image was chosen: its questions start from the defaults."""
        if self._answers is not None and self._answers[0] != image_id:
            self._answers = None

    # -- the run's life ----------------------------------------------------------------------------

    def start_run(self, diagnosis: Diagnosis, answers: Answers, plan: Plan) -> None:
        run = self.session.new_run(diagnosis.image_id, diagnosis, answers, plan)
        self.transcript.shown(f"Run {run.run_id} started on path {plan.path_id}")
        self.attach_transcript(run)
        self.open_execution(run)

    def resume_run(self, run: Run, target) -> None:
        """Check in a worker that the run belongs here; RunReady then opens the execution screen."""
        self.check_resumable(target, run)

    def open_execution(self, run: Run, resumed: bool = False) -> None:
        from screens.execution import ExecutionScreen

        self.transcript.shown(f"Run {run.run_id} {'resumed' if resumed else 'opened'}")
        self.push_screen(ExecutionScreen(run, resumed=resumed))

    def run_follow_up(self, run: Run) -> None:
        """A finished run with a follow-up step added: run it on a fresh execution screen, in place
        of the summary and the old execution screen."""
        from screens.execution import ExecutionScreen

        self.transcript.shown(f"Run {run.run_id}: follow-up '{run.plan.steps[-1].title}' added")
        # Not awaited: this is called from the summary's own handler, which the pop would wait on.
        self.pop_screen()
        self.switch_screen(
            ExecutionScreen(run, resumed=True, opening=f"Starting the follow-up '{run.plan.steps[-1].title}'…")
        )

    def change_answers_of(self, run: Run) -> None:
        """Offer a failed or interrupted run's answers to change (``screens.change``)."""
        from screens.change import ChangeAnswersScreen

        self.push_screen(ChangeAnswersScreen(run))

    def resume_changed(self, run: Run, what: str) -> None:
        """The run's answers changed: resume it on a fresh execution screen (its steps were rebuilt), in
        place of the change screen and of the execution screen it was opened from, if any."""
        from screens.execution import ExecutionScreen

        self.transcript.shown(f"Run {run.run_id}: {what}")
        from_execution = len(self.screen_stack) > 1 and isinstance(self.screen_stack[-2], ExecutionScreen)
        screen = ExecutionScreen(run, resumed=True, opening=f"{what}. Resuming…")
        # Not awaited: called from the change screen's own handler, which the pop would wait on.
        self.pop_screen()
        if from_execution:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def run_finished(self, run: Run) -> None:
        self.last_status = run.status
        self.attach_transcript(run)

    def attach_transcript(self, run: Run) -> None:
        if self.execution_running():
            return  # the runner owns the journal while it runs; attached when it stops
        self.transcript.attach(run, self.session.journal)

    def execution_running(self) -> bool:
        from screens.execution import ExecutionScreen

        return any(isinstance(s, ExecutionScreen) and s.running for s in self.screen_stack)

    def exit_code(self) -> int:
        if self.last_status in (None, RunStatus.SUCCEEDED):
            return EXIT_OK
        if self.last_status == RunStatus.CANCELLED:
            return EXIT_INTERRUPTED
        return EXIT_FAILED

    def exit_after_run(self, run: Run) -> None:
        from wizard.change import resume_options

        message = None
        if run.resumable:
            resume = self.session.resume_command(run.run_id, *resume_options(run))
            # one line, never wrapped by Rich: a command pasted from the terminal must not hold a newline
            message = Text(
                f"Run {run.run_id} stopped ({run.status}); resume it with: {resume}",
                no_wrap=True,
                overflow="ignore",
            )
        self.exit(self.exit_code(), return_code=self.exit_code(), message=message)

    # -- quitting -----------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        from screens.execution import ExecutionScreen
        from screens.modals import ConfirmModal

        running = next((s for s in self.screen_stack if isinstance(s, ExecutionScreen) and s.running), None)
        if running is None:
            self.exit(self.exit_code(), return_code=self.exit_code())
            return
        run_id = running.run.run_id

        def answered(quit_now: bool | None) -> None:
            if quit_now:
                running.stop_and_quit()

        self.push_screen(
            ConfirmModal(
                "Quit while the repair runs?",
                f"The run stops after the current call. Everything it created is in the journal; "
                f"resume later with: {self.session.resume_command(run_id)}",
                [],
                yes="Stop and quit",
                no="Keep running",
                danger=True,
            ),
            answered,
        )

    # -- command palette ----------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Export report",
            "Write the current run's report (Markdown) to the reports folder of the state directory",
            self.command_export,
        )
        yield SystemCommand("Open runs", "The runs on this machine; resume an interrupted one", self.command_runs)
        yield SystemCommand(
            "Switch theme (light/dark)", "Toggle between the light and the dark theme", self.command_toggle_theme
        )

    def command_export(self) -> None:
        from wizard.report import write_report

        run = self.active_run
        if run is None:
            self.notify("No run yet: the report is made from a run.", severity="warning")
            return
        if self.execution_running():
            self.notify("The run is still going; export the report when it stops.", severity="warning")
            return
        self.attach_transcript(run)
        try:
            path = write_report(run, self.session.journal)
        except (OSError, WizardError) as error:
            self.notify(f"The report could not be written: {error}", severity="error")
            return
        self.notify(f"Report written to {path}")

    def notice(self, text: str) -> None:
        """What the session has to say (a damaged demo world set aside): a warning, from any thread."""
        try:
            self.call_from_thread(self.notify, text, severity="warning", timeout=15)
        except RuntimeError:  # on the app's own thread, or before it runs
            self.notify(text, severity="warning", timeout=15)

    def command_runs(self) -> None:
        from screens.modals import RunsModal

        def chosen(run: Run | None) -> None:
            if run is None:
                return
            if self.execution_running():
                self.notify("A run is going; cancel it first.", severity="warning")
                return
            self.resume_run(run, self)

        self.push_screen(RunsModal(self.session.journal.runs()), chosen)

    def on_run_ready(self, message: RunReady) -> None:
        self.open_execution(message.run, resumed=True)

    def command_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"


def run_app(session: CloudSession, step_mode: bool = False, collector_off: bool = False) -> int:
    """Run the wizard full-screen; the process exit code (0 ok, 1 failed, 130 interrupted).
    ``collector_off``: the caller turned the cyclic garbage collector off for start-up; the app turns it
    back on once start-up is over (:meth:`WizardApp.start_up_done`)."""
    on_the_terminal = session.notify
    app = WizardApp(session, step_mode=step_mode)
    app.collector_off = collector_off
    try:
        result = app.run()
    finally:
        app.start_up_done()
    session.notify = on_the_terminal  # what closing the session says comes after the screen is gone
    if app.return_code not in (None, 0):
        return app.return_code
    return result if isinstance(result, int) else app.exit_code()
