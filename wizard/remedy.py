"""What the user can do next, as data, and a failed step's error that carries it.

The engine names the action (resume, run again with another answer, choose CBR, ...), its
parameters and the reason in plain words; it never writes a command. Each front end phrases the
action its own way: the command line, the console, plain mode, the journal and the report print
the command (:class:`CommandLine`), the TUI names its key or screen (``screens.advice``). So a
changed wording cannot silently break a front end, the way rewriting prose by pattern could.

A remedy reads ``{reason}{joint}{what to do}[; {outcome}].``, e.g. "The ECS quota is used up:
delete an unused ECS or raise the quota, then resume the run (ecs-wizard resume 3f2a...)."
This module imports nothing from the wizard, so the journal and the first screen load it cheaply.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    RESUME = "resume"  # continue the run where it stopped, once the reason is dealt with
    FIX_AND_RESUME = "fix-and-resume"  # the cloud's own reason (shown with the error) says what to fix
    RUN_AGAIN = "run-again"  # this run cannot finish: a new run of the image with another answer
    CHANGE_ANSWER = "change-answer"  # nothing has started: answer a question differently
    CHANGE_ON_RESUME = "change-on-resume"  # resume the run with another answer (wizard.change); question: which
    CHOOSE_CBR = "choose-cbr"  # a new run of the image on the CBR path
    ABANDON = "abandon"  # give the run up: delete what it made (wizard.abandon)
    DELETE_TEMP_SERVER = "delete-temp-server"  # a finished run kept its temporary ECS
    TEST_LAUNCH = "test-launch"  # time an ECS made from the new image
    LIST_IMAGES = "list-images"  # find the image among the project's full-ECS images
    LIST_RUNS = "list-runs"  # find the run among the runs this machine knows
    NOTHING = "nothing"  # nothing the wizard can do: the reason says what to look at


@dataclass(frozen=True)
class Remedy:
    action: Action
    reason: str = ""  # why, or what to fix first, in plain words (no commands, no keys)
    outcome: str = ""  # what the action then does, in plain words
    question: str | None = None  # RUN_AGAIN, CHANGE_ANSWER: the question's key (wizard.questions)
    answer: str | None = None  # ... and the answer, as the command line spells it ("no", "cbr")
    run_id: str | None = None
    image_id: str | None = None
    kept_vault: tuple[str, str] | None = None  # (name, id) of a vault the run made, which no cleanup deletes

    @property
    def sentence(self) -> str:
        """The remedy as the command line says it: what journals, reports and plain mode keep."""
        return COMMAND_LINE.say(self)

    def about(self, run_id: str, image_id: str) -> Remedy:
        """The same remedy, for this run of this image (the runner knows them; a step does not)."""
        return replace(self, run_id=self.run_id or run_id, image_id=self.image_id or image_id)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) not in (None, "")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Remedy:
        values = {f.name: data[f.name] for f in fields(cls) if data.get(f.name) is not None}
        values["action"] = Action(values.get("action", Action.NOTHING))
        if "kept_vault" in values:
            values["kept_vault"] = tuple(values["kept_vault"])
        return cls(**values)


def said(text: str | Remedy | None) -> Remedy | None:
    """A remedy given as a finished sentence (an older journal, an error with nothing to offer) is
    a reason with nothing for the wizard to do; no sentence, no remedy."""
    if text is None or isinstance(text, Remedy):
        return text
    return Remedy(Action.NOTHING, text) if text else None


@dataclass
class StepError:
    """Why a step failed, in parts (the cloud's bare message, service, code, request id), so each
    front end shows every part once, and what to do about it."""

    message: str
    remedy: Remedy | None = None
    code: str | None = None
    request_id: str | None = None
    service: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The journal's form: ``remedy`` stays a sentence (as it always was), ``remedy_data`` is the data."""
        return {
            "message": self.message,
            "remedy": self.remedy.sentence if self.remedy else "",
            "code": self.code,
            "request_id": self.request_id,
            "service": self.service,
            "remedy_data": self.remedy.to_dict() if self.remedy else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepError:
        """Also reads journals written before remedies were data (a sentence alone)."""
        data_form = data.get("remedy_data")
        return cls(
            message=data.get("message") or "",
            remedy=Remedy.from_dict(data_form) if data_form else said(data.get("remedy")),
            code=data.get("code"),
            request_id=data.get("request_id"),
            service=data.get("service"),
        )


# -- phrasing ----------------------------------------------------------------------------------------


JOINTS = {
    Action.RESUME: ", then ",
    Action.FIX_AND_RESUME: ", then ",
    Action.RUN_AGAIN: ": ",
    Action.CHANGE_ANSWER: ": ",
    Action.CHANGE_ON_RESUME: ": ",
    Action.DELETE_TEMP_SERVER: ": ",
    Action.TEST_LAUNCH: ": ",
}
"""Between the reason and what to do; any other action: '; '."""


class Phrases:
    """How one front end says a remedy. Subclasses phrase each action (a lower-case clause, or ""
    where the front end offers nothing for it) and say where the run's report lists a resource."""

    def say(self, remedy: Remedy) -> str:
        reason = remedy.reason
        if remedy.action is Action.FIX_AND_RESUME and not reason:
            reason = "Fix the cause the cloud gave above"
        todo = self.clause(remedy)
        text = f"{reason}{JOINTS.get(remedy.action, '; ')}{todo}" if reason and todo else reason or todo
        if remedy.outcome:
            text += f"; {remedy.outcome}"
        text = text[:1].upper() + text[1:]
        command = self.command(remedy)
        if text and not text.endswith((".", "?", "!")) and not (command and text.endswith(command)):
            text += "."  # a bare command at the end stays copyable
        if remedy.kept_vault:
            name, vault_id = remedy.kept_vault
            text += (
                f" The vault this run made, {name} ({vault_id}), is recorded in its journal as created by the "
                f"wizard ({self.report_lists_it(remedy)}); no cleanup deletes vaults, so remove it in the CBR "
                "console if you do not need it."
            )
        return text

    def clause(self, remedy: Remedy) -> str:
        return getattr(self, remedy.action.replace("-", "_"))(remedy)

    def command(self, remedy: Remedy) -> str | None:
        """The command a clause ends with, if it ends with one."""
        return None

    def resume(self, remedy: Remedy) -> str:
        raise NotImplementedError

    def fix_and_resume(self, remedy: Remedy) -> str:
        return self.resume(remedy)

    def run_again(self, remedy: Remedy) -> str:
        raise NotImplementedError

    def change_answer(self, remedy: Remedy) -> str:
        raise NotImplementedError

    def change_on_resume(self, remedy: Remedy) -> str:
        raise NotImplementedError

    def choose_cbr(self, remedy: Remedy) -> str:
        raise NotImplementedError

    def abandon(self, remedy: Remedy) -> str:
        raise NotImplementedError

    def delete_temp_server(self, remedy: Remedy) -> str:
        raise NotImplementedError

    def test_launch(self, remedy: Remedy) -> str:
        raise NotImplementedError

    def list_images(self, remedy: Remedy) -> str:
        raise NotImplementedError

    def list_runs(self, remedy: Remedy) -> str:
        raise NotImplementedError

    def nothing(self, remedy: Remedy) -> str:
        return ""

    def report_lists_it(self, remedy: Remedy) -> str:
        raise NotImplementedError


QUESTION_TEXTS = {
    "service": "Which service should make the new backup?",
    "source_exists": "Does the source ECS still exist?",
}
"""The repair questions' words (``wizard.questions`` asks them), for remedies that name one."""

OPTIONS = {"service": "--service", "source_exists": "--source-exists"}
SERVER_OPTIONS = {
    "flavor": "--flavor",
    "vpc": "--vpc",
    "subnet": "--subnet",
    "az": "--az",
    "volume_type": "--volume-type",
}
"""The temporary ECS's answers a resume can change (``wizard.change``), as the command line names them."""


def change_option(question: str, answer: str | None = None) -> list[str]:
    """The words that change ``question`` (a key of SERVER_OPTIONS) on resume: ``--flavor s3.large.2``,
    or with no answer a placeholder the user replaces with one of the choices the error listed
    (``--flavor FLAVOR``)."""
    return [SERVER_OPTIONS[question], answer or question.upper()]


def bare_command(*words: str) -> str:
    """``ecs-wizard WORDS`` when nothing is known of where it runs (no session, no state directory)."""
    return shlex.join(["ecs-wizard", *words])


class CommandLine(Phrases):
    """The commands that do it: for the CLI, the console, plain mode, journals and reports.

    ``command`` builds ``ecs-wizard WORDS`` with the options that make it work as printed
    (``wizard.reach.Reach.command``: the state directory, the demo or the cloud); without one, the
    bare words (a sentence kept in a journal, which names no state directory)."""

    def __init__(self, command: Callable[..., str] = bare_command):
        self.build = command

    def command(self, remedy: Remedy) -> str | None:
        run = remedy.run_id or "RUN_ID"
        resume = ["resume", *([remedy.run_id] if remedy.run_id else [])]  # no id: the latest
        words: list[str] | None = {
            Action.RESUME: resume,
            Action.FIX_AND_RESUME: resume,
            Action.CHOOSE_CBR: ["run", remedy.image_id or "IMAGE", "--service", "cbr"],
            Action.DELETE_TEMP_SERVER: ["resume", run, "--cleanup"],
            Action.TEST_LAUNCH: ["resume", run, "--test-launch"],
            Action.ABANDON: ["abandon", run],
            Action.LIST_RUNS: ["runs"],
        }.get(remedy.action)
        return self.build(*words) if words is not None else None

    def resume(self, remedy: Remedy) -> str:
        return f"resume the run ({self.command(remedy)})"

    def run_again(self, remedy: Remedy) -> str:
        option = f"{OPTIONS[remedy.question or '']} {remedy.answer}"
        # 'auto' finds the source ECS gone, as the failed run just did
        either = " (or auto)" if (remedy.question, remedy.answer) == ("source_exists", "no") else ""
        return f"run the repair again with {option}{either}"

    def change_answer(self, remedy: Remedy) -> str:
        question = QUESTION_TEXTS[remedy.question or ""]
        return f"answer '{remedy.answer}' to '{question}' ({OPTIONS[remedy.question or '']} {remedy.answer})"

    def change_on_resume(self, remedy: Remedy) -> str:
        run = remedy.run_id or "RUN_ID"
        if remedy.question in SERVER_OPTIONS:
            change = change_option(remedy.question, remedy.answer)
        else:  # no one question: each option, and the user picks
            change = ["/".join(SERVER_OPTIONS.values()), "..."]
        return (
            f"resume the run with another answer ({self.build('resume', run, *change)}), "
            f"or give it up ({self.build('abandon', run)})"
        )

    def choose_cbr(self, remedy: Remedy) -> str:
        return f"use the CBR path instead ({self.command(remedy)})"

    def abandon(self, remedy: Remedy) -> str:
        return f"give the run up and delete what it made ({self.command(remedy)})"

    def delete_temp_server(self, remedy: Remedy) -> str:
        return self.command(remedy) or ""

    def test_launch(self, remedy: Remedy) -> str:
        return self.command(remedy) or ""

    def list_images(self, remedy: Remedy) -> str:
        return f"{self.build('scan')} lists the full-ECS images"

    def list_runs(self, remedy: Remedy) -> str:
        return f"see the runs this machine knows: {self.command(remedy)}"

    def report_lists_it(self, remedy: Remedy) -> str:
        return f"{self.build('report', remedy.run_id or 'RUN_ID')} lists it"


COMMAND_LINE = CommandLine()
