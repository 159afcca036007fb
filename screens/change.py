"""Change answers: a failed or interrupted run's backup service and, where it makes an ECS, that
ECS's flavor, network, zone and disk type, asked again with the run's answers as the defaults and
the cloud's valid choices (``wizard.change.questions``: the lists preflight checks against). The
steps not yet started are built again (``wizard.change``, as ``ecs-wizard resume RUN_ID --flavor …``
and plain mode do), then the run resumes; a change that would alter a step that has started is
refused, naming that step, and nothing changes."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Header

from screens.base import WizardScreen
from screens.messages import AnswersChanged, QuestionsReady
from screens.widgets.footer import Footer
from screens.widgets.main_scroll import MainScroll
from screens.widgets.plain import Plain
from screens.widgets.question import QuestionField
from wizard.change import refused_answer
from wizard.journal import Run

# The option a refusal names (wizard.remedy.SERVER_OPTIONS) -> the question that answers it.
QUESTION_OF = {"vpc": "network", "subnet": "network", "az": "availability_zone"}


class ChangeAnswersScreen(WizardScreen):
    STEP_LABEL = "Change answers"
    SCROLL = "#change"
    HELP = (
        "Answer again what the run was told: the backup service and, where the run makes an ECS, its "
        "flavor, network, zone and disk type. The choices are what the cloud offers; the run's answers "
        "are the defaults. n rebuilds the steps not yet started with these answers and resumes the run "
        "(billable steps ask again). A change that would alter a step that has already started is "
        "refused, naming that step, and nothing changes. Esc goes back without changing anything."
    )
    BINDINGS = [
        Binding("escape,b", "back", "Back", key_display="Esc"),
        Binding("n", "apply", "Change and resume"),
    ]

    def __init__(self, run: Run):
        super().__init__()
        self.run = run
        self.ready = False

    def compose(self) -> ComposeResult:
        run = self.run
        yield Header()
        with MainScroll(id="change"):
            yield Plain(f"Change the answers of run {run.run_id}", classes="screen-title")
            failed = run.plan.failed_step()
            if failed is not None and failed.error is not None:
                yield Plain(f"It stopped at '{failed.title}': {failed.error.message}", id="why", classes="note")
            yield Plain(
                "The steps not yet started are built again with these answers, then the run resumes.",
                classes="hint",
            )
            with Vertical(id="change-qs"):
                yield Plain("Reading the cloud's choices…", classes="hint")
        yield self.more_hint()
        with Horizontal(classes="buttons"):
            yield Button("Back (Esc)", id="back", compact=True)
            yield Button("Change and resume (n)", id="apply", variant="primary", compact=True, disabled=True)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.wizard.load_change_questions(self, self.run)

    async def on_questions_ready(self, message: QuestionsReady) -> None:
        box = self.query_one("#change-qs", Vertical)
        await box.remove_children()
        await box.mount_all(QuestionField(q, id=f"field-{q.key}") for q in message.questions)
        self.ready = True
        self.query_one("#apply", Button).disabled = False
        self.refresh_bindings()
        fields = list(self.query(QuestionField))
        refused = refused_answer(self.run)
        start = QUESTION_OF.get(refused, refused) if refused else None
        field = next((f for f in fields if f.question.key == start), fields[0])
        field.query_one("#q-" + field.question.key).focus()
        self.call_after_refresh(self._show, field)

    def _show(self, field: QuestionField) -> None:
        """Scroll the field into view once the questions have their size and the "more below" line has
        taken its line from the scroll area (it shows while the content continues below)."""
        self.update_more_hint()
        self.call_after_refresh(field.scroll_visible, animate=False)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "apply":
            return self.ready
        return super().check_action(action, parameters)

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        from wizard import change

        if not self.ready:
            return
        values: dict[str, Any] = {}
        for field in self.query(QuestionField):
            values[field.question.key] = field.value
            self.wizard.transcript.answered(field.question.text, field.label_of_value())
        self.ready = False
        self.query_one("#apply", Button).disabled = True
        self.refresh_bindings()
        self.wizard.change_answers(self, self.run.run_id, change.given(values))

    def on_answers_changed(self, message: AnswersChanged) -> None:
        what = "; ".join(c.text() for c in message.changes) or "nothing (those are its answers already)"
        self.wizard.resume_changed(message.run, f"Changed {what}")

    def work_failed(self, name: str | None, error: Any) -> None:
        """A refusal (the error modal names the step) or a failed read: the answers stay to change again."""
        super().work_failed(name, error)
        self.ready = name == "change-answers"
        self.query_one("#apply", Button).disabled = not self.ready
        self.refresh_bindings()

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.app.pop_screen()
