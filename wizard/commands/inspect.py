"""Read-only commands: ``diagnose IMAGE`` and ``scan`` (every full-ECS image), each with the image's
open run on this machine and the fast copy already made of it (``wizard.ownership``), and ``doctor``
(is this configuration ready for a repair?)."""

from __future__ import annotations

import json
from typing import Any

from wizard import errors, ownership
from wizard.cloud.ims import PAGE_SIZE
from wizard.cloud.models import Image
from wizard.commands.context import Invocation
from wizard.console import ProgressLine, diagnosis_text, table
from wizard.diagnose import Diagnosis, diagnose, no_full_ecs_images, scan, tally
from wizard.pacing import AdaptiveLimit
from wizard.session import CloudSession
from wizard.text import visible
from wizard.verdict import Verdict


def cmd_diagnose(invocation: Invocation) -> int:
    args = invocation.args
    session = invocation.open_session(check=True)
    d = diagnose(session.clients, args.image)
    code = errors.verdict_exit_code(d.verdict)
    runs = ownership.open_runs(session.journal, d.image_id, session.clients.project_id)
    copy = ownership.find_fast_copy(session.clients, d.image_id)
    if args.json:
        shown = {
            **d.to_dict(),
            "open_run": ownership.open_run_row(session.journal, runs[0] if runs else None),
            "fast_copy": {"image_id": copy.id, "image_name": copy.name} if copy else None,
        }
        print(json.dumps(shown, indent=2))
        return code
    print(diagnosis_text(d))
    if runs:
        described = ownership.describe_open_run(session.journal, runs[0])
        print(f"\nOpen run: {described}; resume it with: {session.resume_command(runs[0].run_id)}")
    if copy is not None:
        print(f"\nFast copy already made: {copy.name} ({copy.id}), by run {copy.tags.get(ownership.MARK_KEY)}")
    return code


def cmd_scan(invocation: Invocation) -> int:
    args = invocation.args
    session = invocation.open_session(check=True)
    pace = AdaptiveLimit(args.concurrency)
    with session.clients.throttles_to(pace.on_throttle):  # the listing's throttled calls count too
        images = list(session.clients.ims.list_full_ecs_images())
    # a bar only when the wait is worth one: more images than one page of the listing
    with ProgressLine(enabled=not args.json and len(images) > PAGE_SIZE) as progress:
        done = 0

        def count(_: Diagnosis) -> None:  # scan calls it under its lock
            nonlocal done
            done += 1
            progress.show(f"scanning {len(images)} images", done, len(images))

        progress.show(f"scanning {len(images)} images", 0, len(images))
        results = scan(session.clients, images=images, pace=pace, on_result=count)
    open_runs, copies = _ownership_columns(session, images, results)
    code = errors.EXIT_UNKNOWN if any(d.verdict is Verdict.UNKNOWN for d in results) else errors.EXIT_OK
    if args.json:
        rows_json = [
            {**d.scan_row(), "open_run": open_runs.get(d.image_id), "fast_copy": copies.get(d.image_id)}
            for d in results
        ]
        shown = {
            "images": rows_json,
            "throttled": pace.throttled,
            "concurrency": {"peak": pace.peak, "end": pace.limit},
        }
        print(json.dumps(shown, indent=2))
        return code
    rows = []
    for d in results:
        server = d.source_server
        state = "exists" if server and server.exists else "deleted" if server and server.exists is False else "unknown"
        # the name tells servers apart at a glance (ids share long prefixes); --json has the ids
        source = "-" if not server or not server.id else f"{server.name or server.id} ({state})"
        run, copy = open_runs.get(d.image_id), copies.get(d.image_id)
        rows.append(
            [
                d.image_name,
                d.image_id,
                d.verdict,
                (d.backup_service or "-").upper(),
                source,
                f"{run['run_id']} ({run['status']})" if run else "-",
                copy["image_name"] if copy else "-",
            ]
        )
    if not rows:
        print(visible(no_full_ecs_images(session.clients.project_id, session.settings.region)))
        return code
    print(table(rows, ["image", "id", "verdict", "backup", "source ECS", "open run", "fast copy"]))
    for reason, names in _unknown_by_reason(results).items():
        print(visible(f"\nUnknown ({', '.join(names)}): {reason}.", lines=True))  # names and words from the cloud
    print(
        f"\n{tally(results)}"
        + (f" Repair one with: {session.command('run', 'IMAGE')}" if any(d.affected for d in results) else "")
    )
    if pace.throttled:
        requests = f"{pace.throttled} request{'s' if pace.throttled != 1 else ''}"
        at_once = f"{pace.limit} image{'s' if pace.limit != 1 else ''}"
        print(
            f"The cloud throttled {requests}; each was retried after the wait it asked for, "
            f"and the scan slowed to {at_once} at a time."
        )
    return code


def _unknown_by_reason(results: list[Diagnosis]) -> dict[str, list[str]]:
    """The images whose verdict is unknown, by the reason (a wrong project gives them all the same one)."""
    by_reason: dict[str, list[str]] = {}
    for d in results:
        if d.reason:
            by_reason.setdefault(d.reason, []).append(d.image_name)
    return by_reason


def _ownership_columns(
    session: CloudSession, images: list[Image], results: list[Diagnosis]
) -> tuple[dict[str, dict[str, Any] | None], dict[str, dict[str, str]]]:
    """Per image id: its open run on this machine, and the fast copy already made of it."""
    open_runs: dict[str, dict[str, Any] | None] = {}
    for run in session.journal.runs():
        if run.resumable and run.cloud.get("project_id") in (None, session.clients.project_id):
            open_runs.setdefault(run.plan.image_id, ownership.open_run_row(session.journal, run))
    copies = ownership.fast_copies_among(images, {d.image_id: d.verdict for d in results})
    return open_runs, {k: {"image_id": v.id, "image_name": v.name} for k, v in copies.items()}


def cmd_doctor(invocation: Invocation) -> int:
    """Every check of :mod:`wizard.doctor`, as a table (a progress line on a terminal while they run)
    or as JSON. Exit 0 when nothing failed, 1 when a check failed or crashed."""
    from wizard.console import ProgressLine, doctor_text
    from wizard.doctor import Probe, passed, run_checks

    args = invocation.args
    session = invocation.open_session()
    probe = Probe(session.settings, session.connect)
    with ProgressLine(enabled=not args.json) as progress:
        rows = run_checks(probe, on_check=lambda name: progress.show(f"checking {name}"))
    ok = passed(rows)
    if args.json:
        clients = probe.clients()
        print(
            json.dumps(
                {
                    "ok": ok,
                    "cloud": session.settings.cloud,
                    "region": session.settings.region,
                    "project_id": (clients.project_id if clients else None) or session.settings.project_id,
                    "rows": [r.to_dict() for r in rows],
                },
                indent=2,
            )
        )
    else:
        import shutil

        print(doctor_text(rows, _where(session), width=min(100, shutil.get_terminal_size((100, 24)).columns - 1)))
    return errors.EXIT_OK if ok else errors.EXIT_FAILED


def _where(session: CloudSession) -> str:
    s = session.settings
    if s.is_demo:
        return f"the built-in demo emulator (project {s.project_id}, region {s.region})"
    cloud = "Huawei Cloud" if s.cloud == "hwc" else "Open Telekom Cloud"
    return f"{cloud}, region {s.region}, project {s.project_id or s.project_name}"
