"""Command-line parsing and dispatch only. Front ends are imported lazily, so the core commands
start quickly and work without a terminal."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC

from wizard import errors
from wizard.cloud.errors import CloudError, CloudUnreachable

CloudFailure = (CloudError, CloudUnreachable)
SERVE_SPEED = 60.0  # sim serve's default emulator speed

COMMANDS_HELP = """commands:
  demo          start the wizard on the built-in cloud emulator (no account needed)
  diagnose      tell whether one image is affected, with the evidence
  scan          diagnose every full-ECS image in the project
  run           repair one image without a UI (scripts, CI)
  resume        continue an interrupted or failed run
  runs          list the runs this machine knows
  report        a run's report (Markdown or JSON)
  flowchart     print the troubleshooting flowchart (text or Mermaid)
  config show   print the cloud settings that were resolved, and where each came from
  sim serve     serve the emulator over loopback HTTP for other shells and tools

Without a command, the wizard starts (full screen on a terminal, line by line otherwise).
"""


def positive_speed(text: str) -> float:
    """``--speed``: a positive, finite number of virtual seconds per real second."""
    try:
        speed = float(text)
    except ValueError:
        speed = math.nan
    if not (math.isfinite(speed) and speed > 0):
        raise argparse.ArgumentTypeError(
            f"must be a positive number of virtual seconds per real second, e.g. 60 (got {text!r})"
        )
    return speed


def port_number(text: str) -> int:
    """``--port``: 0 (pick a free one) to 65535."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535, 0 picking a free one (got {text!r})")
    return port


def _common(parser: argparse.ArgumentParser, top: bool = False) -> None:
    """Cloud options, accepted before or after the command. Below the top level they default to
    SUPPRESS so that a value given before the command is not reset by the subcommand's default."""
    g = parser.add_argument_group("cloud settings")
    if not top:
        g.argument_default = argparse.SUPPRESS
    flag = {} if top else {"default": argparse.SUPPRESS}
    g.add_argument("--demo", action="store_true", **flag, help="use the built-in emulator with the demo scenario")
    g.add_argument(
        "--cloud", choices=["hwc", "otc"], help="which cloud's settings to use (default: whichever is configured)"
    )
    g.add_argument("--region", help="region, e.g. eu-de (Open Telekom Cloud) or eu-west-101 (Huawei Cloud)")
    g.add_argument("--endpoint", metavar="URL", help="send every service to this base URL (also ECS_WIZARD_ENDPOINT)")
    g.add_argument("--insecure", action="store_true", **flag, help="do not verify TLS certificates (not recommended)")
    g.add_argument(
        "--state-dir",
        metavar="DIR",
        help="where run journals live (default: the user state directory; also ECS_WIZARD_STATE_DIR)",
    )
    # No explicit default: below the top level the group's SUPPRESS applies, so '--speed' before the command counts.
    g.add_argument(
        "--speed", type=positive_speed, help="demo only: emulator speed, virtual seconds per real second (default 60)"
    )


