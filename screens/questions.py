"""Questions: the backup service and whether the source ECS still exists (pre-answered from
detection, with the evidence; the user may override), then, if the source is gone, the temporary
server's settings, then the finishing questions. Every Question is rendered generically."""

from __future__ import annotations

from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Header, RadioSet, Select

from screens.base import WizardScreen
from screens.messages import PlanReady, QuestionsReady
from screens.widgets.footer import Footer
from screens.widgets.main_scroll import MainScroll
from screens.widgets.plain import Plain
from screens.widgets.question import UNANSWERED, QuestionField
from wizard.diagnose import Diagnosis
from wizard.questions import Question, answers_from, finishing_questions, repair_questions


class QuestionsScreen(WizardScreen):
    STEP_LABEL = "4/7 Questions"
    SCROLL = "#questions"
    HELP = (
        "Answer what the wizard cannot find out by itself. Defaults come from detection (marked "
        "'(default)', with what was detected below each question); change any of them. Tab moves between "
        "questions, arrows and Enter/Space choose within one, n goes on to the plan."
    )
    BINDINGS = [
        Binding("escape,b", "back", "Back", key_display="Esc"),
        Binding("n", "next", "Next"),
    ]

    def __init__(self, diagnosis: Diagnosis):
        super().__init__()
        self.diagnosis = diagnosis
        self.server_qs: list[Question] | None = None
        self.loading_server = False
        self.remembered: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        # Answers given earlier in this session for this image (back, then forward again).
        self.remembered.update(self.wizard.answers_for(self.diagnosis.image_id))
        yield Header()
        with MainScroll(id="questions"):
            yield Plain(f"How should {self.diagnosis.image_name} be repaired?", classes="screen-title")
            with Vertical(id="repair-qs"):
                for q in repair_questions(self.diagnosis):
                    yield QuestionField(q, self.remembered.get(q.key, UNANSWERED), id=f"field-{q.key}")
            yield Vertical(id="server-qs")
            yield Vertical(id="finishing-qs")
        yield self.more_hint()
        with Horizontal(classes="buttons"):
            yield Button("Back (Esc)", id="back", compact=True)
            yield Button("Next: the plan (n)", id="next", variant="primary", compact=True)
        yield Footer()

    @on(events.Mount)
    async def _ask_first(self) -> None:
        # Not an on_mount override: Textual calls WizardScreen.on_mount itself (every class's
        # handler runs), and that one is not async.
        await self._rebuild()
        self.query_one("#repair-qs RadioSet").focus()

    # -- values ----------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        return {field.question.key: field.value for field in self.query(QuestionField)}

    def remember(self) -> None:
        """Keep the answers in the app, so leaving this screen and coming back keeps them."""
        self.remembered.update(self.values())
        self.wizard.remember_answers(self.diagnosis.image_id, self.remembered)

    def source_exists(self) -> bool:
        return bool(self.query_one("#field-source_exists", QuestionField).value)

    async def _rebuild(self) -> None:
        """Show the server questions only when the source is gone; finishing questions follow."""
        self.remembered.update(self.values())
        exists = self.source_exists()
        server_box = self.query_one("#server-qs", Vertical)
        await server_box.remove_children()
        if not exists:
            if self.server_qs is None:
                await server_box.mount(Plain("Reading flavors and subnets for the temporary ECS…", classes="hint"))
                if not self.loading_server:
                    self.loading_server = True
                    self.wizard.load_server_questions(self, self.diagnosis)
            else:
                await server_box.mount(Plain("The temporary ECS (the source is gone)", classes="section-title"))
                await server_box.mount_all(
                    QuestionField(q, self.remembered.get(q.key, UNANSWERED), id=f"field-{q.key}")
                    for q in self.server_qs
                )
        finishing = self.query_one("#finishing-qs", Vertical)
        await finishing.remove_children()
        await finishing.mount(Plain("At the end", classes="section-title"))
        await finishing.mount_all(
            QuestionField(q, self.remembered.get(q.key, UNANSWERED), id=f"field-{q.key}")
            for q in finishing_questions(exists)
        )

    async def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        if event.radio_set.id == "q-source_exists":
            await self._rebuild()
        self.remember()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.remember()

    async def on_questions_ready(self, message: QuestionsReady) -> None:
        self.server_qs = message.questions
        self.loading_server = False
        await self._rebuild()

    def work_failed(self, name: str | None, error: Any) -> None:
        super().work_failed(name, error)
        self.loading_server = False
        self.query_one("#next", Button).disabled = False

    # -- navigation ------------------------------------------------------------------------------

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.remember()
        self.app.pop_screen()

    @on(Button.Pressed, "#next")
    def action_next(self) -> None:
        if not self.source_exists() and self.server_qs is None:
            self.notify("Still reading the settings for the temporary ECS; a moment please.", severity="warning")
            return
        self.remember()
        values = self.values()
        for field in self.query(QuestionField):
            self.wizard.transcript.answered(field.question.text, field.label_of_value())
        self.answers = answers_from(values)
        self.query_one("#next", Button).disabled = True
        self.wizard.make_plan(self, self.diagnosis, self.answers, self.wizard.fixed_run_id)

    def on_plan_ready(self, message: PlanReady) -> None:
        from screens.overview import OverviewScreen

        self.query_one("#next", Button).disabled = False
        self.app.push_screen(OverviewScreen(self.diagnosis, self.answers, message.plan))
