"""Plain mode: the whole wizard line by line, for terminals that cannot (or should not) run the full
screen, for screen readers, and for logs.

The flow is the TUI's: choose an image (from a scan, or typed), read the diagnosis with its
evidence, answer the shared questions (``wizard.questions``, defaults pre-selected from detection),
read the repair path, then watch it run with a line per state change and a periodic progress line,
confirming each billable or destructive step. At the end: the new image, its verification checks,
the time taken, and where the report is.

On a terminal the questions are questionary prompts. When standard input or output is not a
terminal (a pipe, a file, ``TERM=dumb``), the same questions are asked as numbered lists read line by
line from standard input, so the wizard can be scripted and never draws cursor art into a log; when
standard input ends before a question is answered, it stops cleanly with nothing changed.

Interrupts are handled once, at the top of ``run_plain``: before execution Ctrl-C changes nothing
(exit 130); during execution the first Ctrl-C lets the runner stop after the current call (the run
stays resumable), a second one stops at once (the journal already holds every id created).
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any, Protocol

from wizard import diagnose as diagnosis_mod
from wizard import errors, flowchart, ownership
from wizard.before_after import TITLE as BEFORE_AFTER_TITLE
from wizard.console import EventPrinter, diagnosis_text, plan_text
from wizard.diagnose import Diagnosis
from wizard.journal import Run
from wizard.plan import Plan, build_plan, follow_up_hints
from wizard.questions import Question, answers_from, finishing_questions, repair_questions, server_questions
from wizard.report import RunSummary, report_path, text_chart, write_report
from wizard.runner import RunEvent, confirmation_text, effect, if_declined
from wizard.status import RunStatus
from wizard.steps import KINDS, Step
from wizard.text import visible
from wizard.transcript import Transcript
from wizard.verdict import Verdict

TYPE_AN_ID = "Type an image id or name"
ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class NoMoreInput(Exception):
    """Standard input ended before a question was answered."""


# -- prompting ---------------------------------------------------------------------------------


class Prompter(Protocol):
    asking: bool  # blocked reading an answer: Ctrl-C must interrupt the read itself

    def select(self, message: str, options: list[tuple[str, str]], default: int) -> int: ...

    def text(self, message: str) -> str: ...

    def confirm(self, message: str, default: bool | None) -> bool: ...


def discard_pending_input(prompt_input: Any) -> None:
    """Throw away keys typed before a question appears, so that they answer only the question they
    were typed for: the Enter after a ``y``, or a key pressed while the run went on, never answers the
    next question by itself (prompt_toolkit keeps keys read past the end of one prompt for the next).
    A terminal's buffer is flushed; anything else (a pipe) is read until it has nothing more."""
    from prompt_toolkit.input.typeahead import clear_typeahead

    clear_typeahead(prompt_input)
    try:
        fd = prompt_input.fileno()
        if os.isatty(fd):
            import termios

            termios.tcflush(fd, termios.TCIFLUSH)
            return
        while select.select([fd], [], [], 0)[0]:
            if not os.read(fd, 4096):
                return
    except (OSError, ValueError, NotImplementedError):
        return  # closed, or no descriptor: nothing is pending


YES_OR_NO = {"y": True, "yes": True, "n": False, "no": False}


def _yes_or_no(answer: str) -> bool | str:
    return answer.strip().lower() in YES_OR_NO or "Type y or n, then Enter."


