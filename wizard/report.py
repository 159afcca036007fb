"""A run's report, Markdown or JSON: the diagnosis with its evidence, the answers, every step with
timings, resource ids, request ids and errors, and the guided-session transcript. Built only from
the journal, which never holds secrets.

Also the run's outcome in one place, ``RunSummary``, which every front end renders (the TUI's
summary screen, plain mode's closing lines, the report's Outcome section); the one wording for a time
span (``duration_text``); and where reports are written (``report_path``, ``write_report``).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard import config, costs, statedir
from wizard import report_sections as sections
from wizard.before_after import NOT_MEASURED, TITLE, BeforeAfter
from wizard.journal import Run
from wizard.plan import follow_up_remedies, follow_ups
from wizard.reach import Reach
from wizard.remedy import COMMAND_LINE, CommandLine, Phrases, Remedy
from wizard.status import RunStatus, StepStatus
from wizard.text import visible

if TYPE_CHECKING:
    from wizard.journal import Journal
    from wizard.plan import Plan
    from wizard.steps import Step

FORMATS = {"md": "md", "markdown": "md", "json": "json"}  # format name -> file extension


# -- the outcome of a run ----------------------------------------------------------------------


def duration_text(seconds: float | None) -> str:
    """A time span as every front end says it: "42.0 s", "1 min 05 s", "2 h 03 min"; "-" if unknown."""
    if seconds is None:
        return "-"
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def here_and_cloud(here: float | None, cloud: float | None, speed: float | None) -> str:
    """A working time: '24.0 s'; where the cloud's clock ran ``speed`` times faster (a demo) '4 min of
    cloud time, 24.0 s here at 10x', the cloud's time first, as a real cloud would take it."""
    if here is None or cloud is None or not speed or speed == 1:
        return duration_text(here)
    return f"{duration_text(cloud)} of cloud time, {duration_text(here)} here at {speed:g}x"


def _worked(step: Step) -> tuple[float, float, float]:
    """(here, cloud) seconds a step worked and the cloud's speed (the runner's record), or, in a journal
    from before it kept one, its start to its end."""
    if "worked" in step.state:
        return step.state["worked"], step.state.get("cloud_worked", step.state["worked"]), step.state.get("speed", 1)
    span = (step.ended_at or step.started_at or 0.0) - (step.started_at or 0.0)
    return span, span, 1.0


@dataclass(frozen=True)
class TestLaunch:
    """The test launch: an ECS made from the new image, timed, then deleted."""

    __test__ = False  # not a pytest test class, whatever its name

    status: str
    message: str
    seconds: float | None  # until the test ECS was ACTIVE, as the wizard saw it; None when it did not get there


@dataclass(frozen=True)
class TempServer:
    """The temporary ECS made from the slow image, and what became of it."""

    server_id: str | None
    deletion: str | None  # the status of the step deleting it; None when no such step was planned

    @property
    def deleted(self) -> bool:
        return self.deletion == StepStatus.SUCCEEDED

    @property
    def kept(self) -> bool:
        """Never asked to delete it, or the deletion was declined: it exists and is billed."""
        return self.deletion in (None, StepStatus.SKIPPED)


@dataclass(frozen=True)
class FailedStep:
    title: str
    message: str
    remedy: Remedy | None  # each front end phrases it


@dataclass(frozen=True)
class RunSummary:
    """What a run achieved, read once from its journal: every front end renders this."""

    run_id: str
    status: str
    demo: bool
    image_id: str
    image_name: str
    new_image_name: str
    new_image_id: str | None
    seconds: float | None  # the steps' working time, not the time spent waiting for the user
    cloud_seconds: float | None  # the same in the cloud's time (a demo's emulator runs faster)
    speed: float | None  # the cloud's seconds per second here (a demo's emulator speed; 1 on a real cloud)
    checks: dict[str, bool]  # the new image's verification, check -> passed
    test_launch: TestLaunch | None
    before_after: BeforeAfter  # the time to create an ECS from the old image and from the new one
    temp_server: TempServer | None
    old_image_deletion: str | None  # the status of deleting the old image; None: it was kept
    backup_ids: list[str]  # the backups the new image needs
    failed: FailedStep | None
    resources: list[dict[str, str]]
    follow_ups: list[str]  # step kinds still on offer (plan.FOLLOW_UPS), once the run succeeded
    follow_up_hints: dict[str, str]  # the same -> a line with the command that does it later
    deletions: list[dict[str, Any]]  # what abandon or a cleanup deleted, could not delete, or kept (wizard.abandon)
    costs: costs.Costs  # what is still billed (wizard.costs)

    @classmethod
    def of(cls, run: Run, commands: Phrases = COMMAND_LINE) -> RunSummary:
        """``commands``: how the follow-up hints spell their commands (a session's or :func:`commands_for`'s
        work as printed)."""
        plan = run.plan
        worked = [_worked(s) for s in plan.steps if s.started_at]
        verify, delete_old = plan.first("verify_image"), plan.first("delete_old_image")
        resources = run.resources()
        demo = run.cloud.get("cloud") == "demo"
        succeeded = run.status == RunStatus.SUCCEEDED
        deleted = {d["id"] for d in run.deletions if d.get("status") == "deleted"}
        return cls(
            run_id=run.run_id,
            status=run.status,
            demo=demo,
            image_id=plan.image_id,
            image_name=plan.image_name,
            new_image_name=plan.new_image_name,
            new_image_id=run.new_image_id,
            seconds=sum(here for here, _, _ in worked) if worked else None,
            cloud_seconds=sum(cloud for _, cloud, _ in worked) if worked else None,
            speed=max((speed for _, _, speed in worked), default=None),
            checks=dict((verify.outputs.get("checks") if verify else None) or {}),
            test_launch=_test_launch(plan),
            before_after=BeforeAfter.of(plan),
            temp_server=_temp_server(plan, deleted),
            old_image_deletion=delete_old.status if delete_old else None,
            backup_ids=[r["id"] for r in resources if r.get("type") == "backup"],
            failed=_failed(plan),
            resources=resources,
            follow_ups=follow_ups(plan) if succeeded else [],
            follow_up_hints={kind: commands.say(r) for kind, r in follow_up_remedies(plan, demo=demo).items()}
            if succeeded
            else {},
            deletions=list(run.deletions),
            costs=costs.of(run),
        )

    @property
    def succeeded(self) -> bool:
        return self.status == RunStatus.SUCCEEDED

    @property
    def abandoned(self) -> bool:
        """Given up (``ecs-wizard abandon``): what it made is deleted, or being deleted."""
        return RunStatus(self.status).abandoned

    @property
    def duration(self) -> str:
        """The run's working time; on a demo also in the cloud's time, with the speed."""
        return here_and_cloud(self.seconds, self.cloud_seconds, self.speed)

    def test_launch_text(self) -> str:
        """The test launch in one or two sentences, with the comparison when there is one."""
        test = self.test_launch
        if test is None:
            return ""
        if test.status == StepStatus.PENDING:
            return "not done: the run stopped before it."
        if test.seconds is None:
            return f"{test.status}: {test.message}"
        created = self.before_after.new.seconds
        if created is None:  # the cloud gave no start time: what the wizard saw
            return (
                f"An ECS from the new image was ACTIVE after {duration_text(test.seconds)} (the test ECS was deleted)."
            )
        text = f"An ECS from the new image was created in {duration_text(created)} (the test ECS was deleted)."
        return f"{text}\n{self.before_after.sentence()}" if self.before_after.speedup else text

    def cleanup_lines(self, delete_hint: str = "") -> list[tuple[str, str]]:
        """(mark, sentence) for what became of the temporary ECS, the old image and the new backup. The
        mark: "ok" done, ".." not done (under way, failed), "!" kept and billed, "" a note.
        ``delete_hint`` follows "until you delete it" for a kept temporary ECS: how this front end does it."""
        lines = self.deletion_lines()
        temp = self.temp_server
        if temp is not None and temp.server_id and temp.server_id not in {d["id"] for d in self.deletions}:
            if temp.deleted:
                lines.append(("ok", f"The temporary ECS {temp.server_id} was deleted."))
            elif not self.succeeded:  # the run may still need it; it bills meanwhile
                lines.append(("!", f"The temporary ECS {temp.server_id} is billed while it exists{delete_hint}."))
            elif temp.kept:  # never asked for, or declined at its confirmation
                lines.append(
                    (
                        "!",
                        f"The temporary ECS {temp.server_id} was kept as you asked; "
                        f"it is billed until you delete it{delete_hint}.",
                    )
                )
            else:
                lines.append(("..", f"Deleting the temporary ECS {temp.server_id}: {temp.deletion}."))
        if self.old_image_deletion is None:
            lines.append(("", f"The old image {self.image_id} was kept. Delete it once nothing uses it any more."))
        else:
            mark = "ok" if self.old_image_deletion == StepStatus.SUCCEEDED else ".."
            lines.append((mark, f"The old image: {self.old_image_deletion}."))
        if self.backup_ids and self.new_image_id and self.new_image_id not in self._deleted_ids():
            lines.append(("", f"Keep the new backup: the new image needs it ({', '.join(self.backup_ids)})."))
        return lines

    def _deleted_ids(self) -> set[str]:
        return {d["id"] for d in self.deletions if d.get("status") == "deleted"}

    def deletion_lines(self) -> list[tuple[str, str]]:
        """(mark, sentence) for each resource abandon or a cleanup deleted, could not delete, or kept."""
        lines = []
        for d in self.deletions:
            what = f"{d['type']} {d['name']} ({d['id']})"
            by = "abandoning the run" if d.get("by") == "abandon" else "cleanup"
            if d.get("status") == "deleted":
                lines.append(("ok", f"Deleted {what} ({by})."))
            elif d.get("status") == "kept":
                lines.append(("", f"Kept {what}: {d.get('reason', '')}."))
            elif d.get("status") == "failed":
                lines.append(("!", f"Could not delete {what}: {d.get('reason', '')}."))
            else:
                lines.append(("..", f"Deleting {what} ({by}) was under way when it stopped."))
        return lines


def _test_launch(plan: Plan) -> TestLaunch | None:
    test = plan.first("test_launch")
    if test is None:
        return None
    return TestLaunch(test.status, test.message, test.outputs.get("seconds_to_active"))


def _temp_server(plan: Plan, deleted: set[str]) -> TempServer | None:
    """The temporary ECS; deleted by its step, or after the run (``deleted``: by abandon or a cleanup)."""
    temp, delete = plan.first("create_temp_server"), plan.first("delete_temp_server")
    if temp is None:
        return None
    server_id = temp.outputs.get("server_id") or temp.state.get("server_id")
    if server_id in deleted:
        return TempServer(server_id, StepStatus.SUCCEEDED)
    return TempServer(server_id, delete.status if delete else None)


def _failed(plan: Plan) -> FailedStep | None:
    step = plan.failed_step()
    if step is None:
        return None
    if step.error is None:
        return FailedStep(step.title, step.status, None)
    return FailedStep(step.title, step.error.message or step.status, step.error.remedy)


# -- where reports go --------------------------------------------------------------------------


def report_path(journal: Journal, run_id: str, fmt: str = "md") -> Path:
    """Where the report of a run is written: ``<state dir>/reports/``, beside the run journals, as an
    absolute path."""
    return (journal.directory / "reports" / f"ecs-wizard-report-{run_id}.{_extension(fmt)}").resolve()


def write_report(run: Run, journal: Journal, fmt: str = "md", path: Path | str | None = None) -> Path:
    """Write the report of ``run`` to ``path``, readable by its owner only (mode 0600 from the first
    byte, as the journal). By default ``report_path``: the state directory's ``reports/`` (0700, made
    when missing, refused like the state directory when it is not the user's own), written atomically.
    Any other directory must exist. Returns the path written; OSError when it cannot be written,
    UsageError for a reports directory that is not the user's own."""
    text = render(run, fmt, journal)
    if path is None:
        path = report_path(journal, run.run_id, fmt)
        statedir.private_dir(path.parent, "reports directory")
        statedir.write_private(path, text.encode(), durable=False)
        return path
    path = Path(path)  # the user's own choice, such as /dev/stdout: written in place, not replaced
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        os.fchmod(fd, 0o600)  # a file that already existed keeps its mode through O_CREAT
        f.write(text)
    return path


