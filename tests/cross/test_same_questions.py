"""One question model, two front ends: the TUI and plain mode ask the same questions, with the same
choices, defaults and help, and the same choices made in each lead to the same Answers and Plan.

Each scenario is walked twice on the demo, up to the point where the repair would start (nothing
runs):

* plain mode, with questionary driven by keys through a prompt_toolkit pipe input. What it presents
  is recorded where it hands it to questionary (message, choice titles and descriptions, default)
  and from the lines it printed before the prompt ("detected: ..." evidence, "note: ..." help);
* the TUI, with Textual's Pilot. What it presents is read back from the mounted question widgets
  (the text, the radio buttons or drop-down options, the one marked "(default)" and the one
  preselected, the help line of the chosen option, "Why: ..." and "Detected: ...").

Both also record the ``wizard.questions.Question`` objects they were handed to render. The keys
pressed are decided from what is on screen: "pick choice n" moves from the preselected choice, so a
front end that preselected something else would end with a different answer.
"""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import pytest
import questionary
from prompt_toolkit.output import DummyOutput
from textual.widgets import RadioButton, RadioSet, Select
from textual.widgets._select import SelectOverlay

from screens.app import WizardApp
from screens.widgets.question import QuestionField
from tests.plain.helpers import DOWN, ENTER, UP, move
from tests.ui.helpers import RUN_ID, SIZE, screen_name, settle, text_of, to_questions, wait_for
from wizard.errors import EXIT_NEEDS_CONFIRMATION
from wizard.plain import PlainWizard, run_plain

DEFAULT_MARK = "  (default)"


@dataclass
class Scenario:
    id: str
    image_key: str
    picks: dict[str, int] = field(default_factory=dict)  # question key -> index of the choice to pick
    expect: dict[str, Any] = field(default_factory=dict)  # a few Answers fields ("server.x": a field of server)
    keys: list[str] = field(default_factory=list)  # the questions expected, in order


SERVER_KEYS = ["flavor", "network", "availability_zone", "volume_type"]
SCENARIOS = [
    Scenario(
        "source-exists-cbr",
        "image_old_csbs_server_exists",
        expect={"service": "cbr", "source_exists": True, "server": None},
        keys=["service", "source_exists", "test_launch", "delete_old_image"],
    ),
    Scenario(
        "source-gone-csbs",
        "image_old_csbs_server_deleted",
        {"service": 1},
        expect={"service": "csbs", "source_exists": False, "cleanup": True},
        keys=["service", "source_exists", *SERVER_KEYS, "test_launch", "cleanup", "delete_old_image"],
    ),
    # not the defaults: the smallest flavor, no zone (the value None), another disk type (the
    # drop-down), a test launch, keep the temporary ECS
    Scenario(
        "source-gone-cbr-overrides",
        "image_old_csbs_server_deleted",
        {"flavor": 0, "availability_zone": 2, "volume_type": 0, "test_launch": 1, "cleanup": 1, "delete_old_image": 1},
        expect={
            "service": "cbr",
            "source_exists": False,
            "test_launch": True,
            "cleanup": False,
            "delete_old_image": True,
            "server.flavor_id": "s3.medium.2",
            "server.availability_zone": None,
            "server.volume_type": "SSD",
        },
        keys=["service", "source_exists", *SERVER_KEYS, "test_launch", "cleanup", "delete_old_image"],
    ),
    # the detection overridden: the source exists, the user says it does not
    Scenario(
        "source-exists-overridden",
        "image_old_csbs_server_exists",
        {"source_exists": 1},
        expect={"service": "cbr", "source_exists": False},
        keys=["service", "source_exists", *SERVER_KEYS, "test_launch", "cleanup", "delete_old_image"],
    ),
]


@dataclass
class Shown:
    """One question as a front end presented it."""

    key: str
    text: str
    choices: list[str]
    default: str | None  # the choice presented as the default
    preselected: str | None  # the choice the cursor / selection starts on
    choice_help: str  # the help shown for the preselected choice
    help: str
    evidence: list[str]


@dataclass
class Walk:
    shown: list[Shown] = field(default_factory=list)
    rendered: list[dict[str, Any]] = field(default_factory=list)  # the Question objects handed to the renderer
    answered: list[str] = field(default_factory=list)  # the transcript's answers to these questions
    answers: Any = None
    plan: Any = None


