"""The parts of a run's Markdown report that a ticket needs beyond the outcome, each read from the
journal: every answer and what became of the follow-ups; each step's attempts and failures with the
cloud's reason; a Mermaid ``gantt`` of the steps; the API calls with each step's polls collapsed into
one row (count, first and last status); and the guided session's transcript with timestamps, in
words. :mod:`wizard.report` puts them together; the whole report goes through ``text.visible``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from wizard.status import StepStatus
from wizard.transcript import in_words

if TYPE_CHECKING:
    from wizard.journal import Run
    from wizard.steps import Step


def cell(value: Any) -> str:
    """A value inside a Markdown table cell: no column break, no line break."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def clock_time(ts: float | str | None) -> str:
    """'2026-12-02 07:28:21' (UTC) from a timestamp or an event's ISO time; '-' if unknown."""
    when = _moment(ts)
    return when.strftime("%Y-%m-%d %H:%M:%S") if when else "-"


def _moment(ts: float | str | None) -> datetime | None:
    if isinstance(ts, str):
        try:
            when = datetime.fromisoformat(ts)
        except ValueError:
            return None
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    if isinstance(ts, int | float) and ts:
        return datetime.fromtimestamp(ts, UTC)
    return None


# -- answers -----------------------------------------------------------------------------------------


def answers(run: Run) -> list[str]:
    """Every answer, as given and as it turned out: the temporary ECS's settings as the plan used them
    (defaults included), and for each optional step whether it was asked for at the start, added later
    (a follow-up), and what became of it."""
    a, plan = run.answers, run.plan
    service = str(a.get("service") or "").upper() or "-"
    lines = [f"- Backup service: {service}"]
    if a.get("source_exists", True):
        lines.append("- Source ECS exists: yes (its new backup is made from it)")
    else:
        lines.append("- Source ECS exists: no (a temporary ECS is made from the slow image first)")
    temp, test = plan.first("create_temp_server"), plan.first("test_launch")
    if temp is not None:
        lines.append(f"- Temporary ECS: {_server_settings(temp)}")
    if test is not None and (temp is None or _server_settings(test) != _server_settings(temp)):
        lines.append(f"- Test ECS: {_server_settings(test)}")
    lines.append(f"- Test launch: {_optional(bool(a.get('test_launch')), test, _test_result(test))}")
    if temp is not None:
        cleanup = plan.first("delete_temp_server")
        lines.append(
            "- Delete the temporary ECS at the end: "
            + _optional(bool(a.get("cleanup")), cleanup, "deleted", "kept: it is billed until deleted")
        )
    lines.append(
        "- Delete the old image once the new one is verified: "
        + _optional(bool(a.get("delete_old_image")), plan.first("delete_old_image"), "deleted", "kept")
    )
    return lines


def _server_settings(step: Step) -> str:
    i = step.inputs
    zone = f"`{i['availability_zone']}`" if i.get("availability_zone") else "chosen by the cloud"
    return (
        f"flavor `{i.get('flavor_id') or '-'}`, VPC `{i.get('vpc_id') or '-'}`, subnet `{i.get('subnet_id') or '-'}`, "
        f"availability zone {zone}, system disk {i.get('volume_type') or '-'}"
    )


def _test_result(step: Step | None) -> str:
    if step is None:
        return ""
    seconds = step.outputs.get("seconds_to_active")
    if seconds is None:
        return "ran"
    return f"ran: an ECS from the new image was ACTIVE after {seconds:g} s, then deleted"


def _optional(asked: bool, step: Step | None, done: str, not_done: str = "not done") -> str:
    """'yes; deleted', 'no; added later (a follow-up): ran: ...', 'yes; declined at its confirmation'."""
    if step is None:
        return f"yes; {not_done} (the run has not reached it)" if asked else f"no; {not_done}"
    how = "yes" if asked else "no at the start; added later as a follow-up"
    status = step.status
    if status == StepStatus.SUCCEEDED:
        return f"{how}; {done}"
    if status == StepStatus.SKIPPED:
        return f"{how}; declined at its confirmation, so {not_done}"
    if status in (StepStatus.FAILED, StepStatus.TIMED_OUT):
        return f"{how}; {status} (see Failures and retries)"
    return f"{how}; not run yet ({status})"


