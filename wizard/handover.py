"""Handing a run to a colleague: ``runs export`` writes one file with the run's journal, its transcript
and its report; ``runs import`` checks that file as strictly as a journal read from disk and adds the
run to this machine's journals, for the project the importer's own settings reach.

The file holds no secret because the journal holds none: it names the cloud, region, project and
endpoints a run used (``Run.cloud``), never credentials. The importer's credentials then work with
``report``, ``resume``, ``abandon`` and the follow-ups, which already refuse a run of another project.

A demo run's resources exist only in the emulated world it ran in, so its export carries that world
as the state directory keeps it (JSON data, :mod:`wizard.sim.snapshot`, without the tokens the
emulator issued), and its import makes it the importer's demo world (:meth:`CloudSession.adopt_world`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wizard import journal_schema, statedir
from wizard.errors import UsageError
from wizard.journal import Journal, Run, check_run_id
from wizard.report import render
from wizard.session import CloudSession, demo_world_path

FORMAT = "ecs-wizard-run"
VERSION = 1
LIMIT = 64 * 1024 * 1024  # bytes an export may have (a journal's own limit)


@dataclass(frozen=True)
class Export:
    """A run as an exported file carries it (``world``: a demo run's emulated world, else None)."""

    run: Run
    transcript: str
    report: str
    world: dict[str, Any] | None = None


def make_export(run: Run, journal: Journal) -> Export:
    transcript_path = journal.transcript_path(run.run_id)
    transcript = transcript_path.read_text() if transcript_path.is_file() else ""
    return Export(run, transcript, render(run, "md"), demo_world_of(run, journal))


def demo_world_of(run: Run, journal: Journal) -> dict[str, Any] | None:
    """The emulated world a demo run ran in, as ``journal``'s state directory keeps it, without the
    tokens the emulator issued; None for a run on a real cloud, or when that world is not kept here."""
    from wizard.sim import snapshot

    world_id = run.cloud.get("world")
    if run.cloud.get("cloud") != "demo" or not world_id:
        return None
    path = demo_world_path(journal, run.cloud.get("profile", "otc"))
    if not (path.exists() or path.is_symlink()):
        return None
    raw = statedir.read_private(path, what="demo world")
    try:
        snapshot.loads(raw, 1.0)
    except snapshot.SnapshotError:
        return None  # a damaged world is set aside by the next demo session; the run goes without it
    world: dict[str, Any] = json.loads(raw)
    if world["world_id"] != world_id:
        return None
    world["state"]["tokens"] = {}
    return world


def export_bytes(export: Export) -> bytes:
    data = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run": export.run.to_dict(),
        "transcript": export.transcript,
        "report": export.report,
    }
    if export.world is not None:
        data["demo_world"] = export.world
    return json.dumps(data, indent=1, default=str, allow_nan=False).encode()


def default_export_path(run_id: str) -> Path:
    return Path(f"ecs-wizard-run-{check_run_id(run_id)}.json")


def write_export(export: Export, path: Path) -> Path:
    """Write ``export`` to ``path`` (mode 0600: it names the project and its resources)."""
    statedir.save_private(path, export_bytes(export), what="exported run")
    return path


def read_export(path: Path) -> Export:
    """The run in an exported file, checked like a journal (a file that is not one: UsageError)."""
    raw = statedir.read_private(path, what="exported run", limit=LIMIT)
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"{path} is not an exported run: not JSON ({exc}).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageError(f"{path} is not an exported run (made by 'ecs-wizard runs export RUN_ID').")
    if data.get("version") != VERSION:
        raise UsageError(f"{path} is an exported run of version {data.get('version')!r}; this wizard reads {VERSION}.")
    body: Any = data.get("run")
    run_id = body.get("run_id") if isinstance(body, dict) else None
    try:
        if not isinstance(run_id, str):
            raise journal_schema.DamagedJournal("run_id", "missing")
        check_run_id(run_id)
        journal_schema.validate(body, run_id)
        run = Run.from_dict(body)
        journal_schema.check_step_inputs(run.plan)
    except journal_schema.DamagedJournal as exc:
        raise UsageError(f"{path} holds a damaged run: {exc}. Nothing was imported.") from None
    transcript, report = data.get("transcript", ""), data.get("report", "")
    if not isinstance(transcript, str) or not isinstance(report, str):
        raise UsageError(f"{path} is damaged: its transcript and report must be text. Nothing was imported.")
    return Export(run, transcript, report, _read_world(data.get("demo_world"), run, path))


def _read_world(world: Any, run: Run, path: Path) -> dict[str, Any] | None:
    """The demo world in an export, checked as strictly as the state directory's own; it must be the
    world the exported run ran in."""
    from wizard.sim import snapshot

    if world is None:
        return None
    try:
        emulator = snapshot.loads(json.dumps(world).encode(), 1.0)
    except (snapshot.SnapshotError, TypeError, ValueError) as exc:
        raise UsageError(f"{path} holds a damaged demo world: {exc}. Nothing was imported.") from None
    ran_in = (run.cloud.get("cloud"), run.cloud.get("world"), run.cloud.get("profile", "otc"))
    if ran_in != ("demo", emulator.world_id, emulator.profile.name):
        raise UsageError(
            f"{path} is damaged: its demo world is not the one run {run.run_id} ran in. Nothing was imported."
        )
    return dict(world)


def import_run(export: Export, session: CloudSession) -> Run:
    """Add the exported run to the session's journal, for the cloud, region and project the importer's
    settings lead to (another is refused, naming both); a demo run's world becomes the session's."""
    run, journal, here = export.run, session.journal, session.cloud_record()
    theirs = (run.cloud.get("cloud"), run.cloud.get("region"), run.cloud.get("project_id"))
    ours = (here.get("cloud"), here.get("region"), here.get("project_id"))
    if theirs != ours:
        raise UsageError(
            f"Run {run.run_id} belongs to {_where(*theirs)}; your settings reach {_where(*ours)}. "
            "Nothing was imported.",
            "Import it with settings for the run's project (see 'ecs-wizard config show').",
        )
    path = journal.path(run.run_id)
    if path.exists() or path.is_symlink():
        raise UsageError(f"Run {run.run_id} is already on this machine ({path}). Nothing was imported.")
    if export.world is not None:
        session.adopt_world(json.dumps(export.world).encode(), run.run_id)
    journal.save(run)
    if export.transcript:
        statedir.save_private(
            journal.transcript_path(run.run_id), export.transcript.encode(), what="transcript", durable=False
        )
    return run


def _where(cloud: Any, region: Any, project: Any) -> str:
    return f"project {project} in {region} ({cloud})"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number an exported run can hold")
