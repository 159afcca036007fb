"""Path overview: the flowchart with the chosen path marked, the plan's steps with billable and
destructive ones flagged, and (d) the dry-run list of every API call the run will make."""

from __future__ import annotations

import json

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Header, Static

from screens.base import WizardScreen
from screens.widgets.flowchart import FlowchartView
from screens.widgets.footer import Footer
from screens.widgets.main_scroll import MainScroll
from screens.widgets.plain import Plain
from screens.widgets.step_panel import flags
from wizard.diagnose import Diagnosis
from wizard.plan import Plan
from wizard.questions import Answers


def plan_lines(plan: Plan) -> str:
    lines = [f"{n}. {step.title}{flags(step)}" for n, step in enumerate(plan.steps, start=1)]
    return "\n".join(lines)


def api_call_lines(plan: Plan) -> str:
    lines = []
    current = None
    for step, call in plan.api_calls():
        if step is not current:
            current = step
            lines.append(f"{step.title}:")
        note = f"   # {call.note}" if call.note else ""
        lines.append(f"  {call.method} {call.path}{note}")
        if call.body is not None:
            lines.append("    " + json.dumps(call.body, default=str))
    return "\n".join(lines) or "(no calls)"


class OverviewScreen(WizardScreen):
    STEP_LABEL = "5/7 The repair path"
    SCROLL = "#overview"
    HELP = (
        "The flowchart of the problem with your path marked '>>' and '▶', and the steps the wizard will "
        "run. Steps marked BILLABLE or DESTRUCTIVE ask for your confirmation before they start. Press d to "
        "see every API call the run will make (a dry run); nothing has been changed in the cloud yet."
    )
    BINDINGS = [
        Binding("escape,b", "back", "Back", key_display="Esc"),
        Binding("d", "toggle_calls", "API calls"),
        Binding("s", "start", "Start"),
    ]

    def __init__(self, diagnosis: Diagnosis, answers: Answers, plan: Plan):
        super().__init__()
        self.diagnosis, self.answers, self.plan = diagnosis, answers, plan

    def compose(self) -> ComposeResult:
        plan = self.plan
        yield Header()
        with MainScroll(id="overview"):
            yield Plain(f"Your path: {plan.path.title}", classes="screen-title", id="path-title")
            yield Plain(f"{plan.image_name} → new image {plan.new_image_name}", id="new-name")
            yield Plain("The steps (nothing has run yet)", classes="section-title")
            yield Plain(plan_lines(plan), id="plan-steps")
            for note in plan.notes:
                yield Plain(f"Note: {note}", classes="note")
            billable = plan.billable()
            yield Plain(
                "Asks before: "
                + (
                    "; ".join(s.title for s in billable) if billable else "nothing (no step is billable or destructive)"
                ),
                id="billable",
            )
            calls = Plain(api_call_lines(plan), id="api-calls")
            calls.display = False
            yield Plain("API calls (dry run)", classes="section-title", id="api-calls-title")
            yield calls
            yield Plain("Flowchart (>> marks your path)", classes="section-title")
            yield FlowchartView(plan.path, id="flowchart")
        yield self.more_hint()
        with Horizontal(classes="buttons"):
            yield Button("Back (Esc)", id="back", compact=True)
            yield Button("Show API calls (d)", id="calls", compact=True)
            yield Button("Start the repair (s)", id="start", variant="primary", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#api-calls-title").display = False
        self.query_one("#start", Button).focus()
        self.wizard.transcript.shown(
            f"Path {self.plan.path_id}: " + "; ".join(s.title + flags(s) for s in self.plan.steps)
        )

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#calls")
    def action_toggle_calls(self) -> None:
        calls = self.query_one("#api-calls", Static)
        calls.display = not calls.display
        self.query_one("#api-calls-title").display = calls.display
        self.query_one("#calls", Button).label = "Hide API calls (d)" if calls.display else "Show API calls (d)"
        if calls.display:
            self.query_one("#api-calls-title").scroll_visible(top=True)

    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        self.wizard.start_run(self.diagnosis, self.answers, self.plan)
