"""Diagnosis: the verdict in plain words, the evidence read field by field, and what it means. An
image that is not affected ends here, with what to look at instead."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Header

from screens.abandoning import AbandonsRuns
from screens.base import WizardScreen
from screens.messages import RunReady
from screens.widgets.evidence import EvidenceTable
from screens.widgets.footer import Footer
from screens.widgets.main_scroll import MainScroll
from screens.widgets.plain import Plain
from wizard import flowchart, ownership
from wizard.diagnose import Diagnosis
from wizard.journal import Run


class DiagnosisScreen(AbandonsRuns, WizardScreen):
    STEP_LABEL = "3/7 Diagnosis"
    SCROLL = "#diagnosis"
    HELP = (
        "The verdict and every fact it rests on: which field was read, its value, the API call it came "
        "from and what it means. An affected image continues to the questions; any other image ends here "
        "with what to look at instead. An image with an open repair (interrupted, failed or running) offers "
        "that run to resume (r) rather than a second repair, to change its answers and resume (h), or to "
        "abandon it (a): what it made is listed with what it costs, and deleted only when you say so."
    )
    BINDINGS = [
        Binding("escape,b", "back", "Back", key_display="Esc"),
        Binding("n", "next", "Next"),
        Binding("r", "resume_open", "Resume"),
        Binding("h", "change_open", "Answers"),
        Binding("a", "abandon_open", "Abandon"),
    ]

    def __init__(self, diagnosis: Diagnosis):
        super().__init__()
        self.diagnosis = diagnosis
        self.open_run: Run | None = None

    def compose(self) -> ComposeResult:
        d = self.diagnosis
        if d.affected:  # one open repair per image: its run is offered first
            session = self.wizard.session
            runs = ownership.open_runs(session.journal, d.image_id, session.clients.project_id)
            self.open_run = runs[0] if runs else None
        yield Header()
        with MainScroll(id="diagnosis"):
            yield Plain(f"Image {d.image_name} ({d.image_id})", classes="screen-title")
            verdict = Plain(f"{d.verdict.icon} {d.summary}", id="verdict", classes="verdict")
            verdict.set_class(d.affected, "-affected")
            verdict.set_class(d.verdict.unaffected, "-fine")
            yield verdict
            if self.open_run is not None:
                described = ownership.describe_open_run(self.wizard.session.journal, self.open_run)
                yield Plain(
                    f"This image has an open repair: run {described}. Resume it (r) to go on where it stopped, "
                    "change its answers (h), or abandon it (a) to delete what it made; Next starts a second "
                    "repair, which makes a second image.",
                    id="open-run",
                )
            yield Plain("Evidence", classes="section-title")
            yield EvidenceTable(d.evidence, id="evidence")
            server = d.source_server
            if server is not None:
                exists = {True: "still exists", False: "was deleted", None: "could not be determined"}[server.exists]
                status = f", status {server.status}" if server.status else ""
                yield Plain(
                    f"Source ECS: {server.name or '(name unknown)'} ({server.id}) {exists}{status}", id="source-server"
                )
            n = flowchart.node(d.verdict.node)
            yield Plain("Explanation", classes="section-title")
            yield Plain(flowchart.explained(n), id="explanation")
            yield Plain("What to do" if d.affected else "What to look at instead", classes="section-title")
            yield Plain(d.advice, id="advice")
        yield self.more_hint()
        with Horizontal(classes="buttons"):
            if d.affected:  # else "Choose another image" is the one button that goes back (Esc)
                yield Button("Back (Esc)", id="back", compact=True)
            if self.open_run is not None:
                # short words: five buttons fit 80 columns (the notice above names the run and each key)
                yield Button("Resume (r)", id="resume-open", variant="primary", compact=True)
                yield Button("Answers (h)", id="change-open", compact=True)
                yield Button("Abandon (a)", id="abandon-open", compact=True)
            if d.affected:
                yield Button(
                    "Next (n)" if self.open_run is not None else "Next: questions (n)",
                    id="next",
                    variant="default" if self.open_run is not None else "primary",
                    compact=True,
                )
            else:
                yield Button("Choose another image (Esc)", id="another", variant="primary", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        d = self.diagnosis
        self.wizard.transcript.shown(f"Diagnosis of {d.image_name} ({d.image_id}): {d.summary} {d.advice}")
        focus = "#resume-open" if self.open_run is not None else "#next" if d.affected else "#another"
        self.query_one(focus, Button).focus()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "next" and not self.diagnosis.affected:
            return False
        if action in ("resume_open", "change_open", "abandon_open") and (self.open_run is None or self.abandoning):
            return False
        return super().check_action(action, parameters)

    @on(Button.Pressed, "#resume-open")
    def action_resume_open(self) -> None:
        if self.open_run is not None:
            self.wizard.resume_run(self.open_run, self)  # checked in a worker; RunReady opens it

    @on(Button.Pressed, "#change-open")
    def action_change_open(self) -> None:
        if self.open_run is not None:
            self.wizard.change_answers_of(self.open_run)

    @on(Button.Pressed, "#abandon-open")
    def action_abandon_open(self) -> None:
        """List what the open run made and what it costs (a worker asks the cloud), then ask once."""
        if self.open_run is not None:
            self.start_abandon(self.open_run)

    def say(self, text: str) -> None:
        self.query_one("#open-run", Plain).update(text)
        self.wizard.transcript.shown(text)

    def abandoned(self, run: Run) -> None:
        self.open_run = None
        self.query("#resume-open, #change-open, #abandon-open").remove()
        self.query_one("#next", Button).focus()

    def on_run_ready(self, message: RunReady) -> None:
        self.wizard.open_execution(message.run, resumed=True)

    @on(Button.Pressed, "#back, #another")
    def action_back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#next")
    def action_next(self) -> None:
        if not self.diagnosis.affected:
            return
        from screens.questions import QuestionsScreen

        self.app.push_screen(QuestionsScreen(self.diagnosis))