def _strip(prefix: str, text: str) -> str:
    assert text.startswith(prefix), (prefix, text)
    return text[len(prefix) :]


# -- plain mode --------------------------------------------------------------------------------------


def walk_plain(session, keys, monkeypatch, scenario: Scenario) -> Walk:
    walk = Walk()
    stream = io.StringIO()
    current: dict[str, Any] = {}
    real_select, real_confirm = questionary.select, questionary.confirm
    real_ask_question, real_ask_answers, real_show_plan = (
        PlainWizard.ask_question,
        PlainWizard.ask_answers,
        PlainWizard.show_plan,
    )
    image_id = session.emulator.ids[scenario.image_key]

    def ask_question(self, q):
        walk.rendered.append(asdict(q))
        current.update(key=q.key, printed=len(stream.getvalue()))
        try:
            return real_ask_question(self, q)
        finally:
            current.clear()

    def select(message, choices, default=None, **kw):
        if not current:  # the image list
            keys.send_text(move(session, image_id) + ENTER)
            return real_select(message, choices=choices, default=default, **kw)
        printed = stream.getvalue()[current["printed"] :].splitlines()
        start = choices.index(default)
        walk.shown.append(
            Shown(
                current["key"],
                message,
                [c.title for c in choices],
                default.title,
                default.title,
                " ".join((default.description or "").split()),  # wrapped to the terminal: the same words
                " ".join(_strip("  note: ", line) for line in printed if line.startswith("  note: ")),
                [_strip("  detected: ", line) for line in printed if line.startswith("  detected: ")],
            )
        )
        pick = scenario.picks.get(current["key"], start)
        keys.send_text((DOWN * (pick - start) if pick >= start else UP * (start - pick)) + ENTER)
        return real_select(message, choices=choices, default=default, **kw)

    def confirm(message, default=True, **kw):
        # after the plan: no list of API calls, and do not start
        assert message in ("Show the API calls each step makes?", "Start the repair now?"), message
        keys.send_text(ENTER if message.startswith("Show") else "n" + ENTER)
        return real_confirm(message, default=default, **kw)

    def ask_answers(self, d):
        walk.answers = real_ask_answers(self, d)
        texts = {q["text"] for q in walk.rendered}
        walk.answered = [
            e["text"]
            for e in self.transcript.entries
            if e["kind"] == "answered" and e["text"].split(" -> ")[0] in texts
        ]
        return walk.answers

    def show_plan(self, plan):
        walk.plan = plan
        return real_show_plan(self, plan)

    monkeypatch.setattr(questionary, "select", select)
    monkeypatch.setattr(questionary, "confirm", confirm)
    monkeypatch.setattr(PlainWizard, "ask_question", ask_question)
    monkeypatch.setattr(PlainWizard, "ask_answers", ask_answers)
    monkeypatch.setattr(PlainWizard, "show_plan", show_plan)
    try:
        code = run_plain(session, prompt_input=keys, prompt_output=DummyOutput(), stream=stream)
    finally:
        monkeypatch.undo()
    assert code == EXIT_NEEDS_CONFIRMATION, stream.getvalue()
    assert "Not started: nothing was changed." in stream.getvalue()
    return walk


# -- the TUI -----------------------------------------------------------------------------------------


def tui_shown(qf: QuestionField) -> Shown:
    text = text_of(qf.query_one(".question-text"))
    if qf.use_radio:
        buttons = list(qf.query(RadioButton))
        labels = [str(b.label) for b in buttons]
        preselected = next((label for b, label in zip(buttons, labels, strict=True) if b.value), None)
    else:
        select = qf.query_one(Select)
        overlay = select.query_one(SelectOverlay)
        labels = [str(overlay.get_option_at_index(i).prompt) for i in range(overlay.option_count)]
        preselected = text_of(select.query_one("SelectCurrent #label"))
    marked = [label for label in labels if label.endswith(DEFAULT_MARK)]
    assert len(marked) <= 1, labels
    choice_help = text_of(qf.query_one(".choice-help"))
    helps = [_strip("Why: ", text_of(w)) for w in qf.query(".help")]
    return Shown(
        qf.id.removeprefix("field-"),
        text,
        [label.removesuffix(DEFAULT_MARK) for label in labels],
        marked[0].removesuffix(DEFAULT_MARK) if marked else None,
        preselected.removesuffix(DEFAULT_MARK) if preselected is not None else None,
        _strip("→ ", choice_help) if choice_help else "",
        " ".join(helps),
        [_strip("Detected: ", text_of(w)) for w in qf.query(".evidence")],
    )


