"""One step of a run as a panel: status icon and word, title, billable/destructive marks, a
progress bar (the cloud's percentage, or indeterminate with the elapsed time), the current action,
the resource ids as they appear, an error panel, and a collapsible log."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.clock import Clock
from textual.containers import Horizontal, Vertical
from textual.widgets import Collapsible, ProgressBar, RichLog, Static

from screens.advice import TUI
from screens.widgets.plain import Plain
from wizard.remedy import StepError
from wizard.report import here_and_cloud
from wizard.runner import RunEvent
from wizard.status import StepStatus
from wizard.steps import Step
from wizard.text import visible

ICONS = {
    StepStatus.PENDING: "[ ]",
    StepStatus.RUNNING: "[..]",
    StepStatus.WAITING: "[??]",
    StepStatus.SUCCEEDED: "[ok]",
    StepStatus.FAILED: "[XX]",
    StepStatus.SKIPPED: "[--]",
    StepStatus.CANCELLED: "[||]",
    StepStatus.TIMED_OUT: "[T!]",
}
WORDS = {  # where the status itself is not the word shown
    StepStatus.WAITING: "waiting for your answer",
    StepStatus.FAILED: "FAILED",
    StepStatus.TIMED_OUT: "TIMED OUT",
}


# A step that stopped: its bar stands still and says why, in words.
STOPPED = {StepStatus.FAILED: "✗ failed", StepStatus.TIMED_OUT: "✗ timed out", StepStatus.CANCELLED: "|| cancelled"}


def shown(value) -> str:
    """An output value as the API writes it: booleans in lowercase (true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def flags(step: Step) -> str:
    marks = []
    if step.billable:
        marks.append("BILLABLE")
    if step.destructive:
        marks.append("DESTRUCTIVE")
    return "  [" + ", ".join(marks) + ": asks first]" if marks else ""


class StepPanel(Vertical):
    DEFAULT_CSS = """
    StepPanel { height: auto; }
    StepPanel .step-bar-row { height: auto; }
    StepPanel ProgressBar { width: auto; }
    StepPanel RichLog { height: 6; }
    """

    def __init__(self, number: int, step: Step, *, frozen: bool = False, clock: Clock | None = None, **kw):
        super().__init__(id=f"step-{step.name}", classes="step-panel", **kw)
        self.number = number
        self.step = step
        self.frozen = frozen
        self.clock = clock
        self.status = StepStatus(step.status)
        self.progress_value: float | None = step.progress
        # (here, cloud) seconds the step has worked and the cloud's speed; from the journal if it ran before
        self.elapsed: tuple[float, float | None, float | None] | None = (
            (step.state["worked"], step.state.get("cloud_worked"), step.state.get("speed"))
            if "worked" in step.state
            else None
        )
        self.message = step.message or ""
        self.error: StepError | None = step.error
        self.outputs: list[str] = []

    # -- composition ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Plain(self._header(), classes="step-header")
        with Horizontal(classes="step-bar-row"):
            yield ProgressBar(total=100, show_eta=False, clock=self.clock, classes="step-bar")
            yield Plain("", classes="step-elapsed")
        yield Plain(self.message, classes="step-action")
        yield Plain("", classes="step-resources")
        yield Plain("", classes="error-panel step-error")
        with Collapsible(title="log", collapsed=True, classes="step-log"):
            # wrapped, not cut at the panel's edge; Text, so nothing in a message is read as markup
            yield RichLog(max_lines=500, auto_scroll=True, wrap=True, markup=False, min_width=1)

    def on_mount(self) -> None:
        self._refresh_all()

    # -- state -----------------------------------------------------------------------------------

    def _header(self) -> str:
        icon = ICONS.get(self.status, "[ ]")
        return f"{icon} {self.number}. {self.step.title}  ({WORDS.get(self.status, self.status)}){flags(self.step)}"

    @staticmethod
    def _resource_line(resource: dict) -> str:
        name = f" ({resource['name']})" if resource.get("name") else ""
        return f"{resource.get('type', 'resource')}: {resource.get('id')}{name}"

    def _refresh_all(self) -> None:
        self.set_class(self.status == StepStatus.RUNNING, "-running")
        self.set_class(self.status == StepStatus.SUCCEEDED, "-succeeded")
        self.set_class(self.status.stopped_on_error, "-failed")
        self.set_class(self.status == StepStatus.WAITING, "-waiting")
        self.set_class(self.status == StepStatus.PENDING, "-pending")
        self.query_one(".step-header", Static).update(self._header())
        bar = self.query_one(ProgressBar)
        row = self.query_one(".step-bar-row")
        active = self.status not in (StepStatus.PENDING, StepStatus.SKIPPED)
        row.display = active
        stopped = self.status in STOPPED
        if self.status == StepStatus.SUCCEEDED:
            bar.update(total=100, progress=100)
        elif stopped:
            # A stopped step's bar stands still: where the cloud's percentage was, else empty.
            bar.update(total=100, progress=self.progress_value or 0)
        elif self.progress_value is not None:
            bar.update(total=100, progress=self.progress_value)
        elif self.status == StepStatus.RUNNING:
            bar.update(total=None)
        for percentage in bar.query("#percentage"):
            percentage.display = not (stopped and self.progress_value is None)
        elapsed = f"  {STOPPED[self.status]}" if stopped else ""
        if self.elapsed is not None and not self.frozen:
            took = "took" if self.status == StepStatus.SUCCEEDED else "elapsed"
            elapsed += f"  {took} {here_and_cloud(*self.elapsed)}"
        self.query_one(".step-elapsed", Static).update(elapsed)
        resources = self.resource_lines()
        self.query_one(".step-resources", Static).update("\n".join(resources))
        self.query_one(".step-resources").display = bool(resources)
        error = self.error
        panel = self.query_one(".step-error", Static)
        if error and self.status.stopped_on_error:
            panel.update(self._error_text(error))
            panel.display = True
        else:
            panel.display = False
        self.query_one(".step-log").display = self.status != StepStatus.PENDING
        action = self.query_one(".step-action", Static)
        action.update(f"→ {self.message}" if self.message else "")
        # A failed step's message is its error, shown once, in the error panel.
        action.display = bool(self.message) and self.status != StepStatus.PENDING and not panel.display

    @staticmethod
    def _error_text(error: StepError) -> str:
        """The code, the message, the request id and what to do, each once (the runner keeps them apart)."""
        service = (error.service or "").upper()
        head = "✗ " + (f"{service} error" if service else "Error") + (f" {error.code}" if error.code else "")
        lines = [f"{head}: {error.message}"]
        if error.request_id:
            lines.append(f"  request id: {error.request_id}")
        if error.remedy:
            lines.append(f"  what to do: {TUI.say(error.remedy)}")
        return "\n".join(lines)

    def log_line(self, text: str) -> None:
        self.query_one(RichLog).write(Text(visible(text)))  # messages quote the cloud: text, never terminal codes

    def apply(self, event: RunEvent) -> None:
        """Take one runner event for this step."""
        kind = event.event
        if event.status:  # every step event carries the step's status at that moment
            self.status = StepStatus(event.status)
        if kind in ("progress", "step-succeeded") and event.progress is not None:
            self.progress_value = event.progress
        if "elapsed" in event.data:
            self.elapsed = (event.data["elapsed"], event.data.get("cloud_elapsed"), event.data.get("speed"))
        if kind == "step-succeeded" and "seconds" in event.data:
            self.elapsed = (event.data["seconds"], event.data.get("cloud_seconds"), event.data.get("speed"))
        if event.message and kind in ("progress", "step-succeeded", "message", "step-failed"):
            self.message = event.message
        if kind == "step-failed":
            self.error = StepError.from_dict(event.data | {"message": event.message})
        if kind == "step-started":
            self.error = None
        if kind == "output":
            self._add_outputs(event.data.get("outputs") or {})
        if kind != "progress":
            self.log_line(self._log_text(event))
        self._refresh_all()

    def _add_outputs(self, outputs: dict) -> None:
        """Each new output as a "key: value" line; nested values (the checks) are shown elsewhere."""
        for key, value in outputs.items():
            line = f"{key}: {shown(value)}"
            if not isinstance(value, dict) and line not in self.outputs:
                self.outputs.append(line)

    def _log_text(self, event: RunEvent) -> str:
        text = event.event
        if event.message:
            text += f": {event.message}"
        if event.event == "output":
            text += ": " + ", ".join(
                f"{k}={shown(v)}" for k, v in (event.data.get("outputs") or {}).items() if not isinstance(v, dict)
            )
        if event.data.get("code"):
            text += f" [{event.data['code']}]"
        return text

    def resource_lines(self) -> list[str]:
        """Ids the step recorded (read from the step the runner fills in) and its outputs."""
        lines = [self._resource_line(r) for r in list(self.step.resources)]
        ids = {r.get("id") for r in list(self.step.resources)}
        lines += [line for line in self.outputs if line.split(": ", 1)[-1] not in ids]
        return lines
