"""Every cloud call the TUI makes, each in a thread worker that posts messages to the screen that
asked, and the ONE place where a worker's error becomes something a person can read.

The workers belong to the App (not to a screen), so they outlive screen switches, and their
``Worker.StateChanged`` messages all arrive at ``on_worker_state_changed`` below. ``CloudWork`` is
an ``App`` itself (``WizardApp`` derives from it), so its calls on the App are type-checked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from textual import work
from textual.app import App
from textual.message_pump import MessagePump
from textual.worker import Worker, WorkerState, get_current_worker

from screens.advice import TUI
from screens.messages import (
    AbandonDone,
    AbandonSurveyed,
    AnswersChanged,
    ConfirmRequest,
    ConnectionChecked,
    DiagnosisReady,
    ImagesListed,
    PlanReady,
    QuestionsReady,
    Reply,
    RunDone,
    RunOpened,
    RunReady,
    ScanFinished,
    ScanResult,
    StepGateRequest,
    WorldWaiting,
    event_message,
)
from wizard.cloud.errors import CloudError, CloudUnreachable
from wizard.errors import WizardError

P = ParamSpec("P")
R = TypeVar("R")

if TYPE_CHECKING:  # the engine's functions are imported inside the workers, after the first paint
    from wizard.config import Settings
    from wizard.diagnose import Diagnosis
    from wizard.journal import Run
    from wizard.questions import Answers
    from wizard.session import CloudSession
    from wizard.steps import Step


class RunControl:
    """How the UI steers a running Runner from another thread: cancel, confirm, step gates."""

    def __init__(self, target: MessagePump, step_mode: bool = False):
        self.target = target
        self.cancelled = threading.Event()
        self.step_mode = step_mode
        self.pending: list[Reply] = []

    def should_cancel(self) -> bool:
        return self.cancelled.is_set()

    def cancel(self) -> None:
        self.cancelled.set()

    def sleep_for(self, sleep: Callable[[float], None]) -> Callable[[float], None]:
        """The runner's wait between polls; a real-time wait ends at once when cancel is pressed."""
        if sleep is not time.sleep:
            return sleep

        def wait(seconds: float) -> None:
            self.cancelled.wait(seconds)

        return wait

    def confirm(self, step: Step) -> bool:
        from wizard.runner import confirmation_text

        reply = Reply(self.cancelled)
        self.target.post_message(ConfirmRequest(step, confirmation_text(step), reply))
        return reply.wait()

    def gate(self, step: Step) -> bool:
        reply = Reply(self.cancelled)
        self.target.post_message(StepGateRequest(step, reply))
        return reply.wait()


def describe_error(error: BaseException | None, settings: Settings | None = None) -> tuple[str, list[str]]:
    """(title, lines) for an error panel: the cloud's code and message, or the remedy."""
    if isinstance(error, CloudError):
        lines = [
            f"Service: {error.service.upper()}   HTTP status: {error.status}",
            f"Code: {error.code or '-'}",
            f"Message: {error.message}",
        ]
        if error.request_id:
            lines.append(f"Request id: {error.request_id}")
        return f"The cloud answered with an error ({error.code or error.status})", lines
    if isinstance(error, WizardError):
        return error.message, [f"What to do: {TUI.say(error.remedy)}"] if error.remedy else []
    if isinstance(error, CloudUnreachable):
        from wizard.doctor import unreachable_problem

        problem = unreachable_problem(error, settings)
        return "The cloud did not answer", [
            problem.text[:1].upper() + problem.text[1:] + ".",
            f"What to do: {problem.fix}",
        ]
    return f"Unexpected error: {type(error).__name__}", [str(error)]


def cloud_work(name: str, description: str, group: str = "cloud") -> Callable[[Callable[P, R]], Callable[P, Worker[R]]]:
    """A thread worker of ``group`` (a new one cancels the one still running there), whose error reaches
    ``on_worker_state_changed`` rather than ending the app; ``description`` titles that error."""
    return work(thread=True, exit_on_error=False, group=group, exclusive=True, name=name, description=description)


