"""A guided session's transcript: what was shown and what was answered, in order, each with its time.
Kept in the run's journal and as a text file beside it, and included in the report. A run's events
go in as words (:func:`event_line`), never as the events' names."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.journal import Journal, Run
    from wizard.runner import RunEvent

from wizard.statedir import save_private


@dataclass
class Transcript:
    entries: list[dict[str, Any]] = field(default_factory=list)

    def shown(self, text: str) -> None:
        self._add("shown", text)

    def answered(self, question: str, answer: str) -> None:
        self._add("answered", f"{question} -> {answer}")

    def _add(self, kind: str, text: str) -> None:
        self.entries.append({"kind": kind, "text": text, "at": time.time()})

    def attach(self, run: Run, journal: Journal) -> None:
        """Copy the entries into the run (and its journal) and write the text file beside it."""
        known = {(e["kind"], e["text"], e["at"]) for e in run.transcript}
        run.transcript.extend(e for e in self.entries if (e["kind"], e["text"], e["at"]) not in known)
        journal.save(run)
        text = "\n".join(f"[{e['kind']}] {e['text']}" for e in run.transcript) + "\n"
        save_private(journal.transcript_path(run.run_id), text.encode(), what="transcript", durable=False)


EVENT_WORDS = {
    "run-started": "The run started",
    "step-started": "Step started",
    "progress": "Progress",
    "message": "Note",
    "output": "Result",
    "waiting-for-confirmation": "Asked to confirm",
    "step-succeeded": "Step done",
    "step-failed": "Step failed",
    "step-skipped": "Step skipped",
    "sweep": "Sweep",
    "run-finished": "The run ended",
}
_EVENT_LINE = re.compile(r"^(" + "|".join(map(re.escape, EVENT_WORDS)) + r")(?=$|[ :]):? ?")


def event_line(event: RunEvent) -> str:
    """A run event as the transcript says it: 'Step done: Back the ECS up with CBR: backup b-1 is available'."""
    if event.event == "run-started":
        return f"The run {'resumed' if event.data.get('resumed') else 'started'} (path {event.data.get('path')})"
    if event.event == "run-finished":
        return f"The run ended: {event.status}" + (f": {event.message}" if event.message else "")
    text = EVENT_WORDS.get(event.event, event.event)
    if event.event == "step-failed" and event.data.get("code"):
        service = f"{str(event.data['service']).upper()} " if event.data.get("service") else ""
        text += f" [{service}{event.data['code']}]"
    if event.event == "output":
        outputs = event.data.get("outputs") or {}
        event_message = ", ".join(f"{k}={v}" for k, v in outputs.items() if not isinstance(v, dict))
    else:
        event_message = event.message
    return text + "".join(f": {part}" for part in (event.title, event_message) if part)


def in_words(text: str) -> str:
    """A line of an older transcript, written as the event's name: 'step-started Back the ECS up' reads
    'Step started: Back the ECS up'. Any other line is returned as it is."""
    match = _EVENT_LINE.match(text)
    if not match:
        return text
    rest = text[match.end() :]
    return EVENT_WORDS[match.group(1)] + (f": {rest}" if rest else "")
