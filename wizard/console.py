"""Line-by-line output for the non-interactive commands and plain mode: run events as readable
lines (one per state change, plus a periodic progress line), tables, and colour only when the
terminal wants it (NO_COLOR and non-terminals get none; meaning never rests on colour alone)."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from wizard.remedy import COMMAND_LINE, SERVER_OPTIONS, CommandLine, Remedy, change_option
from wizard.report import duration_text
from wizard.runner import RunEvent, effect
from wizard.status import RunStatus
from wizard.text import visible

if TYPE_CHECKING:
    from wizard.diagnose import Diagnosis
    from wizard.doctor import Row
    from wizard.plan import Plan

MARKS = {
    "step-started": "[..]",
    "step-succeeded": "[ok]",
    "step-failed": "[FAILED]",
    "waiting-for-confirmation": "[??]",
    "message": "  - ",
    "output": "  = ",
    "run-finished": "[end]",
    "run-started": "[run]",
    "step-skipped": "[skip]",
    "abandon-started": "[abandon]",
    "cleanup-started": "[cleanup]",
    "deleting": "[..]",
    "deleted": "[ok]",
    "delete-failed": "[FAILED]",
}
COLOURS = {
    "step-succeeded": "32",
    "step-failed": "31;1",
    "waiting-for-confirmation": "33",
    "run-finished": "1",
    "deleted": "32",
    "delete-failed": "31;1",
}


def use_colour(stream: IO[str]) -> bool:
    if os.environ.get("NO_COLOR") is not None or os.environ.get("TERM") == "dumb":
        return False
    return hasattr(stream, "isatty") and stream.isatty()


class EventPrinter:
    """Turns RunEvents into lines. Progress is printed at most every ``interval`` seconds per step,
    or when the percentage moves by 10 points, so a long wait gives a steady, quiet heartbeat."""

    def __init__(
        self,
        stream: IO[str] | None = None,
        *,
        json_lines: bool = False,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        approved_by: str | None = None,
        commands: CommandLine = COMMAND_LINE,
    ):
        """``commands``: the remedies and commands as the session that runs it spells them (its
        ``command_line``, whose commands work as printed)."""
        self.stream = stream or sys.stdout
        self.commands = commands
        self.json_lines = json_lines
        self.approved_by = approved_by  # e.g. "--yes": confirmations are answered before they are asked
        self.colour = use_colour(self.stream) and not json_lines
        self.interval = interval
        self.clock = clock
        self._last: dict[str, tuple[float, float | None]] = {}
        self.total_steps = 0
        self.lines: list[str] = []  # what was shown, for the transcript

    def __call__(self, event: RunEvent) -> None:
        if self.json_lines:
            data = event.to_dict()
            if event.event == "step-failed" and event.data.get("remedy_data"):  # its commands, as they work here
                data["remedy"] = self._remedy(event)
            if event.event == "waiting-for-confirmation" and self.approved_by:
                data["approved_by"] = self.approved_by
            self._write(json.dumps(data, default=str))
            return
        if event.event == "progress":
            last_time, last_pct = self._last.get(event.step or "", (0.0, None))
            now = self.clock()
            moved = event.progress is not None and (last_pct is None or event.progress - last_pct >= 10)
            if not moved and now - last_time < self.interval:
                return
            self._last[event.step or ""] = (now, event.progress)
            pct = f"{event.progress:5.1f}%" if event.progress is not None else "  ... "
            elapsed = event.data.get("elapsed")
            self._write(
                f"       {pct}  {event.message}" + (f"  (elapsed {elapsed:.0f} s)" if elapsed is not None else "")
            )
            return
        text = self._describe(event)
        if text:
            # a confirmation answered in advance (--yes) reads as done, not as a question
            shown_as = (
                "step-succeeded" if event.event == "waiting-for-confirmation" and self.approved_by else event.event
            )
            mark = MARKS.get(shown_as, "   ")
            colour = COLOURS.get(shown_as) if self.colour else None
            self._write(f"{mark} {text}", colour)

    def _describe(self, e: RunEvent) -> str:
        if e.event == "run-started":
            return f"run {e.run_id} {'resumed' if e.data.get('resumed') else 'started'} (path {e.data.get('path')})"
        if e.event == "step-started":
            self._last[e.step or ""] = (self.clock(), None)
            return f"{e.title}" + (" (resumed)" if e.data.get("resumed") else "")
        if e.event == "step-succeeded":
            return f"{e.title}: {e.message} ({duration_text(e.data.get('seconds', 0))})"
        if e.event == "step-failed":
            service = f"{e.data['service'].upper()} " if e.data.get("service") else ""
            code = f" [{service}{e.data['code']}]" if e.data.get("code") else ""
            rid = f" (request id {e.data['request_id']})" if e.data.get("request_id") else ""
            remedy = f"\n       what to do: {self._remedy(e)}" if e.data.get("remedy") else ""
            return f"{e.title}{code}: {e.message}{rid}{remedy}"
        if e.event == "waiting-for-confirmation":
            if self.approved_by:
                return f"'{e.title}' {effect(bool(e.data.get('billable')))}: approved by {self.approved_by}"
            return e.message
        if e.event == "output":
            outputs = e.data.get("outputs") or {}
            return ", ".join(f"{k}={v}" for k, v in outputs.items() if not isinstance(v, dict))
        if e.event == "message":
            return e.message
        if e.event == "sweep":  # shown when it did something, and once at the end (--json shows every one)
            sweep = e.data.get("sweep") or {}
            acted = sweep.get("deleted") or sweep.get("failed") or sweep.get("error")
            return e.message if acted or str(sweep.get("when", "")).endswith("end of the run") else ""
        if e.event == "run-finished":
            image = (
                f"; new image {e.data['new_image_id']}"
                if e.data.get("new_image_id") and e.status == RunStatus.SUCCEEDED
                else ""
            )
            hint = f"\n      {self._resume_hint(e)}" if e.data.get("resumable") else ""
            return f"run {e.run_id} {e.status}: {e.message}{image}{hint}"
        return e.message

    def resume_command(self, run_id: str | None, *options: str) -> str:
        return self.commands.build("resume", run_id or "RUN_ID", *options)

    def _remedy(self, e: RunEvent) -> str:
        """A failed step's remedy phrased by ``commands`` (the event's sentence says it with bare commands)."""
        data = e.data.get("remedy_data")
        return self.commands.say(Remedy.from_dict(data)) if data else str(e.data.get("remedy") or "")

    def _resume_hint(self, e: RunEvent) -> str:
        """How to go on: the resume that changes the answer the cloud refused, when it refused one."""
        if "change_answer" not in e.data:
            return f"resume with: {self.resume_command(e.run_id)}"
        key = e.data["change_answer"]
        if key in SERVER_OPTIONS:
            return (
                f"resume with another answer (one listed above): {self.resume_command(e.run_id, *change_option(key))}"
            )
        # the dry run refused the request as a whole: any of the answers may be what it wants changed
        return f"resume with other answers ({', '.join(SERVER_OPTIONS.values())}), e.g.: " + self.resume_command(
            e.run_id, *change_option("flavor")
        )

    def _write(self, line: str, colour: str | None = None) -> None:
        line = visible(line, lines=True)  # names and messages from the cloud are text, never terminal codes
        self.lines.append(line)  # the transcript keeps the text, never escape codes
        print(f"\x1b[{colour}m{line}\x1b[0m" if colour else line, file=self.stream, flush=True)


def table(rows: list[list[Any]], headers: list[str]) -> str:
    cells = [[visible(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    out = [
        "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(out)


def plan_text(plan: Plan, *, with_calls: bool = True) -> str:
    """The plan as text: every step, what is billable or destructive, and (dry run) every API call."""
    lines = [
        f"Plan {plan.run_id}: {plan.path.title}",
        f"Image {plan.image_name} ({plan.image_id}) -> new image {plan.new_image_name}",
        "",
    ]
    for n, step in enumerate(plan.steps, start=1):
        flags = []
        if step.billable:
            flags.append("BILLABLE")
        if step.destructive:
            flags.append("DESTRUCTIVE")
        flag = f"  [{', '.join(flags)}: asks first]" if flags else ""
        lines.append(f"{n}. {step.title}{flag}")
        if with_calls:
            from wizard.steps import KINDS

            for call in KINDS[step.kind].calls(step, plan.resolve):
                note = f"   # {call.note}" if call.note else ""
                lines.append(f"     {call.method} {call.path}{note}")
                if call.body is not None:
                    lines.append("       " + json.dumps(call.body, default=str))
    for note in plan.notes:
        lines.append(f"note: {note}")
    billable = [s for s in plan.steps if s.needs_confirmation]
    lines.append("")
    lines.append("Billable or destructive: " + ("; ".join(s.title for s in billable) if billable else "nothing"))
    return visible("\n".join(lines), lines=True)


def plan_json(plan: Plan) -> dict[str, Any]:
    """The plan as data (``run --dry-run --json``): every step with its API calls and bodies, and
    what is billable or destructive (those steps ask before they run)."""
    from wizard.steps import KINDS

    steps = [
        {
            "name": step.name,
            "kind": step.kind,
            "title": step.title,
            "billable": step.billable,
            "destructive": step.destructive,
            "calls": [
                {"method": call.method, "path": call.path, "body": call.body, "note": call.note}
                for call in KINDS[step.kind].calls(step, plan.resolve)
            ],
        }
        for step in plan.steps
    ]
    return {
        "path": plan.path_id,
        "path_title": plan.path.title,
        "image_id": plan.image_id,
        "image_name": plan.image_name,
        "new_image_name": plan.new_image_name,
        "steps": steps,
        "notes": list(plan.notes),
        "billable_or_destructive": [step.title for step in plan.steps if step.needs_confirmation],
    }


def diagnosis_text(d: Diagnosis) -> str:
    lines = [f"Image {d.image_name} ({d.image_id})", f"Verdict: {d.verdict}", d.summary, "", "Evidence:"]
    lines.append(
        table([[e.field, e.value, e.source, e.meaning] for e in d.evidence], ["field", "value", "read from", "meaning"])
    )
    server = d.source_server
    if server:
        exists = {True: "exists", False: "was deleted", None: "unknown"}[server.exists]
        lines.append("")
        lines.append(
            f"Source ECS: {server.id} ({server.name or 'name unknown'}) {exists}"
            + (f", status {server.status}" if server.status else "")
        )
    lines.append("")
    lines.append(f"What to do: {d.advice}")
    return visible("\n".join(lines), lines=True)


def doctor_text(rows: list[Row], where: str, width: int = 100) -> str:
    """Doctor's table: a line per check (icon, name, verdict, summary), then, under a check that did
    not pass, what did not pass and, under each problem, what to do (→). ``--json`` has every finding."""
    import textwrap

    from wizard.doctor import Status

    name_width = max(len(r.check) for r in rows)
    lines: list[str] = []

    def add(text: str, indent: int) -> None:
        lines.extend(textwrap.wrap(text, width, subsequent_indent=" " * indent, break_on_hyphens=False) or [""])

    add(f"ecs-wizard doctor: {where}", 4)
    lines.append("")

    for row in rows:
        add(f"[{row.status.icon}] {row.check:<{name_width}}  {row.status:<7}  {row.summary}", name_width + 15)
        if row.status is Status.PASS:
            continue
        groups: dict[tuple[str, str, str], list[str]] = {}  # one line for what several services share
        for finding in row.findings:
            if finding.status is not Status.PASS:  # the summary counts what passed
                groups.setdefault((finding.status, finding.detail, finding.fix), []).append(finding.name)
        merged = list(groups.items())
        for n, ((status, detail, fix), names) in enumerate(merged):
            add(f"      {Status(status).icon} {', '.join(names)}: {detail}", 10)
            next_fix = merged[n + 1][0][2] if n + 1 < len(merged) else None
            if fix and fix != next_fix:  # a fix shared by the next lines comes once
                add(f"          → {fix}", 12)
        if row.fix and not row.findings:
            add(f"      → {row.fix}", 8)
    failed = [r.check for r in rows if r.status in (Status.FAIL, Status.CRASH)]
    unknown = [r.check for r in rows if r.status is Status.UNKNOWN]
    lines.append("")
    if failed:
        add(f"Not ready: {', '.join(failed)} failed. Fix what the → lines say, then run 'ecs-wizard doctor' again.", 0)
    else:
        add("Ready: nothing failed.", 0)
    if unknown and not failed:
        add(
            f"Unknown ({', '.join(unknown)}): the cloud does not tell before the repair gets there; "
            "the repair stops with the cloud's reason if it refuses.",
            0,
        )
    return visible("\n".join(lines), lines=True)


class ProgressLine:
    """A spinner and what is being done, redrawn on one terminal line (stderr) while slow work runs;
    after ``slow`` seconds on the same thing it says so. Given a count (``show(text, done, total)``)
    it draws a bar. Does nothing when the stream is not a terminal.

    A frame is drawn at once when the text first changes and when the count is complete (so what the
    user last saw is the whole count), and by a thread every ``interval`` seconds in between."""

    FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
    BAR_WIDTH = 24

    def __init__(
        self, stream: IO[str] | None = None, *, enabled: bool = True, slow: float = 10.0, interval: float = 0.1
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.slow, self.interval = slow, interval
        self.text, self.since = "", time.monotonic()
        self.done: int | None = None
        self.total: int | None = None
        self._frame = 0
        self._stop: Any = None
        self._thread: Any = None
        self._lock: Any = None

    def show(self, text: str, done: int | None = None, total: int | None = None) -> None:
        changed = text != self.text
        if changed or done != self.done:  # a count that moves is not stuck
            self.since = time.monotonic()
        self.text, self.done, self.total = text, done, total
        if self._thread is not None and (changed or (total is not None and done == total)):
            self._draw()

    def __enter__(self) -> ProgressLine:
        if self.enabled:
            import threading

            self._lock = threading.Lock()
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._spin, name="progress-line", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
            with self._lock:
                self.stream.write("\r\x1b[2K")
                self.stream.flush()

    def _spin(self) -> None:
        while not self._stop.wait(self.interval):
            self._draw()

    def _draw(self) -> None:
        with self._lock:
            late = " (taking longer than expected)" if time.monotonic() - self.since > self.slow else ""
            count = ""
            if self.total:
                filled = round(self.BAR_WIDTH * min(self.done or 0, self.total) / self.total)
                count = f" {'█' * filled}{'░' * (self.BAR_WIDTH - filled)} {self.done or 0}/{self.total}"
            self.stream.write(f"\r\x1b[2K{self.FRAMES[self._frame % len(self.FRAMES)]} {self.text}…{count}{late}")
            self.stream.flush()
            self._frame += 1