class CloudWork(App[int]):
    """WizardApp's base: the thread workers and their error handler."""

    session: CloudSession

    @work(thread=True, exit_on_error=False, group="connect", name="connect", description="Connecting to the cloud")
    def connect_session(self, target: MessagePump) -> None:
        """Build the clients (and the demo emulator) while the user reads the welcome screen, then make
        the one signed call that shows whether the cloud accepts them (the screen says "connected"
        only after it succeeded). A demo whose world another process holds waits for it: the screen
        says who holds it, and quitting stops the wait."""
        worker = get_current_worker()

        def waiting(text: str) -> None:
            target.post_message(WorldWaiting(text))

        self.session.on_world_wait = waiting
        self.session.stop_waiting = lambda: worker.is_cancelled
        self.session.connect()
        target.post_message(ConnectionChecked(self.session.check_connection()))

    @cloud_work("scan", "Listing and diagnosing the project's full-ECS images", group="scan")
    def scan_images(self, target: MessagePump) -> None:
        from wizard.diagnose import scan

        clients = self.session.clients
        images = list(clients.ims.list_full_ecs_images())
        target.post_message(ImagesListed(images))

        def diagnosed(diagnosis: Diagnosis) -> None:
            target.post_message(ScanResult(diagnosis))

        scan(clients, images=images, concurrency=4, on_result=diagnosed)
        target.post_message(ScanFinished(len(images)))

    @cloud_work("diagnose", "Diagnosing the image")
    def diagnose_image(self, target: MessagePump, ref: str) -> None:
        from wizard.diagnose import diagnose

        target.post_message(DiagnosisReady(diagnose(self.session.clients, ref)))

    @cloud_work("server-questions", "Reading flavors and subnets for the temporary ECS")
    def load_server_questions(self, target: MessagePump, diagnosis: Diagnosis) -> None:
        from wizard.questions import server_questions

        target.post_message(QuestionsReady(server_questions(self.session.clients, diagnosis)))

    @cloud_work("plan", "Planning the repair")
    def make_plan(self, target: MessagePump, diagnosis: Diagnosis, answers: Answers, run_id: str | None = None) -> None:
        from wizard.ownership import planned_names
        from wizard.plan import build_plan

        reserved = planned_names(self.session.journal, diagnosis.image_id)  # a second repair names its copy apart
        plan = build_plan(self.session.clients, diagnosis, answers, run_id=run_id, reserved_names=reserved)
        target.post_message(PlanReady(plan))

    @cloud_work("check-resume", "Checking that the run can be resumed here")
    def check_resumable(self, target: MessagePump, run: Run) -> None:
        self.session.check_resumable_here(run)
        target.post_message(RunReady(run))

    @cloud_work("change-questions", "Reading the cloud's choices for the run's answers")
    def load_change_questions(self, target: MessagePump, run: Run) -> None:
        from wizard.change import questions

        self.session.check_resumable_here(run)
        target.post_message(QuestionsReady(questions(self.session.clients, run)))

    @cloud_work("change-answers", "Changing the run's answers")
    def change_answers(self, target: MessagePump, run_id: str, given: dict[str, Any]) -> None:
        """Rebuild the run's steps not yet started with ``given`` under its lock (``wizard.change``); a
        change that would alter a started step is refused, naming it, and the error modal says so."""
        from wizard.change import change_saved

        run, changes = change_saved(self.session.clients, self.session.journal, run_id, given)
        target.post_message(AnswersChanged(run, changes))

    @cloud_work("open", "Opening the run")
    def open_export(self, target: MessagePump, path: str) -> None:
        """Import the exported run for this session's project (another is refused, naming both)."""
        from pathlib import Path

        from wizard.handover import import_run, read_export

        run = import_run(read_export(Path(path).expanduser()), self.session)
        target.post_message(RunOpened(run))

    @cloud_work("follow-up", "Adding the step to the run")
    def add_follow_up(self, target: MessagePump, run: Run, kind: str) -> None:
        from wizard.diagnose import Diagnosis
        from wizard.plan import add_follow_up

        add_follow_up(run.plan, kind, self.session.clients, Diagnosis.from_dict(run.diagnosis))
        self.session.journal.save(run)
        target.post_message(RunReady(run))

    @cloud_work("abandon-survey", "Listing what the run made")
    def survey_abandon(self, target: MessagePump, run: Run) -> None:
        from wizard.abandon import check_abandonable, survey

        check_abandonable(run)
        self.session.check_resumable_here(run)
        target.post_message(AbandonSurveyed(run, survey(self.session.clients, run)))

    @cloud_work("abandon", "Abandoning the run", group="run")
    def abandon_run(self, target: MessagePump, run: Run) -> None:
        """Delete what ``run`` made, in order, each deletion journaled (``wizard.abandon``), holding its lock."""
        from wizard.ownership import RunLock

        journal = self.session.journal
        with RunLock(journal, run.run_id):
            run = journal.load(run.run_id)  # as it stands now that this process holds it
            abandoner = self.session.abandoner(run, on_event=lambda event: target.post_message(event_message(event)))
            outcome = abandoner.abandon(keep_image=bool((run.abandon or {}).get("keep_image")))
        target.post_message(AbandonDone(journal.load(run.run_id), outcome))

    @cloud_work("run", "Running the repair", group="run")
    def execute(self, target: MessagePump, run: Run, control: RunControl) -> Run:
        runner = self.session.runner(
            run,
            on_event=lambda event: target.post_message(event_message(event)),
            confirm=control.confirm,
            should_cancel=control.should_cancel,
            step_mode=control.gate if control.step_mode else None,
            sleep=control.sleep_for(self.session.sleep),
        )
        result = runner.run()
        target.post_message(RunDone(result))
        return result

    # -- the one place worker errors become readable --------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        worker = event.worker
        title, lines = describe_error(worker.error, self.session.settings)
        from screens.base import WizardScreen
        from screens.modals import ErrorModal

        if isinstance(self.screen, WizardScreen):
            self.screen.work_failed(worker.name, worker.error)
        self.push_screen(ErrorModal(f"{worker.description} failed", title, lines))