def _confirm_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--yes", "-y", action="store_true", help="answer yes to every confirmation (billable or destructive steps)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON event per line instead of readable lines")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecs-wizard",
        description="Find and repair full-ECS images that create servers slowly (old-format CSBS backups) "
        "on Open Telekom Cloud and Huawei Cloud.",
        epilog=COMMANDS_HELP + "\nexit codes: 0 repaired/ok, 1 failed, 2 bad usage or input, "
        "3 needs confirmation, 4 not affected, 130 interrupted",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version="ecs-wizard 0.1.0")
    parser.add_argument("--plain", action="store_true", help="line-by-line mode instead of full screen")
    parser.add_argument("--step", action="store_true", help="guided session: pause before each step until you continue")
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="start the wizard on the built-in emulator")
    _common(p)
    p.add_argument(
        "--plain", action="store_true", default=argparse.SUPPRESS, help="line-by-line mode instead of full screen"
    )
    p.add_argument(
        "--step",
        action="store_true",
        default=argparse.SUPPRESS,
        help="guided session: pause before each step until you continue",
    )
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("diagnose", help="diagnose one image")
    p.add_argument("image", metavar="IMAGE", help="image id or exact name")
    p.add_argument("--json", action="store_true", help="print the diagnosis as JSON")
    _common(p)
    p.set_defaults(handler=cmd_diagnose)

    p = sub.add_parser("scan", help="diagnose every full-ECS image in the project")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument("--concurrency", type=int, default=8, help="images diagnosed at once (default 8)")
    _common(p)
    p.set_defaults(handler=cmd_scan)

    p = sub.add_parser("run", help="repair one image without a UI")
    p.add_argument("image", metavar="IMAGE", help="image id or exact name")
    p.add_argument(
        "--service",
        choices=["cbr", "csbs"],
        default="cbr",
        help="backup service for the new backup (default cbr, recommended)",
    )
    p.add_argument(
        "--source-exists",
        choices=["auto", "yes", "no"],
        default="auto",
        help="does the source ECS still exist? (default: detect)",
    )
    p.add_argument("--cleanup", action="store_true", help="delete the temporary ECS at the end (path 2)")
    p.add_argument(
        "--test-launch", action="store_true", help="launch a test ECS from the new image, time it, delete it"
    )
    p.add_argument("--delete-old-image", action="store_true", help="delete the old, slow image at the end")
    p.add_argument("--flavor", help="temporary ECS flavor id (default: matched from the old backup)")
    p.add_argument("--vpc", help="temporary ECS VPC id (default: the subnet's)")
    p.add_argument("--subnet", help="temporary ECS subnet id (default: the only subnet)")
    p.add_argument("--az", help="temporary ECS availability zone (default: the old backup's)")
    p.add_argument("--volume-type", default=None, help="temporary ECS system disk type (default SAS)")
    p.add_argument("--dry-run", action="store_true", help="print the plan with every API call and body; change nothing")
    _confirm_options(p)
    _common(p)
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("resume", help="continue an interrupted or failed run, or add a follow-up to a finished one")
    p.add_argument("run_id", nargs="?", metavar="RUN_ID", help="default: the most recent resumable run")
    p.add_argument(
        "--cleanup", action="store_true", help="on a finished run that kept its temporary ECS: delete it now"
    )
    p.add_argument(
        "--test-launch",
        action="store_true",
        help="on a finished run: launch a test ECS from the new image, time it, delete it",
    )
    _confirm_options(p)
    _common(p)
    p.set_defaults(handler=cmd_resume)

    p = sub.add_parser("runs", help="list runs and their state")
    p.add_argument("--json", action="store_true")
    _common(p)
    p.set_defaults(handler=cmd_runs)

    p = sub.add_parser("report", help="a run's report")
    p.add_argument("run_id", metavar="RUN_ID")
    p.add_argument("--format", choices=["md", "json"], default="md")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    _common(p)
    p.set_defaults(handler=cmd_report)

    p = sub.add_parser("flowchart", help="print the troubleshooting flowchart")
    p.add_argument("--format", choices=["text", "mermaid"], default="text")
    p.add_argument("--path", choices=[spec_id for spec_id in _path_ids()], help="highlight one repair path")
    p.set_defaults(handler=cmd_flowchart)

    p = sub.add_parser("config", help="show the resolved cloud settings")
    config_sub = p.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    show = config_sub.add_parser("show", help="print what was resolved and from where (secrets masked)")
    _common(show)
    show.set_defaults(handler=cmd_config_show)

    p = sub.add_parser("sim", help="the cloud emulator")
    sim_sub = p.add_subparsers(dest="sim_command", metavar="ACTION", required=True)
    serve = sim_sub.add_parser("serve", help="serve the emulator on loopback HTTP until interrupted")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    serve.add_argument("--port", type=port_number, default=0, help="port, 0 to 65535 (default 0: pick a free one)")
    serve.add_argument("--scenario", default="demo", help="demo | empty | large (default demo)")
    serve.add_argument("--size", type=int, default=1000, help="number of images for --scenario large")
    serve.add_argument(
        "--speed",
        type=positive_speed,
        default=argparse.SUPPRESS,
        help=f"virtual seconds per real second (default {SERVE_SPEED:g})",
    )
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="RULE",
        help="fault rule, e.g. ims.create_whole_image:first=1:status=500 (repeatable)",
    )
    serve.set_defaults(handler=cmd_sim_serve)
    return parser


def _path_ids() -> list[str]:
    from wizard.flowchart import PATHS

    return [p.id for p in PATHS.values()]