class QuestionaryPrompter:
    """questionary prompts (always ``unsafe_ask``: Ctrl-C raises, it is handled at the top)."""

    asking = False  # prompt_toolkit puts in its own Ctrl-C handler while it asks

    def __init__(self, prompt_input: Any = None, prompt_output: Any = None, *, colour: bool = True):
        import questionary
        from prompt_toolkit.input import create_input
        from prompt_toolkit.output import ColorDepth

        self.q = questionary
        # One input for every question, so that keys typed ahead can be discarded before each one.
        self.input = prompt_input if prompt_input is not None else create_input()
        self.kwargs: dict[str, Any] = {"input": self.input}
        if prompt_output is not None:
            self.kwargs["output"] = prompt_output
        if not colour:
            # questionary merges its own colours under ours, so every coloured class is overridden,
            # and the terminal is told to use no colour at all.
            self.kwargs["style"] = questionary.Style(
                [
                    ("qmark", "noinherit bold"),
                    ("question", "bold"),
                    ("answer", "noinherit bold"),
                    ("pointer", "bold"),
                    ("highlighted", "reverse"),
                    ("search_success", "noinherit bold"),
                    ("search_none", "noinherit"),
                ]
            )
            self.kwargs["color_depth"] = ColorDepth.DEPTH_1_BIT

    def _ask(self, question: Callable[[], Any], message: str) -> Any:
        """Ask the question ``question()`` builds, once the keys typed before it are discarded."""
        # prompt_toolkit replaces the SIGINT handler while it runs and does not put ours back.
        main = threading.current_thread() is threading.main_thread()
        saved = signal.getsignal(signal.SIGINT) if main else None
        discard_pending_input(self.input)
        try:
            answer = question().unsafe_ask()
        except EOFError:
            raise NoMoreInput(message) from None
        finally:
            if main and signal.getsignal(signal.SIGINT) is not saved and saved is not None:
                signal.signal(signal.SIGINT, saved)
        return answer

    def select(self, message: str, options: list[tuple[str, str]], default: int) -> int:
        choices = [
            self.q.Choice(label, value=i, description=_wrap_description(help_text))
            for i, (label, help_text) in enumerate(options)
        ]
        return self._ask(
            lambda: self.q.select(message, choices=choices, default=choices[default], **self.kwargs), message
        )

    def text(self, message: str) -> str:
        return self._ask(lambda: self.q.text(message, **self.kwargs), message) or ""

    def confirm(self, message: str, default: bool | None) -> bool:
        """Yes or no, with Enter (a ``y`` alone does not answer). ``default`` None: Enter alone does not
        answer either; the question waits for y or n (a step that spends money or deletes)."""
        if default is None:
            answer = self._ask(
                lambda: self.q.text(message, instruction="(y/n)", validate=_yes_or_no, **self.kwargs), message
            )
            return YES_OR_NO[(answer or "").strip().lower()]
        return bool(
            self._ask(lambda: self.q.confirm(message, default=default, auto_enter=False, **self.kwargs), message)
        )


_COMMAND = re.compile(r"ecs-wizard(?: +(?:'[^']*'|[^\s'();`]+))+")
"""A command as ``shlex.join`` writes it (``ecs-wizard resume 3f2a --state-dir '/tmp/my state' --demo``), up to
a bracket, a semicolon or the end of the line."""
_KEEP = "\u00a0"  # a space textwrap does not break at, for the duration of one fill


def _wrap_description(text: str, width: int | None = None) -> str | None:
    """questionary shows a choice's description on one line after "  Description: "; wrap it to the
    terminal so a long help text is not cut at the right edge."""
    if not text:
        return None
    width = width or shutil.get_terminal_size((100, 24)).columns
    prefix = len("  Description: ")
    return "\n".join(textwrap.wrap(text, width=max(30, width - prefix - 1), subsequent_indent=" " * prefix))


class LinePrompter:
    """Numbered choices read line by line from a stream: for pipes, files and dumb terminals."""

    def __init__(self, stdin: IO[str], stream: IO[str], write: Callable[[str], None]):
        self.stdin = stdin
        self._stream = stream
        self.write = write
        self.asking = False
        self.echo = not _isatty(stdin)  # a piped answer is not echoed by a terminal: show it

    def _read(self, prompt: str, question: str) -> str:
        print(visible(prompt, lines=True), end="", flush=True, file=self._stream)
        self.asking = True
        try:
            line = self.stdin.readline()
        finally:
            self.asking = False
        if not line:
            print("", file=self._stream, flush=True)
            raise NoMoreInput(question)
        if self.echo:
            print(visible(line.rstrip("\n")), file=self._stream, flush=True)
        return line.strip()

    def select(self, message: str, options: list[tuple[str, str]], default: int) -> int:
        lines = [f"? {message}"]
        for n, (label, help_text) in enumerate(options, start=1):
            lines.append(f"  {n}. {label}" + ("   (default)" if n - 1 == default else ""))
            if help_text:
                lines.append(f"       {help_text}")
        self.write("\n".join(lines))
        while True:
            answer = self._read(f"  Type 1-{len(options)}, or Enter for {default + 1}: ", message)
            if not answer:
                return default
            if answer.isdigit() and 1 <= int(answer) <= len(options):
                return int(answer) - 1
            matches = [i for i, (label, _) in enumerate(options) if label.lower().startswith(answer.lower())]
            if len(matches) == 1:
                return matches[0]
            self.write(f"  Please type a number from 1 to {len(options)}.")

    def text(self, message: str) -> str:
        return self._read(f"? {message} ", message)

    def confirm(self, message: str, default: bool | None) -> bool:
        """``default`` None: an empty line does not answer (a step that spends money or deletes)."""
        choices = {True: "Y/n", False: "y/N", None: "y/n"}[default]
        while True:
            answer = self._read(f"? {message} [{choices}] ", message).lower()
            if not answer and default is not None:
                return default
            if answer in YES_OR_NO:
                return YES_OR_NO[answer]
            self.write("  Please answer y or n.")


