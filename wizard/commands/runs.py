"""The runs this machine knows: ``runs`` (a list) and ``report RUN_ID`` (one run's report)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from wizard import errors, statedir
from wizard.commands.context import Invocation
from wizard.console import table
from wizard.journal import Journal
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
    run = journal.load(args.run_id)
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
        print(render(run, args.format))
    return errors.EXIT_OK