def _extension(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r} (use md or json)")
    return FORMATS[fmt]


# -- rendering ---------------------------------------------------------------------------------


def _when(ts: float | None) -> str:
    if not ts:
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def to_json(run: Run) -> str:
    data = run.to_dict()
    data["new_image_id"] = run.new_image_id
    data["resources"] = run.resources()
    data["sweeps"] = sweeps(run)
    data["still_billed"] = [asdict(cost) for cost in costs.of(run).items]
    return json.dumps(data, indent=2, default=str)


def commands_for(run: Run, journal: Journal | None) -> CommandLine:
    """The commands a report of ``run`` prints, as they work pasted into a fresh shell: with the journal's
    state directory and the cloud the run's record names (``wizard.reach.Reach.of_run``). Without the
    journal, the bare commands."""
    if journal is None:
        return COMMAND_LINE
    return CommandLine(Reach.of_run(run.cloud, journal.directory).command)


def _outcome(summary: RunSummary, commands: CommandLine) -> list[str]:
    """The Outcome section: what the run achieved, as the summary screen and plain mode show it."""
    cleanup_command, abandon_command = (
        commands.build("resume", summary.run_id, "--cleanup"),
        commands.build("abandon", summary.run_id),
    )
    lines = ["## Outcome", ""]
    if summary.status == RunStatus.ABANDONED:
        kept = any(d.get("status") == "kept" for d in summary.deletions)
        lines.append(f"- **Abandoned**: nothing the run made is left{' but what is kept below' if kept else ''}.")
    elif summary.status == RunStatus.ABANDONING:
        lines.append(f"- **Being abandoned**: the abandon stopped before it finished; `{abandon_command}` finishes it.")
    if summary.failed is not None:
        lines.append(f"- Stopped at **{summary.failed.title}** (the error is under Errors below).")
    if summary.checks:
        lines.append(
            "- Verification of the new image: "
            + "; ".join(f"{name}: {'ok' if ok else 'FAILED'}" for name, ok in summary.checks.items())
        )
    if summary.test_launch is not None:
        lines.append("- Test launch: " + summary.test_launch_text().replace("\n", " "))
    later = dict(summary.follow_up_hints)
    cleanup = f" (`{cleanup_command}`)" if later.pop("delete_temp_server", None) else ""
    if not summary.succeeded and not summary.abandoned:
        cleanup = f" (`{cleanup_command}` deletes it; `{abandon_command}` deletes everything the run made)"
    lines += [f"- {text}" for _, text in summary.cleanup_lines(cleanup)]
    lines += [f"- {text}" for text in later.values()]
    return [*lines, ""]