def _session(args: argparse.Namespace, demo: bool = False):
    from wizard.session import open_session

    settings = _settings(args, demo=demo)
    if settings.credentials is None:
        raise errors.ConfigError(
            "No cloud credentials were found.",
            "Set HUAWEICLOUD_SDK_AK/SK/PROJECT_ID or OS_CLOUD (see 'ecs-wizard config show'), or try 'ecs-wizard demo'.",
        )
    if args.speed is not None and not settings.is_demo:
        raise errors.UsageError("--speed only applies to the demo emulator.")
    args.session = open_session(settings, state_dir=args.state_dir, speed=args.speed)
    return args.session


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def cmd_demo(args: argparse.Namespace) -> int:
    args.demo = True
    return _start_wizard(args)


NO_SETTINGS = """No cloud settings were found. To work on your cloud, set one of:
  Huawei Cloud:        HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID (and --region)
  Open Telekom Cloud:  OS_CLOUD naming a clouds.yaml entry, or OS_AUTH_URL, OS_USERNAME, OS_PASSWORD,
                       OS_USER_DOMAIN_NAME, OS_PROJECT_NAME and OS_REGION_NAME
'ecs-wizard config show' says what was looked at; the README's Configuration section has the details.
The demo needs no account: it runs the same wizard on a built-in emulated cloud."""


def _yes_or_no(question: str) -> bool:
    try:
        answer = input(question).strip().lower()
    except EOFError:
        return False
    return answer in ("", "y", "yes")


def cmd_wizard(args: argparse.Namespace) -> int:
    return _start_wizard(args)


def _start_wizard(args: argparse.Namespace) -> int:
    import os

    plain = getattr(args, "plain", False)
    if not plain and (not _interactive() or os.environ.get("TERM") == "dumb"):
        print("ecs-wizard: not a full terminal, using plain mode (line by line).", file=sys.stderr)
        plain = True
    if not args.demo:
        settings = _settings(args)
        if settings.credentials is None:
            print(NO_SETTINGS)
            if not _interactive() or not _yes_or_no("Start the demo on the built-in emulator now? [Y/n] "):
                print("To try the wizard without an account: ecs-wizard demo")
                return errors.EXIT_USAGE
            args.demo = True
    session = _session(args)
    if plain:
        from wizard.plain import run_plain

        return run_plain(session, step_mode=getattr(args, "step", False))
    from screens.app import run_app

    return run_app(session, step_mode=getattr(args, "step", False))


def cmd_diagnose(args: argparse.Namespace) -> int:
    from wizard.console import diagnosis_text
    from wizard.diagnose import diagnose

    session = _session(args)
    d = diagnose(session.clients, args.image)
    print(json.dumps(d.to_dict(), indent=2) if args.json else diagnosis_text(d))
    return errors.EXIT_OK


def cmd_scan(args: argparse.Namespace) -> int:
    from wizard.console import table
    from wizard.diagnose import scan

    if args.concurrency < 1:
        raise errors.UsageError("--concurrency must be at least 1.")
    session = _session(args)
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


def _answers_from_args(args: argparse.Namespace, session, diagnosis):
    from wizard.plan import default_server_choice
    from wizard.questions import Answers, ServerChoice

    if args.source_exists == "auto":
        server = diagnosis.source_server
        if server is None or server.exists is None:
            raise errors.UsageError(
                "Cannot tell whether the source ECS still exists.", "Pass --source-exists yes or --source-exists no."
            )
        source_exists = server.exists
    else:
        source_exists = args.source_exists == "yes"
    server_choice = None
    if not source_exists or args.test_launch:
        if args.flavor or args.subnet or args.vpc or args.az or args.volume_type:
            base = (
                default_server_choice(session.clients, diagnosis)
                if not (args.flavor and args.subnet and args.vpc)
                else None
            )
            server_choice = ServerChoice(
                args.flavor or base.flavor_id,
                args.vpc or base.vpc_id,
                args.subnet or base.subnet_id,
                args.az or (base.availability_zone if base else None),
                args.volume_type or (base.volume_type if base else "SAS"),
            )
    return Answers(
        service=args.service,
        source_exists=source_exists,
        server=server_choice if not source_exists else None,
        test_launch=args.test_launch,
        cleanup=args.cleanup,
        delete_old_image=args.delete_old_image,
    )


