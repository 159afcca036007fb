"""One Question of the shared question model, rendered generically: the text, the choices (radio
buttons for a few, a drop-down for many) with the default preselected, the help and the evidence
behind the default."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import RadioButton, RadioSet, Select, Static

from screens.widgets.plain import Plain, as_text
from wizard.questions import Choice, Question

RADIO_LIMIT = 4
FOCUS_MARK = {True: "▶ ", False: "  "}  # beside the question being answered
UNANSWERED = object()  # no earlier answer to restore (None is a real value: "let the cloud choose")


class MarkedRadioButton(RadioButton):
    """A radio button whose state shows in its shape (filled or empty), not only in its colour."""

    BUTTON_INNER = " "

    def watch_value(self) -> None:
        self.BUTTON_INNER = "●" if self.value else " "
        super().watch_value()


class QuestionRadioSet(RadioSet):
    """A RadioSet whose keyboard highlight starts on the pressed button (the default), as plain mode's
    cursor starts on the default: Enter or Space on a freshly focused question keeps the default.
    (RadioSet itself highlights its first button on mount, after this class's handlers ran.)"""

    def on_mount(self) -> None:
        self.call_next(self._highlight_pressed)

    def _highlight_pressed(self) -> None:
        if self.pressed_index >= 0:
            self._selected = self.pressed_index


class QuestionField(Vertical):
    DEFAULT_CSS = "QuestionField { height: auto; }"

    def __init__(self, question: Question, value: Any = UNANSWERED, **kw: Any) -> None:
        super().__init__(classes="question", **kw)
        self.question = question
        values = [c.value for c in question.choices]
        self.initial = value if value is not UNANSWERED and value in values else question.default
        self.use_radio = len(question.choices) <= RADIO_LIMIT

    def compose(self) -> ComposeResult:
        q = self.question
        with Horizontal(classes="question-head"):
            yield Plain(FOCUS_MARK[False], classes="focus-mark")
            yield Plain(q.text, classes="question-text")
        with Vertical(classes="question-body"):  # indented under the text, past the marker
            index = self._index(self.initial)
            if self.use_radio:
                with QuestionRadioSet(id=f"q-{q.key}"):
                    for n, choice in enumerate(q.choices):
                        label = choice.label + ("  (default)" if choice.value == q.default else "")
                        yield MarkedRadioButton(as_text(label), value=(n == index))
            else:
                options = [
                    (as_text(c.label + ("  (default)" if c.value == q.default else "")), n)
                    for n, c in enumerate(q.choices)
                ]
                yield Select(
                    options,
                    value=index if index is not None else Select.NULL,
                    allow_blank=index is None,
                    id=f"q-{q.key}",
                )
            chosen = q.choices[index] if index is not None else None
            yield Plain(self._choice_help(chosen), classes="choice-help")
            if q.help:
                yield Plain(f"Why: {q.help}", classes="help")
            for line in q.evidence:
                yield Plain(f"Detected: {line}", classes="evidence")

    def _index(self, value: Any) -> int | None:
        for n, choice in enumerate(self.question.choices):
            if choice.value == value:
                return n
        return None

    @staticmethod
    def _choice_help(choice: Choice | None) -> str:
        return f"→ {choice.help}" if choice is not None and choice.help else ""

    @property
    def value(self) -> Any:
        q = self.question
        index: int | None
        if self.use_radio:
            index = self.query_one(RadioSet).pressed_index
        else:
            selected = self.query_one(Select).value
            index = selected if isinstance(selected, int) else None  # the options' values are indexes
        if index is None or index < 0:
            return q.default
        return q.choices[index].value

    def label_of_value(self) -> str:
        value = self.value
        return next((c.label for c in self.question.choices if c.value == value), str(value))

    # -- which question has focus: a marker beside its text, not only a shade ---------------------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._mark_focus(True)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self._mark_focus(self.has_focus_within)

    def _mark_focus(self, focused: bool) -> None:
        self.set_class(focused, "-focused")
        for mark in self.query(".focus-mark").results(Plain):
            mark.update(FOCUS_MARK[focused])

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self._update_help()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._update_help()

    def _update_help(self) -> None:
        index = self._index(self.value)
        chosen = self.question.choices[index] if index is not None else None
        self.query_one(".choice-help", Static).update(self._choice_help(chosen))