async def answer(app, pilot, qf: QuestionField, pick: int | None) -> None:
    """Answer one question with the keyboard, as a person would: go to it, move from the choice the
    cursor starts on (the preselected one) to ``pick`` (None: stay), press Enter."""
    q = qf.question
    if qf.use_radio:
        widget = qf.query_one(RadioSet)
        start = widget.pressed_index
    else:
        widget = qf.query_one(Select)
        start = widget.value
    widget.focus()
    await pilot.pause()
    if not qf.use_radio:
        await pilot.press("enter")  # open the drop-down; it highlights the current option
        await pilot.pause()
    target = start if pick is None else pick
    for _ in range(abs(target - start)):
        await pilot.press("down" if target > start else "up")
    await pilot.press("enter")
    await settle(app, pilot)
    assert qf.is_attached and (qf.use_radio or not widget.expanded), q.key


async def walk_tui_async(session, scenario: Scenario) -> Walk:
    walk = Walk()
    app = WizardApp(session, run_id=RUN_ID)
    async with app.run_test(size=SIZE) as pilot:
        await to_questions(app, pilot, session.emulator.ids[scenario.image_key])
        screen = app.screen
        done: list[str] = []
        while True:
            if not screen.source_exists():  # the temporary ECS's questions are read in a worker
                await wait_for(pilot, lambda: bool(screen.query("#field-flavor")))
                await settle(app, pilot)
            qf = next((f for f in screen.query(QuestionField) if f.id.removeprefix("field-") not in done), None)
            if qf is None:
                break
            key = qf.id.removeprefix("field-")
            walk.shown.append(tui_shown(qf))  # as it is when the user comes to it
            walk.rendered.append(asdict(qf.question))
            await answer(app, pilot, qf, scenario.picks.get(key))
            done.append(key)
        assert done == [f.id.removeprefix("field-") for f in screen.query(QuestionField)]  # nothing vanished
        await pilot.press("n")
        await wait_for(pilot, lambda: screen_name(app) == "OverviewScreen")
        walk.answers, walk.plan = app.screen.answers, app.screen.plan
        texts = {q["text"] for q in walk.rendered}
        walk.answered = [
            e["text"] for e in app.transcript.entries if e["kind"] == "answered" and e["text"].split(" -> ")[0] in texts
        ]
    return walk


def walk_tui(session, scenario: Scenario) -> Walk:
    return asyncio.run(walk_tui_async(session, scenario))


# -- the comparison ----------------------------------------------------------------------------------


def normalized_plan(plan) -> dict[str, Any]:
    """The plan without what differs per run: its id (and the names made from it)."""
    data = plan.to_dict()
    short = data.pop("run_id")[:8]
    return json.loads(json.dumps(data).replace(short, "<run>"))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_both_front_ends_ask_the_same_and_plan_the_same(make_session, keys, monkeypatch, scenario):
    plain = walk_plain(make_session(state="plain"), keys, monkeypatch, scenario)
    tui = walk_tui(make_session(state="tui"), scenario)

    # (a) the same questions, in the same order, presented alike
    assert [s.key for s in plain.shown] == [s.key for s in tui.shown] == scenario.keys
    for p, t in zip(plain.shown, tui.shown, strict=True):
        assert p == t, f"question {p.key!r} is presented differently"
        assert p.default is not None and p.preselected == p.default  # the default is what is preselected
        assert p.help, f"question {p.key!r} has no help"
    assert plain.rendered == tui.rendered  # the same Question objects (choice values and help included)

    # (b) the same answers, recorded alike
    assert plain.answers.to_dict() == tui.answers.to_dict()
    answers = plain.answers.to_dict()
    assert {
        k: answers[k] if "." not in k else answers[k.split(".")[0]][k.split(".")[1]] for k in scenario.expect
    } == scenario.expect
    assert plain.answered == tui.answered and len(plain.answered) == len(scenario.keys)

    # (c) the same plan
    assert normalized_plan(plain.plan) == normalized_plan(tui.plan)
    assert tui.plan.run_id == RUN_ID and plain.plan.run_id != RUN_ID  # (the run id really was normalized)
