"""The messages workers send to screens. Workers never touch widgets: they post these.

``StepProgress.can_replace`` lets a newer progress report for the same step replace one still
waiting in the queue, so a flood of progress events costs one repaint, not one per event.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:  # annotations only: the first screen paints before the engine is imported
    from wizard.diagnose import Diagnosis
    from wizard.journal import Run
    from wizard.plan import Plan
    from wizard.questions import Question
    from wizard.runner import RunEvent
    from wizard.steps import Step


@dataclass
class ConnectionChecked(Message, bubble=False):
    """The session's one signed call is done: None if the cloud accepted it, else what is wrong."""

    problem: Any


@dataclass
class WorldWaiting(Message, bubble=False):
    """Demo: another process holds this state directory's demo world; connecting waits for it (``text`` says who)."""

    text: str


@dataclass
class ImagesListed(Message, bubble=False):
    """The project's full-ECS images, before any of them is diagnosed."""

    images: list[Any]


@dataclass
class ScanResult(Message, bubble=False):
    """One image's verdict from the background scan."""

    diagnosis: Diagnosis


@dataclass
class ScanFinished(Message, bubble=False):
    count: int


@dataclass
class DiagnosisReady(Message, bubble=False):
    diagnosis: Diagnosis


@dataclass
class QuestionsReady(Message, bubble=False):
    """Questions whose choices the cloud gave: the temporary ECS's settings (``wizard.questions``), or
    what "Change answers" asks about a run (``wizard.change.questions``)."""

    questions: list[Question]


@dataclass
class AnswersChanged(Message, bubble=False):
    """A run's answers changed (``wizard.change``): the run as its journal now has it, and what changed."""

    run: Run
    changes: list[Any]


@dataclass
class PlanReady(Message, bubble=False):
    plan: Plan


@dataclass
class RunReady(Message, bubble=False):
    """A run from the journal, checked to be resumable here."""

    run: Run


@dataclass
class AbandonSurveyed(Message, bubble=False):
    """What an open run made that still exists (``wizard.abandon.Survey``), before asking to delete it."""

    run: Run
    survey: Any


@dataclass
class AbandonDone(Message, bubble=False):
    """The abandon ended (``wizard.abandon.Outcome``); the run as its journal now has it."""

    run: Run
    outcome: Any


@dataclass
class RunOpened(Message, bubble=False):
    """A run imported from an exported file, to be shown before anyone continues it."""

    run: Run


@dataclass
class RunEventMessage(Message, bubble=False):
    """A runner event other than progress (state changes, outputs, messages)."""

    event: RunEvent


@dataclass
class StepProgress(Message, bubble=False):
    """A progress event: only the newest one per step matters."""

    event: RunEvent

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StepProgress) and message.event.step == self.event.step


def event_message(event: RunEvent) -> Message:
    return StepProgress(event) if event.event == "progress" else RunEventMessage(event)


class Reply:
    """A question from the worker thread, answered on the UI thread.

    The worker blocks in ``wait`` until ``answer`` is called or ``cancelled`` is set (then: no).
    """

    def __init__(self, cancelled: threading.Event):
        self._done = threading.Event()
        self._cancelled = cancelled
        self.value = False

    def answer(self, value: bool) -> None:
        self.value = bool(value)
        self._done.set()

    @property
    def answered(self) -> bool:
        return self._done.is_set()

    def wait(self, poll: float = 0.05) -> bool:
        while not self._done.wait(poll):
            if self._cancelled.is_set():
                return False
        return self.value and not self._cancelled.is_set()


@dataclass
class ConfirmRequest(Message, bubble=False):
    """The runner waits for the user to allow a billable or destructive step."""

    step: Step
    text: str
    reply: Reply = field(repr=False)


@dataclass
class StepGateRequest(Message, bubble=False):
    """Step mode: the runner waits before a step until the user continues."""

    step: Step
    reply: Reply = field(repr=False)


@dataclass
class RunDone(Message, bubble=False):
    """The run worker returned (after its run-finished event)."""

    run: Run