# -- the session -------------------------------------------------------------------------------


class _Writer:
    """Prints a block and records it in the transcript: the text itself, without the wrapping or
    colour that only suit the terminal it was printed on (``display``)."""

    def __init__(self, stream: IO[str], transcript: Transcript):
        self.stream = stream
        self.transcript = transcript

    def __call__(self, text: str, *, display: str | None = None) -> None:
        text = visible(text, lines=True)  # cloud names and messages are text, never terminal codes
        print(text if display is None else visible(display, lines=True), file=self.stream, flush=True)
        self.record(text)

    def record(self, text: str) -> None:
        text = ANSI_RE.sub("", text).strip("\n")
        if text.strip():
            self.transcript.shown(text)


class PlainWizard:
    def __init__(
        self,
        session: Any,
        *,
        step_mode: bool = False,
        prompt_input: Any = None,
        prompt_output: Any = None,
        stream: IO[str] | None = None,
        stdin: IO[str] | None = None,
    ):
        self.session = session
        self.step_mode = step_mode
        self.stream = stream or sys.stdout
        self.transcript = Transcript()
        self.show = _Writer(self.stream, self.transcript)
        self.colour = os.environ.get("NO_COLOR") is None and os.environ.get("TERM") != "dumb"
        # On a terminal, long notes are wrapped to its width; in a log, lines stay whole.
        self.width = shutil.get_terminal_size((100, 24)).columns if _isatty(self.stream) else None
        stdin = stdin or sys.stdin
        if prompt_input is not None or prompt_output is not None or _is_terminal(stdin, self.stream):
            self.prompter: Prompter = QuestionaryPrompter(prompt_input, prompt_output, colour=self.colour)
        else:
            self.prompter = LinePrompter(stdin, self.stream, self.show)
        self.printer = EventPrinter(self.stream, commands=session.command_line)
        self.run: Any = None
        self.cancel_requested = False
        self._cancel_noted = False
        self._preconfirmed: set[str] = set()

    # -- asking, with the transcript ---------------------------------------------------------

    def ask_select(self, message: str, options: list[tuple[str, str]], default: int) -> int:
        options = [(visible(label), visible(hint, lines=True)) for label, hint in options]
        index = self.prompter.select(visible(message, lines=True), options, default)
        self.transcript.answered(message, " ".join(options[index][0].split()))
        return index

    def ask_text(self, message: str) -> str:
        answer = self.prompter.text(visible(message, lines=True)).strip()
        self.transcript.answered(message, answer)
        return answer

    def ask_confirm(self, message: str, default: bool | None) -> bool:
        answer = self.prompter.confirm(visible(message, lines=True), default)
        self.transcript.answered(message, "yes" if answer else "no")
        return answer

    def ask_question(self, q: Question) -> Any:
        """One shared Question: its evidence and help as lines, then a select with the default on."""
        notes = [f"  detected: {line}" for line in q.evidence]
        if q.help:
            notes.append(f"  note: {q.help}")
        if notes:
            self.show("\n".join(notes), display="\n".join(self.wrap(n, "    ") for n in notes))
        values = [c.value for c in q.choices]
        default = values.index(q.default) if q.default in values else 0
        index = self.ask_select(q.text, [(c.label, c.help) for c in q.choices], default)
        return q.choices[index].value

    # -- the flow ----------------------------------------------------------------------------

    def main(self) -> int:
        try:
            return self.flow()
        except KeyboardInterrupt:
            if self.run is None:
                self.show("\nInterrupted: nothing was changed.")
                return errors.EXIT_INTERRUPTED
            self.show(
                f"\nInterrupted: the run stopped; every resource it created is in its journal.\n"
                f"resume with: {self.session.resume_command(self.run.run_id)}"
            )
            self.finish_records()
            return errors.EXIT_INTERRUPTED
        except NoMoreInput as ended:
            self.show(
                f"Standard input ended before this question was answered: {ended.args[0]}\n"
                "Nothing was changed. Run the wizard in a terminal, or repair without questions: "
                + self.session.command("run", "IMAGE", "--yes")
            )
            return errors.EXIT_USAGE

    def flow(self) -> int:
        self.show(f"ecs-wizard: repair full-ECS images that create servers slowly.\nCloud: {self.session.label}")
        problem = self.session.check_connection()
        if problem is not None:
            self.show(f"Not connected: {problem.text}.\nWhat to do: {problem.fix}\nNothing was changed.")
            return errors.EXIT_USAGE if problem.settings_wrong else errors.EXIT_FAILED
        self.show("Connected: the cloud accepted a signed call.")
        d = self.choose_image()
        self.show("\n" + diagnosis_text(d), display="\n" + self.diagnosis_block(d))
        if d.verdict is Verdict.UNKNOWN:
            self.show("\nNothing is repaired on a verdict the cloud's answers do not support.")
            return errors.EXIT_UNKNOWN
        if not d.affected:
            self.show(
                "\nNothing to repair for this image."
                if d.verdict.unaffected
                else "\nThe wizard cannot repair this image as it is: see 'What to do' above."
            )
            return errors.verdict_exit_code(d.verdict)
        instead = self.offer_open_run(d)
        if instead is not None:
            return instead
        answers = self.ask_answers(d)
        try:
            reserved = ownership.planned_names(self.session.journal, d.image_id)
            plan = build_plan(self.session.clients, d, answers, reserved_names=reserved)
        except errors.WizardError as exc:
            self.show(f"\nCannot plan the repair: {exc.said_by(self.session.command_line)}")
            return exc.exit_code
        self.show_plan(plan)
        if self.ask_confirm("Show the API calls each step makes?", False):
            self.show(calls_text(plan))
        if not self.ask_confirm("Start the repair now?", True):
            self.show("Not started: nothing was changed.")
            return errors.EXIT_NEEDS_CONFIRMATION
        return self.execute(d, answers, plan)

    def choose_image(self) -> Diagnosis:
        self.show("\nScanning the project's full-ECS images...")
        results = diagnosis_mod.scan(self.session.clients)
        if results:
            self.show(diagnosis_mod.tally(results))
            width = max(len(d.image_name) for d in results)
            options = [(f"{d.image_name.ljust(width)}  {d.verdict.marked}", _image_help(d)) for d in results]
            options.append(
                (TYPE_AN_ID, "An image that is not in the list (for example a system-disk image, to check it).")
            )
            default = next((i for i, d in enumerate(results) if d.affected), 0)
            index = self.ask_select("Which image creates ECSs slowly?", options, default)
            if index < len(results):
                return results[index]
        else:
            self.show(diagnosis_mod.no_full_ecs_images(self.session.clients.project_id, self.session.settings.region))
        while True:
            ref = self.ask_text("Image id or exact name:")
            if not ref:
                self.show("  Please type an image id or name (Ctrl-C to leave).")
                continue
            try:
                return diagnosis_mod.diagnose(self.session.clients, ref)
            except errors.WizardError as exc:
                self.show(f"  {exc.said_by(self.session.command_line)}")

    def wrap(self, text: str, indent: str = "") -> str:
        """``text`` wrapped to the terminal, each command on one line: a command broken over two lines
        would be pasted as two (the terminal folds a long one for the eye, and copies it whole)."""
        if not self.width:
            return text
        return "\n".join(
            textwrap.fill(
                _COMMAND.sub(lambda m: m.group().replace(" ", _KEEP), line),
                self.width - 1,
                subsequent_indent=indent,
                break_on_hyphens=False,
                break_long_words=False,
            ).replace(_KEEP, " ")
            or line
            for line in text.splitlines()
        )

    def diagnosis_block(self, d: Diagnosis) -> str:
        """The diagnosis with its evidence: the table when it fits, else one field per line."""
        text = diagnosis_text(d)
        if not self.width or max(len(line) for line in text.splitlines()) < self.width:
            return text
        lines = [f"Image {d.image_name} ({d.image_id})", f"Verdict: {d.verdict}", self.wrap(d.summary), "", "Evidence:"]
        for e in d.evidence:
            lines.append(self.wrap(f"  {e.field} = {e.value}" + (f"  ({e.meaning})" if e.meaning else ""), "      "))
            lines.append(self.wrap(f"      read from {e.source}", "      "))
        server = d.source_server
        if server:
            exists = {True: "exists", False: "was deleted", None: "unknown"}[server.exists]
            lines += [
                "",
                self.wrap(
                    f"Source ECS: {server.id} ({server.name or 'name unknown'}) {exists}"
                    + (f", status {server.status}" if server.status else "")
                ),
            ]
        lines += ["", self.wrap(f"What to do: {d.advice}", "  ")]
        return "\n".join(lines)

    def ask_answers(self, d: Diagnosis) -> Any:
        self.show("\nTwo questions decide the repair path.")
        values: dict[str, Any] = {}
        for q in repair_questions(d):
            values[q.key] = self.ask_question(q)
        if values.get("source_exists") is False:
            self.show("\nThe temporary ECS (made from the slow image, then backed up):")
            for q in server_questions(self.session.clients, d):
                values[q.key] = self.ask_question(q)
        self.show("")
        for q in finishing_questions(bool(values.get("source_exists", True))):
            values[q.key] = self.ask_question(q)
        return answers_from(values)

    def show_plan(self, plan: Plan) -> None:
        self.show("\n" + flowchart.render_text(plan.path, explain=False) + "\n\n" + plan_text(plan, with_calls=False))

    # -- execution ---------------------------------------------------------------------------

    def offer_open_run(self, d: Diagnosis) -> int | None:
        """One open repair per image: an image with an interrupted, failed or running run is offered
        that run to resume; a second repair is the user's explicit choice. None: go on to the questions."""
        runs = ownership.open_runs(self.session.journal, d.image_id, self.session.clients.project_id)
        if not runs:
            return None
        run = runs[0]
        self.show(
            f"\nThis image has an open repair: run {ownership.describe_open_run(self.session.journal, run)}. "
            "Resuming it goes on where it stopped; a second repair would make a second image."
        )
        options = [
            (f"Resume run {run.run_id}", "Continue that run (its journal holds everything it made)."),
            (
                "Change its answers, then resume",
                "Another flavor, network, zone, disk type or backup service for the steps not yet started.",
            ),
            (f"Abandon run {run.run_id}", "Delete what it made (listed first, with what it costs; asked once)."),
            ("Start a second repair anyway", "A new run with its own resources; the open run stays as it is."),
            ("Stop", "Nothing is changed."),
        ]
        choice = self.ask_select("What now?", options, 0)
        if choice in (0, 1, 2):
            self.session.check_resumable_here(run)
        if choice == 0:
            return self.run_to_end(run)
        if choice == 1:
            return self.change_answers(run)
        if choice == 2:
            return self.abandon(run)
        if choice == 4:
            self.show("Stopped: nothing was changed.")
            return errors.EXIT_NEEDS_CONFIRMATION
        self.show(f"Warning: starting a second repair of {d.image_name}; run {run.run_id} stays open.")
        return None

    def change_answers(self, run: Run) -> int:
        """Ask the answers that can change (the current ones are the defaults), rebuild the steps not
        yet started (``wizard.change``), then resume; a change that would alter a started step is
        refused, naming it, and nothing changes."""
        from wizard import change

        values: dict[str, Any] = {}
        for q in change.questions(self.session.clients, run):
            if q.key == "flavor":
                self.show("\nThe ECS the run makes:")
            values[q.key] = self.ask_question(q)
        try:
            run, changes = change.change_saved(
                self.session.clients, self.session.journal, run.run_id, change.given(values)
            )
        except errors.WizardError as refused:
            self.show(f"\n{refused}")
            return refused.exit_code
        what = "; ".join(c.text() for c in changes) if changes else "nothing (those are its answers already)"
        self.show(f"\nChanged: {what}.")
        return self.run_to_end(run)

    def abandon(self, run: Run) -> int:
        """Give the run up: what it made that still exists and what it costs, one question (default
        no), then the deletions in order, each journaled (``wizard.abandon``)."""
        from wizard import abandon

        session = self.session
        with ownership.RunLock(session.journal, run.run_id):
            run = session.journal.load(run.run_id)
            found = abandon.survey(session.clients, run, keep_image=bool((run.abandon or {}).get("keep_image")))
            self.show("\n" + "\n".join([f"Run {run.run_id}: what it made that still exists", *found.lines()]))
            count = len(found.to_delete)
            if count and not self.ask_confirm(f"Delete {count} resource(s)? This cannot be undone.", False):
                self.show("Not confirmed: nothing was deleted; the run stays as it was.")
                return errors.EXIT_NEEDS_CONFIRMATION
            self.run = run
            with self.sigint_cancels():
                outcome = session.abandoner(run, on_event=self.on_event, should_cancel=self.should_cancel).abandon()
        self.finish_records()
        if outcome.cancelled:
            return errors.EXIT_INTERRUPTED
        return errors.EXIT_OK if outcome.complete else errors.EXIT_FAILED

    def execute(self, d: Diagnosis, answers: Any, plan: Plan) -> int:
        return self.run_to_end(self.session.new_run(d.image_id, d, answers, plan))

    def run_to_end(self, run: Any) -> int:
        """Run (or resume) ``run`` with live progress, then show the summary."""
        session = self.session
        self.run = run
        self.transcript.attach(run, session.journal)
        self.show("")
        runner = session.runner(
            run,
            on_event=self.on_event,
            confirm=self.confirm,
            should_cancel=self.should_cancel,
            step_mode=self.step if self.step_mode else None,
            sleep=self.sleep,
        )
        with self.sigint_cancels():
            result = runner.run()
        self.summary(result)
        self.finish_records()
        if result.status == RunStatus.SUCCEEDED:
            return errors.EXIT_OK
        if result.status == RunStatus.CANCELLED:
            if self.cancel_requested:
                return errors.EXIT_INTERRUPTED
            return errors.EXIT_NEEDS_CONFIRMATION
        return errors.EXIT_FAILED

    def on_event(self, event: RunEvent) -> None:
        if event.event == "waiting-for-confirmation":
            return  # the confirmation prompt itself says it
        before = len(self.printer.lines)
        self.printer(event)
        for line in self.printer.lines[before:]:
            self.show.record(line)

    def confirm(self, step: Step) -> bool:
        if step.name in self._preconfirmed:
            self.transcript.answered(confirmation_text(step), "yes (confirmed at the step pause)")
            return True
        self.show(f"  No: {if_declined(self.run.plan, step)}.")
        return self._gate_answer(confirmation_text(step), default=None)

    def step(self, step: Step) -> bool:
        """The pause before each step in step mode; a billable or destructive one takes an explicit y."""
        what = f" ({effect(step.billable)})" if step.needs_confirmation else ""
        default = None if step.needs_confirmation else True
        ok = self._gate_answer(f"Next: {step.title}{what}. Continue?", default=default)
        if ok and step.needs_confirmation:
            self._preconfirmed.add(step.name)
        return ok

    def _gate_answer(self, message: str, default: bool | None) -> bool:
        """A question asked while the run is under way: Ctrl-C or no input stops the run resumably."""
        if self.cancel_requested:
            return False
        try:
            return self.ask_confirm(message, default)
        except KeyboardInterrupt:
            self.cancel_requested = self._cancel_noted = True
            self.show("  interrupted: the run stops here and can be resumed")
            return False
        except NoMoreInput:
            self.show("  no answer (standard input ended): not confirmed")
            return False

    def should_cancel(self) -> bool:
        if self.cancel_requested and not self._cancel_noted:
            self._cancel_noted = True
            # a terminal has echoed ^C where the cursor was: start a fresh line
            self.show(
                ("\n" if self.width else "")
                + "  interrupted: stopping after the current call (Ctrl-C again stops at once)"
            )
        return self.cancel_requested

    def sleep(self, seconds: float) -> None:
        """The session's sleep in short slices, so an interrupt is noticed within a quarter second."""
        remaining = seconds
        while remaining > 0 and not self.cancel_requested:
            part = min(remaining, 0.25)
            self.session.sleep(part)
            remaining -= part

    @contextmanager
    def sigint_cancels(self) -> Iterator[None]:
        """While the run executes: the first Ctrl-C asks the runner to stop after the current call,
        the second stops at once. Only in the main thread, and only for the run."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum: int, frame: Any) -> None:
            if self.cancel_requested or self.prompter.asking:
                raise KeyboardInterrupt
            self.cancel_requested = True

        previous = signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    def summary(self, run: Run) -> None:
        summary = RunSummary.of(run, self.session.command_line)
        lines = [""]
        if summary.succeeded:
            lines.append(f"Repaired. New image: {summary.new_image_name} ({summary.new_image_id})")
            if summary.checks:
                lines.append("Verification:")
                lines += [f"  [{'ok' if ok else 'FAILED'}] {name}" for name, ok in summary.checks.items()]
            if summary.test_launch is not None:
                lines += summary.test_launch_text().splitlines()
            chart = summary.before_after
            lines += [f"{BEFORE_AFTER_TITLE}:", *(f"  {line}" for line in text_chart(chart, 30) + chart.sources())]
            lines.append(f"Time taken: {summary.duration}")
            kept = "" if summary.old_image_deletion else f"; the old image {summary.image_id} was left as it was"
            lines.append(f"Create ECSs from image {summary.new_image_id} from now on{kept}.")
            lines += self.follow_up_hints(run)
        elif summary.status == RunStatus.FAILED:
            if summary.failed is not None:
                lines.append(f"The run failed at '{summary.failed.title}': {summary.failed.message}")
                if summary.failed.remedy:
                    lines.append(f"What to do: {self.session.command_line.say(summary.failed.remedy)}")
            lines.append(f"Time taken: {summary.duration}")
        else:
            lines.append("The run stopped before finishing; nothing more will be created until it is resumed.")
        if summary.resources:
            lines.append("Resources this run created:")
            lines += [
                f"  {r['type']} {r['id']}" + (f" ({r['name']})" if r.get("name") else "") for r in summary.resources
            ]
        self.show("\n".join(lines), display="\n".join(self.wrap(line, "  ") for line in lines))

    def follow_up_hints(self, run: Run) -> list[str]:
        """The follow-ups still on offer, with their commands, for the cloud this session works on."""
        return follow_up_hints(run.plan, demo=self.session.settings.is_demo, commands=self.session.command_line)

    def finish_records(self) -> None:
        """The report in the reports directory, and the transcript (with where the report is) beside
        the journal and in the report."""
        run, journal = self.run, self.session.journal
        path = report_path(journal, run.run_id)
        self.show(f"Report: {path}\nJournal: {journal.path(run.run_id)}")
        self.transcript.attach(run, journal)
        try:
            write_report(run, journal)
        except (OSError, errors.WizardError) as error:
            self.show(f"The report could not be written: {getattr(error, 'strerror', None) or error}")


def _image_help(d: Diagnosis) -> str:
    server = d.source_server
    source = "" if not server or server.exists is None else f"; source ECS {'exists' if server.exists else 'deleted'}"
    return f"id {d.image_id}{source}"


def calls_text(plan: Plan) -> str:
    lines = ["API calls, step by step:"]
    for n, step in enumerate(plan.steps, start=1):
        lines.append(f"{n}. {step.title}")
        for call in KINDS[step.kind].calls(step, plan.resolve):
            lines.append(f"     {call.method} {call.path}" + (f"   # {call.note}" if call.note else ""))
    return "\n".join(lines)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _is_terminal(stdin: Any, stdout: Any) -> bool:
    return _isatty(stdin) and _isatty(stdout) and os.environ.get("TERM") != "dumb"


def run_plain(
    session: Any,
    *,
    step_mode: bool = False,
    prompt_input: Any = None,
    prompt_output: Any = None,
    stream: IO[str] | None = None,
    stdin: IO[str] | None = None,
) -> int:
    """Run the wizard line by line. ``prompt_input``/``prompt_output`` are prompt_toolkit objects (tests feed keys
    through a pipe input); ``stream`` receives the printed lines (default standard output);
    ``stdin`` is read line by line when it is not a terminal. Returns the exit code: 0 repaired,
    1 failed, 2 no input, 3 a confirmation was declined (the run is resumable), 4 not affected,
    5 unknown (the cloud's answers do not tell), 6-8 another verdict it does not repair
    (``wizard.errors.VERDICT_EXIT_CODES``), 130 interrupted."""
    return PlainWizard(
        session,
        step_mode=step_mode,
        prompt_input=prompt_input,
        prompt_output=prompt_output,
        stream=stream,
        stdin=stdin,
    ).main()