def _print_run_finished(args: argparse.Namespace, status: str, run_id: str | None, message: str = "", **fields) -> None:
    """--json: the closing event of ``run``/``resume`` on every way out (same shape as the runner's)."""
    from datetime import datetime

    event = {
        "event": "run-finished",
        "status": status,
        "run_id": run_id,
        "new_image_id": fields.pop("new_image_id", None),
    }
    if message:
        event["message"] = message
    event.update(fields)
    event["at"] = datetime.now(UTC).isoformat(timespec="seconds")
    print(json.dumps(event, default=str), flush=True)
    args.run_finished_shown = True


def _ends_with_run_finished(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """With --json, the last line on stdout is a run-finished event also when the command stops on
    bad input, a cloud error or Ctrl-C before the runner could say so (the error still goes to stderr)."""
    import functools

    @functools.wraps(command)
    def wrapped(args: argparse.Namespace) -> int:
        args.run_finished_shown = False
        args.active_run_id = None

        def closing(status: str, message: str) -> None:
            if args.json and not args.run_finished_shown:
                _print_run_finished(args, status, args.active_run_id, message)

        try:
            return command(args)
        except errors.WizardError as exc:
            closing("bad-input" if exc.exit_code == errors.EXIT_USAGE else "failed", exc.message)
            raise
        except CloudFailure as exc:
            closing("failed", str(exc))
            raise
        except KeyboardInterrupt:
            closing("cancelled", "interrupted")
            raise

    return wrapped


@_ends_with_run_finished
def cmd_run(args: argparse.Namespace) -> int:
    from wizard.console import diagnosis_text, plan_json, plan_text
    from wizard.diagnose import diagnose
    from wizard.plan import build_plan

    session = _session(args)
    d = diagnose(session.clients, args.image)
    if not d.affected:
        if args.json:
            _print_run_finished(args, "not-affected", None, d.summary, verdict=d.verdict)
        else:
            print(diagnosis_text(d))
        return errors.EXIT_NOT_AFFECTED
    answers = _answers_from_args(args, session, d)
    plan = build_plan(session.clients, d, answers)
    if args.dry_run:
        if args.json:
            print(json.dumps({"event": "plan", **plan_json(plan)}, default=str))
            _print_run_finished(args, "dry-run", None, "nothing was changed")
        else:
            print(plan_text(plan))
        return errors.EXIT_OK
    run = session.new_run(args.image, d, answers, plan)
    return _execute(args, session, run)


def _execute(args: argparse.Namespace, session, run) -> int:
    from dataclasses import replace

    from wizard.console import EventPrinter
    from wizard.plan import follow_up_hints, follow_ups

    args.active_run_id = run.run_id
    pending = [
        s for s in run.plan.steps if s.needs_confirmation and s.status != "succeeded" and not s.state.get("confirmed")
    ]
    if pending and not args.yes and not _interactive():
        print("These steps are billable or destructive and need confirmation:", file=sys.stderr)
        for s in pending:
            print(f"  - {s.title}", file=sys.stderr)
        print(
            f"Nothing was changed. Pass --yes to confirm them, or run interactively. Run id: {run.run_id}",
            file=sys.stderr,
        )
        if not run.events:
            _record_needs_confirmation(session, run)
        if args.json:
            _print_run_finished(
                args,
                "needs-confirmation",
                run.run_id,
                f"nothing was changed; confirm with: ecs-wizard resume {run.run_id} --yes",
                resumable=True,
                needs_confirmation=[s.title for s in pending],
            )
        return errors.EXIT_NEEDS_CONFIRMATION

    def confirm(step) -> bool:
        if args.yes:
            return True
        from wizard.runner import confirmation_text

        question = f"{confirmation_text(step)} [y/N] "
        print(
            question, end="", file=sys.stderr if args.json else sys.stdout, flush=True
        )  # stdout stays JSON with --json
        return input().strip().lower() in {"y", "yes"}

    printer = EventPrinter(json_lines=args.json, approved_by="--yes" if args.yes else None)
    demo = session.settings.is_demo

    def on_event(event) -> None:
        hints = (
            follow_up_hints(run.plan, demo=demo)
            if event.event == "run-finished" and event.status == "succeeded"
            else []
        )
        if hints and args.json:  # the last line stays run-finished: what was kept rides on it
            kept = (
                run.plan.step("create_temp_server").outputs.get("server_id")
                if "delete_temp_server" in follow_ups(run.plan)
                else None
            )
            event = replace(
                event, data={**event.data, "follow_ups": hints, **({"kept_temporary_server": kept} if kept else {})}
            )
        printer(event)
        if event.event == "run-finished":
            args.run_finished_shown = True
            if not args.json:
                for hint in hints:
                    print(hint, flush=True)

    runner = session.runner(run, on_event=on_event, confirm=confirm)
    try:
        result = runner.run()
    except KeyboardInterrupt:
        # The journal was written after the last event; nothing created is forgotten.
        run.status = "cancelled"
        session.journal.save(run)
        print(f"\ninterrupted; resume with: ecs-wizard resume {run.run_id}", file=sys.stderr)
        if args.json:
            _print_run_finished(args, "cancelled", run.run_id, "interrupted; the run can be resumed", resumable=True)
        return errors.EXIT_INTERRUPTED
    if result.status == "succeeded":
        return errors.EXIT_OK
    if result.status == "cancelled":
        return errors.EXIT_NEEDS_CONFIRMATION if not args.yes and not _interactive() else errors.EXIT_FAILED
    return errors.EXIT_FAILED


def _record_needs_confirmation(session, run) -> None:
    """A new run that stops for want of --yes is journaled as cancelled before any change (and
    resumable with --yes), not left 'running' as if it had been interrupted."""
    from wizard.journal import CANCELLED
    from wizard.runner import RunEvent

    run.status = CANCELLED
    event = RunEvent(
        "run-finished",
        run.run_id,
        status=CANCELLED,
        data={"reason": "needs-confirmation", "resumable": True},
        message=f"needs confirmation: stopped before any change; continue with: ecs-wizard resume {run.run_id} --yes",
    )
    run.events.append(event.to_dict())
    session.journal.save(run)


@_ends_with_run_finished
def cmd_resume(args: argparse.Namespace) -> int:
    from wizard.journal import Journal

    journal = Journal(args.state_dir)
    follow_up = [
        kind for kind, wanted in (("test_launch", args.test_launch), ("delete_temp_server", args.cleanup)) if wanted
    ]
    if follow_up and not args.run_id:
        raise errors.UsageError(
            "--cleanup and --test-launch need the RUN_ID of a finished run.", "ecs-wizard runs lists the runs."
        )
    args.active_run_id = args.run_id
    run = journal.load(args.run_id) if args.run_id else journal.latest_resumable()
    if run is None:
        raise errors.UsageError(
            "No run to resume.", "ecs-wizard runs lists the runs; start one with ecs-wizard run IMAGE."
        )
    args.active_run_id = run.run_id
    if follow_up and run.status != "succeeded":
        raise errors.UsageError(
            f"Run {run.run_id} has not succeeded ({run.status}).", f"Resume it first: ecs-wizard resume {run.run_id}"
        )
    if not run.resumable and not follow_up:
        raise errors.UsageError(
            f"Run {run.run_id} has already {run.status}; there is nothing to resume.",
            f"ecs-wizard report {run.run_id} shows what it did; --test-launch or --cleanup add a follow-up.",
        )
    if run.cloud.get("cloud") == "demo":
        args.demo = True
    session = _session(args)
    session.check_resumable_here(run)
    if follow_up:
        from wizard.diagnose import Diagnosis
        from wizard.plan import FOLLOW_UPS, add_follow_up

        if not args.yes and not _interactive():  # checked before the journal changes
            print("These steps are billable or destructive and need confirmation:", file=sys.stderr)
            for kind in follow_up:
                print(f"  - {FOLLOW_UPS[kind]}", file=sys.stderr)
            print(
                f"Nothing was changed. Pass --yes to confirm them, or run interactively. Run id: {run.run_id}",
                file=sys.stderr,
            )
            if args.json:
                _print_run_finished(
                    args,
                    "needs-confirmation",
                    run.run_id,
                    "nothing was changed; pass --yes to confirm",
                    new_image_id=run.new_image_id,
                    needs_confirmation=[FOLLOW_UPS[kind] for kind in follow_up],
                )
            return errors.EXIT_NEEDS_CONFIRMATION
        for kind in follow_up:
            add_follow_up(run.plan, kind, session.clients, Diagnosis.from_dict(run.diagnosis))
        journal.save(run)
    return _execute(args, session, run)


def cmd_runs(args: argparse.Namespace) -> int:
    from datetime import datetime

    from wizard.console import table
    from wizard.journal import Journal

    def utc(ts: float) -> str:
        return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")

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
                        "updated_at": utc(r.updated_at),
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
    for path in journal.damaged():
        print(f"warning: {path} is damaged and was skipped", file=sys.stderr)
    return errors.EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from wizard.journal import Journal
    from wizard.report import render

    run = Journal(args.state_dir).load(args.run_id)
    text = render(run, args.format)
    if args.output:
        try:
            Path(args.output).write_text(text)
        except OSError as exc:
            raise errors.UsageError(
                f"Cannot write the report to {args.output}: {exc.strerror or exc}.",
                "Name a file in a directory that exists and you can write to, or leave out -o to print it.",
            ) from None
        print(f"report written to {args.output}", file=sys.stderr)
    else:
        print(text)
    return errors.EXIT_OK


def cmd_flowchart(args: argparse.Namespace) -> int:
    from wizard import flowchart

    highlight = next((p for p in flowchart.PATHS.values() if p.id == args.path), None)
    print(flowchart.render_mermaid(highlight) if args.format == "mermaid" else flowchart.render_text(highlight))
    return errors.EXIT_OK


def cmd_config_show(args: argparse.Namespace) -> int:
    settings = _settings(args)
    width = max(len(name) for name, _, _ in settings.describe())
    for name, value, source in settings.describe():
        print(f"{name:<{width}}  {value}" + (f"   [{source}]" if source else ""))
    if settings.credentials is None:
        print(
            "\nNo credentials found. Set HUAWEICLOUD_SDK_AK/SK/PROJECT_ID, or OS_CLOUD with a clouds.yaml, "
            "or try the built-in emulator: ecs-wizard demo"
        )
        return errors.EXIT_USAGE
    return errors.EXIT_OK


def cmd_sim_serve(args: argparse.Namespace) -> int:
    from wizard.sim import Emulator, FaultRule, export_lines, serve

    speed = SERVE_SPEED if args.speed is None else args.speed  # '--speed' may come before the command
    try:
        faults = [FaultRule.parse(rule) for rule in args.fault]
    except ValueError as exc:
        raise errors.UsageError(f"Bad --fault rule: {exc}") from None
    params = {"n": args.size} if args.scenario == "large" else {}
    try:
        emulator = Emulator(scenario=args.scenario, speed=speed, faults=faults, scenario_params=params)
    except (KeyError, ValueError) as exc:
        raise errors.UsageError(f"Cannot start the emulator: {exc}") from None

    def ready(url: str) -> None:
        from urllib.parse import urlsplit

        address = urlsplit(url).hostname or ""
        if not _is_loopback(address):
            where = "every network interface" if address in ("0.0.0.0", "::") else f"{address}, which is not loopback"
            print(
                f"ecs-wizard: warning: serving on {where}: anyone who can reach this machine can use the emulator "
                "with the fixed, public demo keys",
                file=sys.stderr,
            )
        for line in export_lines(url):
            print(line)
        print(
            f"# emulator serving scenario {args.scenario!r} at {url} (speed {speed:g}x); Ctrl-C stops it",
            file=sys.stderr,
        )
        sys.stdout.flush()

    try:
        serve(emulator, host=args.host, port=args.port, on_ready=ready)
    except OSError as exc:
        import errno

        advice = "; pick another --port (0 picks a free one)" if exc.errno == errno.EADDRINUSE else ""
        raise errors.UsageError(f"Cannot listen on {args.host}:{args.port}: {exc.strerror or exc}{advice}.") from None
    except KeyboardInterrupt:
        pass
    print("# emulator stopped", file=sys.stderr)
    return errors.EXIT_OK


def _is_loopback(address: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


def _settings(args: argparse.Namespace, demo: bool = False):
    from wizard.config import resolve

    return resolve(
        demo=demo or args.demo, cloud=args.cloud, region=args.region, endpoint=args.endpoint, insecure=args.insecure
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = getattr(args, "handler", cmd_wizard)
    try:
        return handler(args)
    except errors.WizardError as exc:
        print(f"ecs-wizard: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("\necs-wizard: interrupted", file=sys.stderr)
        return errors.EXIT_INTERRUPTED
    except CloudFailure as exc:
        print(f"ecs-wizard: {exc}", file=sys.stderr)
        return errors.EXIT_FAILED
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, keep Python from complaining at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(
            "ecs-wizard: the output was closed; stopped (a run that had started can be resumed: ecs-wizard runs)",
            file=sys.stderr,
        )
        return errors.EXIT_FAILED
    finally:
        session = getattr(args, "session", None)
        if session is not None:
            session.close()
