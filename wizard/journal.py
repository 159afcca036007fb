"""The durable record of a run: written atomically (temp file + rename, mode 0600) after every
event, in the user state directory (platformdirs) unless overridden. ``resume`` reads it back.

No secret is ever stored: the settings are reduced to cloud, region, project and endpoints.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.errors import UsageError
from wizard.remedy import Action, Remedy, StepError
from wizard.status import RunStatus

if TYPE_CHECKING:
    from wizard.plan import Plan

FORMAT_VERSION = 1


def default_state_dir() -> Path:
    env = os.environ.get("ECS_WIZARD_STATE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_state_dir("ecs-wizard", appauthor=False))


@dataclass
class Run:
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
        )


class Journal:
    def __init__(self, state_dir: Path | str | None = None):
        self.directory = Path(state_dir) if state_dir else default_state_dir()
        self.runs_dir = self.directory / "runs"

    def path(self, run_id: str) -> Path:
        return self.runs_dir / f"{run_id}.json"

    def save(self, run: Run) -> None:
        run.updated_at = time.time()
        data = json.dumps(
            run.to_dict(), separators=(",", ":"), default=str
        ).encode()  # one line: the C encoder, 5x faster
        try:
            self._write(run.run_id, data)
        except OSError as exc:
            raise UsageError(
                f"The run journal cannot be written in {self.runs_dir}: {exc.strerror or exc}.",
                "Point ECS_WIZARD_STATE_DIR at a directory you can write to: "
                "the journal is what makes a run resumable.",
            ) from None

    def _write(self, run_id: str, data: bytes) -> None:
        self.runs_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{run_id}.", suffix=".tmp", dir=self.runs_dir)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path(run_id))
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise

    def load(self, run_id: str) -> Run:
        path = self.path(run_id)
        if not path.is_file():
            raise UsageError(f"No run {run_id!r} in {self.runs_dir}.", Remedy(Action.LIST_RUNS))
        try:
            data = json.loads(path.read_text())
            if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
                raise ValueError("unknown format")
            return Run.from_dict(data)
        except (ValueError, KeyError, TypeError) as exc:
            raise UsageError(
                f"The journal of run {run_id} is damaged ({path}: {exc.__class__.__name__}).",
                "Nothing was changed. Move the file aside to continue; the cloud resources it lists may need a look.",
            ) from None

    def runs(self) -> list[Run]:
        """Every readable run, the latest first (damaged journals are left out: see ``damaged``)."""
        runs: list[Run] = []
        if not self.runs_dir.is_dir():
            return runs
        for path in self.runs_dir.glob("*.json"):
            try:
                runs.append(self.load(path.stem))
            except UsageError:
                continue
        return sorted(runs, key=lambda r: r.updated_at, reverse=True)

    def damaged(self) -> list[Path]:
        bad = []
        if self.runs_dir.is_dir():
            for path in self.runs_dir.glob("*.json"):
                try:
                    self.load(path.stem)
                except UsageError:
                    bad.append(path)
        return bad

    def latest_resumable(self) -> Run | None:
        return next((r for r in self.runs() if r.resumable), None)

    def transcript_path(self, run_id: str) -> Path:
        return self.runs_dir / f"{run_id}.transcript.txt"