# -- steps: attempts, failures and retries ----------------------------------------------------------


@dataclass
class StepHistory:
    """What the event log says of one step across every run of it (a resume clears the step's error)."""

    starts: int = 0
    retries: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def attempts(self, step: Step) -> int:
        """Each start or resume of the step and each retry after an error worth retrying; a journal with
        no event log: the step's own count."""
        return self.starts + len(self.retries) if self.starts else step.attempts


RETRY_TEXT = re.compile(r"; retrying \(attempt (\d+) of \d+\)$")  # the runner's words, before retries had data


def histories(run: Run) -> dict[str, StepHistory]:
    out = {s.name: StepHistory() for s in run.plan.steps}
    for e in run.events:
        history = out.get(str(e.get("step")))
        if history is None:
            continue
        if e.get("event") == "step-started":
            history.starts += 1
        elif e.get("event") == "step-failed":
            history.failures.append(e)
        elif e.get("event") == "message" and ("retry" in e or RETRY_TEXT.search(str(e.get("message", "")))):
            history.retries.append(e)
    return out


def steps_table(run: Run, history: dict[str, StepHistory]) -> list[str]:
    lines = [
        "| # | step | status | attempts | failures | started (UTC) | took | result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, s in enumerate(run.plan.steps, start=1):
        h = history[s.name]
        result = s.error.message if s.error else s.message
        took = _took(s.started_at, s.ended_at)
        lines.append(
            f"| {n} | {cell(s.title)} | {s.status} | {h.attempts(s)} | {len(h.failures)} | {clock_time(s.started_at)} "
            f"| {took} | {cell(result)} |"
        )
    return lines


def _took(start: float | None, end: float | None) -> str:
    from wizard.report import duration_text

    return duration_text(end - start) if start and end else "-"


def failures(run: Run, history: dict[str, StepHistory]) -> list[str]:
    """Each failure and each retry, in order, with the cloud's code, message and request id."""
    entries = []
    for s in run.plan.steps:
        h = history[s.name]
        for e in h.failures:
            entries.append((str(e.get("at", "")), f"**{s.title}** failed: {_reason(e, e.get('message'))}"))
        for e in h.retries:
            attempt = e.get("retry") or (RETRY_TEXT.search(str(e.get("message", ""))) or [None, "?"])[1]
            reason = _reason(e, e.get("reason") or RETRY_TEXT.sub("", str(e.get("message", ""))))
            entries.append((str(e.get("at", "")), f"**{s.title}** retried (attempt {attempt}) after {reason}"))
    return [f"- {clock_time(at)}: {text}" for at, text in sorted(entries, key=lambda entry: entry[0])]


def _reason(e: dict[str, Any], message: Any) -> str:
    service = f"{str(e['service']).upper()} " if e.get("service") else ""
    code = e.get("code") or e.get("http_status")
    said = f"`{service}{code}` " if code else ""
    rid = f" (request id `{e['request_id']}`)" if e.get("request_id") else ""
    return f"{said}{message or 'no reason given'}{rid}"


# -- the timeline ------------------------------------------------------------------------------------

GANTT_TAGS = {
    StepStatus.SUCCEEDED: "done",
    StepStatus.FAILED: "crit",
    StepStatus.TIMED_OUT: "crit",
    StepStatus.RUNNING: "active",
    StepStatus.WAITING: "active",
}
_GANTT_UNSAFE = re.compile(r"[:;#%`\n\r]")  # a colon ends a task's name, '%%' starts a comment, ';' a statement


def gantt(run: Run) -> list[str]:
    """A Mermaid ``gantt`` of the steps that started: each from its start to its end (or to the run's
    last update, while it has none), times in UTC to the millisecond; failed steps marked ``crit``."""
    lines = [
        "gantt",
        f"    title Run {run.run_id}, step by step (UTC)",
        "    dateFormat YYYY-MM-DD HH:mm:ss.SSS",
        "    axisFormat %H:%M:%S",
        "    section Steps",
    ]
    for n, s in enumerate(run.plan.steps, start=1):
        if not s.started_at:
            continue
        end = s.ended_at or max(run.updated_at, s.started_at)
        millis = max(1, round((end - s.started_at) * 1000))
        tag = GANTT_TAGS.get(s.status)
        name = " ".join(_GANTT_UNSAFE.sub(" ", s.title).split()) or s.kind
        start = datetime.fromtimestamp(s.started_at, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        lines.append(f"    {name} :{tag + ', ' if tag else ''}s{n}, {start}, {millis}ms")
    return lines


# -- API calls -----------------------------------------------------------------------------------------


@dataclass
class CallRow:
    """The calls of one step to one address: a create once, a status poll as often as it polled."""

    step: str
    service: str
    method: str
    path: str
    statuses: list[Any] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        first, last = self.statuses[0], self.statuses[-1]
        return str(first) if len(self.statuses) == 1 or first == last else f"{first} first, {last} last"

    @property
    def request_id(self) -> str:
        if not self.request_ids:
            return "-"
        if len(self.request_ids) == 1:
            return f"`{self.request_ids[0]}`"
        return f"first `{self.request_ids[0]}`, last `{self.request_ids[-1]}`"


def call_rows(run: Run) -> list[CallRow]:
    """The calls grouped by step, service, method and path, in the order each was first made. A call
    journaled before calls named their step is grouped with the same call made just before it."""
    rows: dict[tuple[str, ...], CallRow] = {}
    segment, last = 0, None
    for c in run.calls:
        address = (str(c.get("service")), str(c.get("method")), str(c.get("path")))
        if c.get("step"):
            key = (str(c["step"]), *address)
        else:  # no step recorded: only a run of the same call is one row
            segment += address != last
            key = (f"#{segment}", *address)
        last = address
        row = rows.get(key)
        if row is None:
            row = rows[key] = CallRow(str(c.get("step") or ""), *address)
        row.statuses.append(c.get("status") if c.get("status") is not None else "no answer")
        if c.get("request_id"):
            row.request_ids.append(str(c["request_id"]))
    return list(rows.values())


def calls_table(run: Run) -> list[str]:
    """The calls, each step's rows under its number in the steps table (its name on its first row)."""
    numbers = {s.name: (n, s.title) for n, s in enumerate(run.plan.steps, start=1)}
    lines = ["| step | service | call | calls | status | request id |", "|---|---|---|---|---|---|"]
    named = None
    for row in call_rows(run):
        n, title = numbers.get(row.step, (None, row.step or "-"))
        step = "" if row.step and row.step == named else (f"{n}. {cell(title)}" if n else cell(title))
        named = row.step
        lines.append(
            f"| {step} | {row.service} | {row.method} {cell(row.path)} | {len(row.statuses)} | {row.status} "
            f"| {row.request_id} |"
        )
    return lines


# -- the transcript ------------------------------------------------------------------------------------


def transcript(run: Run) -> list[str]:
    """What the session showed and what was answered, each with its time (UTC; the date when it changes)."""
    lines: list[str] = []
    day = ""
    for t in run.transcript:
        when = _moment(t.get("at"))
        stamp = "--:--:--"
        if when is not None:
            if when.strftime("%Y-%m-%d") != day:
                day = when.strftime("%Y-%m-%d")
                lines.append(f"**{day}** (UTC)")
                lines.append("")
            stamp = when.strftime("%H:%M:%S")
        text = str(t.get("text", "")).strip("\n")
        if t.get("kind") == "answered":
            question, _, answer = text.rpartition(" -> ")
            lines.append(f"- `{stamp}` Answered: {cell(question or text)} → **{cell(answer)}**")
        elif "\n" in text:  # a table, the flowchart, a list: kept as it was shown
            fence = "````" if "```" in text else "```"
            lines += [
                f"- `{stamp}` Shown:",
                "",
                f"  {fence}text",
                *(f"  {line}" for line in text.splitlines()),
                f"  {fence}",
            ]
        else:
            lines.append(f"- `{stamp}` {cell(in_words(text.strip()))}")
    return lines
