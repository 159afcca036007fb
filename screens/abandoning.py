"""Abandoning an open run from a screen that shows one (the diagnosis of its image, the welcome
screen's list): a worker lists what the run made with what it keeps costing, one confirmation
(No has the focus) asks, a second worker deletes it all in order under the run's lock
(``wizard.abandon``), and the screen says how it goes. A screen mixes this in and says where its
notice goes (:meth:`say`) and what changes once the run is given up (:meth:`abandoned`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from screens.messages import AbandonDone, AbandonSurveyed, RunEventMessage
from wizard.journal import Run


class AbandonsRuns:
    abandoning = False  # an abandon is under way: no second one, no resume

    wizard: Any
    app: Any
    if TYPE_CHECKING:  # the Screen it is mixed into has it

        def refresh_bindings(self) -> None: ...

    def say(self, text: str) -> None:
        raise NotImplementedError

    def abandoned(self, run: Run) -> None:
        """The run is given up: what offered it goes."""

    def start_abandon(self, run: Run) -> None:
        if not self.abandoning:
            self.wizard.survey_abandon(self, run)

    def on_abandon_surveyed(self, message: AbandonSurveyed) -> None:
        found, run = message.survey, message.run
        count = len(found.to_delete)

        def answered(delete: bool | None) -> None:
            if delete:
                self.abandoning = True
                self.say(f"Abandoning run {run.run_id}: deleting {count} resource(s)...")
                self.refresh_bindings()
                self.wizard.abandon_run(self, run)

        from screens.modals import ConfirmModal  # on demand: the welcome screen is up sooner without it

        what = f"Delete {'this resource' if count == 1 else f'these {count} resources'}" if count else "Give it up"
        self.app.push_screen(
            ConfirmModal(
                f"Abandon run {run.run_id}?",
                "It is given up for good (it cannot be resumed). This cannot be undone."
                if count
                else "It is only marked abandoned, so it cannot be resumed.",
                found.lines(),
                yes=what,
                no="Keep the run",
                danger=bool(count),
            ),
            answered,
        )

    def on_run_event_message(self, message: RunEventMessage) -> None:
        if message.event.message:  # the abandon's progress: what it is deleting, and what is done
            self.say(f"Abandoning run {message.event.run_id}: {message.event.message}")

    def on_abandon_done(self, message: AbandonDone) -> None:
        run, outcome = message.run, message.outcome
        self.abandoning = False
        if outcome.complete:
            self.say(f"Run {run.run_id} was abandoned: {len(outcome.deleted)} resource(s) deleted.")
            self.abandoned(run)
        else:
            self.say(
                f"Run {run.run_id} is not abandoned yet: {len(outcome.remaining)} resource(s) could not be "
                "deleted. Abandon it again (a) to finish; its report lists each one."
            )
        self.refresh_bindings()
