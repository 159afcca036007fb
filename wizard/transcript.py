"""A guided session's transcript: what was shown and what was answered, in order. Kept in the
run's journal and as a text file beside it, and included in the report."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.journal import Journal, Run

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
