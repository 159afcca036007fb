"""The durable record of a run: written atomically (temp file + rename, mode 0600) after every
event, in the user state directory (platformdirs) unless overridden. ``resume`` reads it back.

No secret is ever stored: the settings are reduced to cloud, region, project and endpoints. The
state directory and the journals are the user's own (:mod:`wizard.statedir`); a journal is checked
against its schema (:mod:`wizard.journal_schema`) before anything reads it, and its run id must be
the one its file is named after.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard import statedir
from wizard.errors import UsageError
from wizard.journal_schema import FORMAT_VERSION, RUN_ID_RE, DamagedJournal
from wizard.remedy import Action, Remedy, StepError
from wizard.status import RunStatus

if TYPE_CHECKING:
    from wizard.plan import Plan


def check_run_id(run_id: str) -> str:
    """``run_id`` if it has the form of a run id (so it names a file inside ``runs/`` and nothing else)."""
    if not isinstance(run_id, str) or not RUN_ID_RE.fullmatch(run_id):
        raise UsageError(
            f"{run_id!r} is not a run id: a run id is 12 lowercase hexadecimal characters, such as 3f9c0a7b12de.",
            Remedy(Action.LIST_RUNS),
        )
    return run_id


def default_state_dir() -> Path:
    env = os.environ.get("ECS_WIZARD_STATE_DIR")
    if env:
        return Path(env)
    return platform_state_dir()


def platform_state_dir() -> Path:
    """The state directory when neither --state-dir nor ECS_WIZARD_STATE_DIR names one."""
    import platformdirs

    return Path(platformdirs.user_state_dir("ecs-wizard", appauthor=False))


@dataclass
class Run:
    """One run as its journal records it: the image, the cloud, the diagnosis, the answers and the steps."""

    run_id: str
    image_ref: str
    cloud: dict[str, Any]
    diagnosis: dict[str, Any]
    answers: dict[str, Any]
    plan: Plan
    status: RunStatus = RunStatus.RUNNING
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    events: list[dict[str, Any]] = field(default_factory=list)
    transcript: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    error: StepError | None = None  # the failed step's, when the run failed
    abandon: dict[str, Any] | None = None  # wizard.abandon: when it started, whether the image is kept
    deletions: list[dict[str, Any]] = field(default_factory=list)  # each deletion abandon or cleanup made
    answer_changes: list[dict[str, Any]] = field(default_factory=list)  # wizard.change: each change on resume

    @property
    def new_image_id(self) -> str | None:
        for step in self.plan.steps:
            if step.kind == "create_image":
                return step.outputs.get("image_id") or step.state.get("image_id")
        return None

    @property
    def resumable(self) -> bool:
        return RunStatus(self.status).resumable

    def resources(self) -> list[dict[str, str]]:
        return [dict(r, step=s.name) for s in self.plan.steps for r in s.resources]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "run_id": self.run_id,
            "image_ref": self.image_ref,
            "cloud": self.cloud,
            "status": self.status,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "error": self.error.to_dict() if self.error else None,
            "diagnosis": self.diagnosis,
            "answers": self.answers,
            "plan": self.plan.to_dict(),
            "events": self.events,
            "transcript": self.transcript,
            "calls": self.calls,
            "abandon": self.abandon,
            "deletions": self.deletions,
            "answer_changes": self.answer_changes,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Run:
        from wizard.plan import Plan  # loaded with the first run read, not with the journal

        return cls(
            run_id=data["run_id"],
            image_ref=data.get("image_ref", ""),
            cloud=data.get("cloud") or {},
            diagnosis=data.get("diagnosis") or {},
            answers=data.get("answers") or {},
            plan=Plan.from_dict(data["plan"]),
            status=RunStatus(data.get("status", RunStatus.RUNNING)),
            created_at=data.get("created_at", 0.0),
            updated_at=data.get("updated_at", 0.0),
            events=list(data.get("events") or []),
            transcript=list(data.get("transcript") or []),
            calls=list(data.get("calls") or []),
            error=StepError.from_dict(data["error"]) if data.get("error") else None,
            abandon=data.get("abandon"),
            deletions=list(data.get("deletions") or []),
            answer_changes=list(data.get("answer_changes") or []),
        )


@dataclass
class DamagedFile:
    """A journal that was skipped: where it is and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class Journal:
    """The run journals in ``<state dir>/runs``. ``before_write(run)`` is called before each save
    (a demo session keeps its emulated world there, so the world is never older than a journal)."""

    def __init__(self, state_dir: Path | str | None = None):
        self.directory = Path(state_dir) if state_dir else default_state_dir()
        self.runs_dir = self.directory / "runs"
        self.before_write: Callable[[Run], None] | None = None
        self._checked = False

    def path(self, run_id: str) -> Path:
        return self.runs_dir / f"{check_run_id(run_id)}.json"

    def prepare(self) -> None:
        """Create (0700) or check the state and journal directories; the first time, remove the
        temporary files that killed writes left behind."""
        statedir.private_dir(self.directory, "state directory")
        statedir.private_dir(self.runs_dir, "run journal directory")
        if not self._checked:
            statedir.remove_stale_temporaries(self.directory)
            statedir.remove_stale_temporaries(self.runs_dir)
            self._checked = True

    def save(self, run: Run) -> None:
        path = self.path(run.run_id)
        self.prepare()
        if self.before_write is not None:
            self.before_write(run)
        run.updated_at = time.time()
        data = json.dumps(run.to_dict(), separators=(",", ":"), default=str, allow_nan=False).encode()  # C encoder
        statedir.save_private(path, data, what="run journal")

    def load(self, run_id: str) -> Run:
        path = self.path(run_id)
        if not path.is_file() and not path.is_symlink():
            raise UsageError(f"No run {run_id!r} in {self.runs_dir}.", Remedy(Action.LIST_RUNS))
        try:
            return self._read(path, run_id)
        except DamagedJournal as exc:
            raise UsageError(
                f"Damaged journal: {exc} ({path}).",
                "Nothing was changed. Move the file aside to continue; the cloud resources it lists may need a look.",
            ) from None

    def _read(self, path: Path, run_id: str) -> Run:
        from wizard import journal_schema

        self._check_directories()
        raw = statedir.read_private(path, what="run journal")
        try:
            data = json.loads(raw, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise DamagedJournal("(file)", f"not JSON: {exc}") from None
        journal_schema.validate(data, run_id)
        run = Run.from_dict(data)
        journal_schema.check_step_inputs(run.plan)
        return run

    def _check_directories(self) -> None:
        statedir.check_private(self.directory, "state directory")
        statedir.check_private(self.runs_dir, "run journal directory")

    def scan(self) -> tuple[list[Run], list[DamagedFile]]:
        """Every readable run (newest first) and every journal file that was skipped, with why."""
        runs: list[Run] = []
        damaged: list[DamagedFile] = []
        if self.directory.exists():
            statedir.check_private(self.directory, "state directory")
        if not self.runs_dir.is_dir():
            return runs, damaged
        self.prepare()
        for path in sorted(self.runs_dir.glob("*.json")):
            try:
                runs.append(self._read(path, check_run_id(path.stem)))
            except DamagedJournal as exc:
                damaged.append(DamagedFile(path, f"damaged journal: {exc}"))
            except UsageError as exc:
                damaged.append(DamagedFile(path, exc.message))
        return sorted(runs, key=lambda r: r.updated_at, reverse=True), damaged

    def runs(self) -> list[Run]:
        """Every readable run, the latest first (damaged journals are left out: see ``damaged``)."""
        return self.scan()[0]

    def damaged(self) -> list[DamagedFile]:
        return self.scan()[1]

    def latest_resumable(self) -> Run | None:
        return next((r for r in self.runs() if r.resumable), None)

    def transcript_path(self, run_id: str) -> Path:
        return self.runs_dir / f"{check_run_id(run_id)}.transcript.txt"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a journal can hold")
