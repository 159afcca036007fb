"""Read-only commands on images: ``diagnose IMAGE`` and ``scan`` (every full-ECS image)."""

from __future__ import annotations

import json

from wizard import errors
from wizard.commands.context import Invocation
from wizard.console import diagnosis_text, table
from wizard.diagnose import diagnose, scan


def cmd_diagnose(invocation: Invocation) -> int:
    args = invocation.args
    session = invocation.open_session()
    d = diagnose(session.clients, args.image)
    print(json.dumps(d.to_dict(), indent=2) if args.json else diagnosis_text(d))
    return errors.EXIT_OK


def cmd_scan(invocation: Invocation) -> int:
    args = invocation.args
    if args.concurrency < 1:
        raise errors.UsageError("--concurrency must be at least 1.")
    session = invocation.open_session()
    results = scan(session.clients, concurrency=args.concurrency)
    if args.json:
        print(json.dumps([d.scan_row() for d in results], indent=2))
        return errors.EXIT_OK
    rows = []
    for d in results:
        server = d.source_server
        state = "exists" if server and server.exists else "deleted" if server and server.exists is False else "unknown"
        # the name tells servers apart at a glance (ids share long prefixes); --json has the ids
        source = "-" if not server or not server.id else f"{server.name or server.id} ({state})"
        rows.append([d.image_name, d.image_id, d.verdict, (d.backup_service or "-").upper(), source])
    print(
        table(rows, ["image", "id", "verdict", "backup", "source ECS"])
        if rows
        else "No full-ECS images in this project."
    )
    affected = sum(1 for d in results if d.affected)
    print(
        f"\n{len(results)} full-ECS images, {affected} affected."
        + (" Repair one with: ecs-wizard run IMAGE" if affected else "")
    )
    return errors.EXIT_OK
