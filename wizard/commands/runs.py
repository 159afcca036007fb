"""The runs this machine knows: ``runs`` (a list), ``report RUN_ID`` (one run's report), and ``runs
export RUN_ID`` / ``runs import FILE`` (a run handed to a colleague, :mod:`wizard.handover`)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from wizard import errors, statedir
from wizard.commands.context import Invocation
from wizard.console import table
from wizard.journal import Journal, Run
from wizard.reach import Reach
from wizard.remedy import Action, Remedy
from wizard.report import render, write_report
from wizard.text import visible


def _utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def cmd_runs(invocation: Invocation) -> int:
    args = invocation.args
    journal = Journal(args.state_dir)
    runs = journal.runs()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "run_id": r.run_id,
                        "status": r.status,
                        "image_id": r.plan.image_id,
                        "image_name": r.plan.image_name,
                        "path": r.plan.path_id,
                        "new_image_id": r.new_image_id,
                        "updated_at": _utc(r.updated_at),
                    }
                    for r in runs
                ],
                indent=2,
            )
        )
    else:
        if runs:
            rows = [
                [
                    r.run_id,
                    r.status,
                    r.plan.image_name,
                    r.plan.path_id,
                    r.new_image_id or "-",
                    datetime.fromtimestamp(r.updated_at).strftime("%Y-%m-%d %H:%M"),
                ]
                for r in runs
            ]
            print(table(rows, ["run", "status", "image", "path", "new image", "updated"]))
        else:
            print("No runs yet.")
        print(f"Journals live in {journal.runs_dir}")
    for damaged in journal.damaged():
        print(f"warning: {damaged.path}: {visible(damaged.reason)}; skipped", file=sys.stderr)
    return errors.EXIT_OK


def cmd_report(invocation: Invocation) -> int:
    args = invocation.args
    journal = Journal(args.state_dir)
    run = latest_run(journal) if args.run_id is None else journal.load(args.run_id)
    if args.output:
        try:  # private like the journal it comes from: mode 0600
            write_report(run, journal, args.format, args.output)
        except OSError as exc:
            if exc.errno in statedir.NO_SPACE:
                raise statedir.write_error(exc, Path(args.output).parent, "report") from None
            raise errors.UsageError(
                f"Cannot write the report to {args.output}: {exc.strerror or exc}.",
                "Name a file in a directory that exists and you can write to, or leave out -o to print it.",
            ) from None
        print(f"report written to {args.output}", file=sys.stderr)
    else:
        print(render(run, args.format, journal))
    return errors.EXIT_OK


def latest_run(journal: Journal) -> Run:
    """The run updated last (``report`` without a RUN_ID), said on standard error so it is never a guess."""
    runs = journal.runs()
    if not runs:
        raise errors.UsageError(
            f"No runs yet in {journal.runs_dir}, so there is no report to show.", Remedy(Action.LIST_RUNS)
        )
    run = runs[0]
    updated = datetime.fromtimestamp(run.updated_at).strftime("%Y-%m-%d %H:%M")
    print(
        f"The latest run: {run.run_id} ({run.status}, image {visible(run.plan.image_name)}, updated {updated}). "
        f"Name another: {Reach.of_directory(journal.directory).command('report', 'RUN_ID')}",
        file=sys.stderr,
    )
    return run


def cmd_runs_export(invocation: Invocation) -> int:
    from wizard.handover import default_export_path, make_export, write_export

    args = invocation.args
    journal = Journal(args.state_dir)
    export = make_export(journal.load(args.run_id), journal)
    run = export.run
    path = write_export(export, Path(args.output) if args.output else default_export_path(run.run_id))
    contents = "its journal, transcript and report"
    if export.world is not None:
        contents += ", and the demo world it ran in"
    elif run.cloud.get("cloud") == "demo":
        contents += " (not its demo world, which this state directory no longer keeps: it cannot be continued)"
    print(
        f"Run {run.run_id} exported to {path}: {contents} (no credentials; mode 0600).\n"
        f"On the other machine: ecs-wizard runs import {path.name}"
    )
    return errors.EXIT_OK


def cmd_runs_import(invocation: Invocation) -> int:
    from wizard.handover import import_run, read_export

    export = read_export(Path(invocation.args.file))
    cloud = export.run.cloud
    session = invocation.open_session(demo=cloud.get("cloud") == "demo", profile=cloud.get("profile"))
    run = import_run(export, session)
    follow = session.command("resume" if run.resumable else "report", run.run_id)
    image = visible(run.plan.image_name)
    world = ", with the demo world it ran in" if export.world is not None else ""
    print(
        f"Run {run.run_id} ({run.status}, image {image}) imported into {session.journal.runs_dir}{world}.\n"
        f"Next: {follow}"
    )
    return errors.EXIT_OK