def text_chart(before_after: BeforeAfter, width: int = 40) -> list[str]:
    """The before/after chart as text, a bar of at most ``width`` characters per image (the report, plain mode)."""
    sides = before_after.sides
    longest = max(side.seconds or 0.0 for side in sides)
    label_width = max(len(side.label) for side in sides)
    lines = []
    for side in sides:
        if side.seconds is None:
            lines.append(f"{side.label:<{label_width}}  {NOT_MEASURED}")
        else:
            length = max(1, round(width * side.seconds / longest))
            lines.append(f"{side.label:<{label_width}}  {'█' * length} {duration_text(side.seconds)}")
    return lines


def _before_after(summary: RunSummary) -> list[str]:
    """The Before and after section: the chart as text (and as a Mermaid chart when both sides are
    measured), where each figure comes from, and the comparison."""
    chart = summary.before_after
    if not summary.succeeded and chart.old.seconds is None and chart.new.seconds is None:
        return []
    lines = ["## Before and after", "", f"{TITLE}:", "", "```text", *text_chart(chart), "```", ""]
    lines += [f"- {line}" for line in chart.sources()]
    if chart.sentence():
        lines.append(f"- {chart.sentence()}")
    return [*lines, "", *chart.mermaid(), *([""] if chart.mermaid() else [])]


def _money(billed: costs.Costs) -> list[str]:
    """The "Still costs money" section: each resource still billed, what it is for, what it is billed by."""
    lines = ["## Still costs money", ""]
    if billed.demo:
        lines += ["_A demo: the emulator bills nothing. In a real cloud these would be billed._", ""]
    lines += [f"- {cost.sentence}" for cost in billed.items] or ["- Nothing: no resource of this run is still billed."]
    return [*lines, ""]


def _answer_changes(run: Run) -> list[str]:
    """Each change of answers on resume (``wizard.change``), as a line of the Answers section."""
    lines = []
    for changed in run.answer_changes:
        what = "; ".join(
            f"{key} {old or '(none)'} -> {new or '(none)'}" for key, (old, new) in changed["changes"].items()
        )
        lines.append(
            f"- Changed on resume, {_when(changed.get('at'))}: {what} (rebuilt: {', '.join(changed['rebuilt'])})"
        )
    return lines


def to_markdown(run: Run, commands: CommandLine = COMMAND_LINE) -> str:
    """The report; ``commands`` spells the commands in it (:func:`commands_for`)."""
    d = run.diagnosis
    plan = run.plan
    summary = RunSummary.of(run, commands)
    lines = [
        f"# ecs-wizard run {run.run_id}",
        "",
        f"- **Status:** {summary.status}",
        f"- **Image:** {summary.image_name} (`{summary.image_id}`)",
        f"- **New image:** {summary.new_image_name}" + (f" (`{summary.new_image_id}`)" if summary.new_image_id else ""),
        f"- **Cloud:** {run.cloud.get('cloud')} / {run.cloud.get('region')} / project `{run.cloud.get('project_id')}`",
        f"- **Started:** {_when(run.created_at)}; **last update:** {_when(run.updated_at)}",
        *([f"- **Warning:** {config.INSECURE_WARNING}"] if run.cloud.get("verify_tls") is False else []),
        f"- **Time taken:** {summary.duration}",
        "",
        *_outcome(summary, commands),
        *_before_after(summary),
        *_money(summary.costs),
        "## Diagnosis",
        "",
        f"**{d.get('summary', d.get('verdict'))}**",
        "",
        d.get("advice", ""),
        "",
        "| field | value | read from | meaning |",
        "|---|---|---|---|",
    ]
    for e in d.get("evidence") or []:
        row = (e["field"], e["value"], e["source"], e.get("meaning", ""))
        lines.append("| " + " | ".join(sections.cell(v) for v in row) + " |")
    server = d.get("source_server") or {}
    if server:
        exists = {True: "exists", False: "deleted", None: "unknown"}[server.get("exists")]
        lines += ["", f"Source ECS: `{server.get('id')}` ({server.get('name') or 'name unknown'}): {exists}."]
    history = sections.histories(run)
    lines += ["", "## Answers", "", *sections.answers(run), *_answer_changes(run)]
    lines += ["", f"## Path: {plan.path.title}", "", *sections.steps_table(run, history)]
    failures = sections.failures(run, history)
    if failures:
        lines += ["", "### Failures and retries", "", *failures]
    if any(s.started_at for s in plan.steps):
        lines += ["", "## Timeline", "", "```mermaid", *sections.gantt(run), "```"]
    resources = run.resources()
    lines += ["", "## Resources created by this run", ""]
    lines += [f"- {r['type']} `{r['id']}` ({r['name']}), step {r['step']}" for r in resources] or ["- none"]
    lines += _sweeps(run)
    errors = [(s.title, s.error) for s in plan.steps if s.error is not None]
    if errors:
        lines += ["", "## Errors", ""]
        for title, e in errors:
            code = f" `{e.service.upper() + ' ' if e.service else ''}{e.code}`" if e.code else ""
            rid = f" (request id `{e.request_id}`)" if e.request_id else ""
            lines.append(f"- **{title}**{code}: {e.message}{rid}. {commands.say(e.remedy) if e.remedy else ''}")
    if run.calls:
        lines += [
            "",
            "## API calls",
            "",
            "Each step's calls to one address are one row: a status poll with its count, "
            "its first and last HTTP status and request ids.",
            "",
            *sections.calls_table(run),
        ]
    if run.transcript:
        lines += ["", "## Session transcript", "", *sections.transcript(run)]
    lines += ["", f"_Flowchart path {plan.path_id}; the full chart: `ecs-wizard flowchart`._", ""]
    return visible("\n".join(lines), lines=True)  # a report is read in terminals too: no control codes


def sweeps(run: Run) -> list[dict[str, Any]]:
    """What each sweep found and did (``wizard.ownership.sweep``), from the run's events."""
    return [e["sweep"] for e in run.events if e.get("event") == "sweep" and isinstance(e.get("sweep"), dict)]


def _sweeps(run: Run) -> list[str]:
    """The sweeps that deleted or could not delete something, and the last sweep's count."""
    done = sweeps(run)
    if not done:
        return []
    lines = ["", "## Sweeps (what carries this run's mark)", ""]
    for sweep in done:
        for o in sweep.get("deleted") or []:
            lines.append(f"- {sweep['when']}: deleted the surplus: {o['type']} `{o['id']}` ({o['name']})")
        for o in sweep.get("failed") or []:
            lines.append(f"- {sweep['when']}: could not delete {o['type']} `{o['id']}` ({o['name']}): {o['reason']}")
        if sweep.get("error"):
            lines.append(f"- {sweep['when']}: could not list what carries the mark: {sweep['error']}")
    last = done[-1]
    lines.append(
        f"- last sweep ({last['when']}): {len(last.get('found') or [])} resource(s) carry the mark, "
        f"{len(last.get('kept') or [])} kept as the journal holds them"
    )
    return lines


def render(run: Run, fmt: str = "md", journal: Journal | None = None) -> str:
    """The report of ``run``; ``journal``: the one it was read from, whose state directory its commands name."""
    if fmt == "json":
        return to_json(run)
    if fmt in ("md", "markdown"):
        return to_markdown(run, commands_for(run, journal))
    raise ValueError(f"unknown report format {fmt!r} (use md or json)")
