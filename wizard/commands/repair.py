"""Repairs without a UI: ``run IMAGE`` (diagnose, plan, execute), ``resume [RUN_ID]`` (continue
an interrupted or failed run, or add a follow-up to a finished one, or delete the temporary ECS of an
unfinished one) and ``abandon RUN_ID`` (delete what a run made and give it up, ``wizard.abandon``).
Steps that are billable or destructive, and deletions, need ``--yes`` or a terminal to confirm on;
with ``--json`` the last line on stdout is a ``run-finished`` event on every way out."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import replace

from wizard import abandon, change, errors, ownership
from wizard.commands.context import Invocation, interactive
from wizard.console import EventPrinter, diagnosis_text, plan_json, plan_text
from wizard.diagnose import Diagnosis, diagnose
from wizard.journal import Journal, Run
from wizard.plan import FOLLOW_UPS, add_follow_up, build_plan, default_server_choice, follow_up_hints, follow_ups
from wizard.questions import Answers, ServerChoice
from wizard.remedy import Action, CommandLine, Remedy
from wizard.report import commands_for
from wizard.runner import RunEvent, confirmation_text
from wizard.session import CloudSession
from wizard.status import RunStatus
from wizard.steps import Step
from wizard.text import visible
from wizard.verdict import Verdict


def cmd_run(invocation: Invocation) -> int:
    return invocation.ends_with_run_finished(_run)


def cmd_resume(invocation: Invocation) -> int:
    return invocation.ends_with_run_finished(_resume)


def cmd_abandon(invocation: Invocation) -> int:
    return invocation.ends_with_run_finished(_abandon)


def _run(invocation: Invocation) -> int:
    args = invocation.args
    session = invocation.open_session(check=True)
    d = diagnose(session.clients, args.image)
    if not d.affected:
        # nothing is repaired on a verdict the cloud does not support, nor on one that needs something else first
        if d.verdict is Verdict.UNKNOWN:
            status = "unknown"
        else:
            status = "not-affected" if d.verdict.unaffected else "not-repairable"
        if args.json:
            invocation.print_run_finished(status, None, d.summary, verdict=d.verdict)
        else:
            print(diagnosis_text(d))
        return errors.verdict_exit_code(d.verdict)
    _one_repair_per_image(invocation, session, d)
    answers = _answers_from_args(invocation, session, d)
    plan = build_plan(session.clients, d, answers, reserved_names=ownership.planned_names(session.journal, d.image_id))
    if args.dry_run:
        if args.json:
            print(json.dumps({"event": "plan", **plan_json(plan)}, default=str))
            invocation.print_run_finished("dry-run", None, "nothing was changed")
        else:
            print(plan_text(plan))
        return errors.EXIT_OK
    run = session.new_run(args.image, d, answers, plan)
    return _execute(invocation, session, run)


def _one_repair_per_image(invocation: Invocation, session: CloudSession, d: Diagnosis) -> None:
    """An image with an open run (interrupted, failed or running) or a fast copy already made gets no
    second repair unless ``--new`` says so; then a warning names what exists."""
    open_runs = ownership.open_runs(session.journal, d.image_id, session.clients.project_id)
    copy = None if open_runs else ownership.find_fast_copy(session.clients, d.image_id)
    if open_runs:
        what = f"an open repair: run {ownership.describe_open_run(session.journal, open_runs[0])}"
        instead = f"resume it ({session.resume_command(open_runs[0].run_id)})"
    elif copy is not None:
        what = f"a fast copy already: {copy.name} ({copy.id}), made by run {copy.tags.get(ownership.MARK_KEY, '')}"
        instead = f"use {copy.name}"
    else:
        return
    args = invocation.args
    if not args.new and not args.dry_run:  # a dry run starts nothing: it is only told
        raise errors.UsageError(
            f"Image {d.image_name} ({d.image_id}) has {what}.",
            f"Rather than a second repair, {instead}; --new starts a second repair anyway.",
        )
    doing = "starting a second repair (--new)" if args.new else f"a real run would need --new; {instead}"
    print(f"ecs-wizard: warning: image {d.image_name} has {what}; {doing}.", file=sys.stderr)


def _answers_from_args(invocation: Invocation, session: CloudSession, diagnosis: Diagnosis) -> Answers:
    args = invocation.args
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
            server_choice = _server_from_args(invocation, session, diagnosis)
    return Answers(
        service=args.service,
        source_exists=source_exists,
        server=server_choice if not source_exists else None,
        test_launch=args.test_launch,
        cleanup=args.cleanup,
        delete_old_image=args.delete_old_image,
    )


def _server_from_args(invocation: Invocation, session: CloudSession, diagnosis: Diagnosis) -> ServerChoice:
    """The temporary ECS from --flavor/--vpc/--subnet/--az/--volume-type. What is left out comes from
    the defaults the wizard would offer, looked up only when --flavor, --vpc or --subnet is missing."""
    args = invocation.args
    if args.flavor and args.vpc and args.subnet:
        return ServerChoice(args.flavor, args.vpc, args.subnet, args.az or None, args.volume_type or "SAS")
    given = {
        "flavor_id": args.flavor,
        "vpc_id": args.vpc,
        "subnet_id": args.subnet,
        "availability_zone": args.az,
        "volume_type": args.volume_type,
    }
    defaults = default_server_choice(session.clients, diagnosis)
    return replace(defaults, **{name: value for name, value in given.items() if value})


def _execute(invocation: Invocation, session: CloudSession, run: Run) -> int:
    args = invocation.args
    invocation.active_run_id = run.run_id
    pending = [s for s in run.plan.steps if s.needs_confirmation and not s.succeeded and not s.state.get("confirmed")]
    if pending and not args.yes and not interactive():
        if not run.events:
            _record_needs_confirmation(session, run)
        return _needs_confirmation(
            invocation,
            run,
            [s.title for s in pending],
            f"nothing was changed; confirm with: {session.resume_command(run.run_id, '--yes')}",
            resumable=True,
        )
    on_event = _event_printer(invocation, session, run)
    runner = session.runner(
        run, on_event=on_event, confirm=lambda step: _confirm(invocation, step), lock=invocation.run_lock
    )
    try:
        result = runner.run()
    except KeyboardInterrupt:
        # The journal was written after the last event; nothing created is forgotten.
        run.status = RunStatus.CANCELLED
        session.journal.save(run)
        print(f"\ninterrupted; resume with: {session.resume_command(run.run_id)}", file=sys.stderr)
        if args.json:
            invocation.print_run_finished(
                RunStatus.CANCELLED, run.run_id, "interrupted; the run can be resumed", resumable=True
            )
        return errors.EXIT_INTERRUPTED
    if result.status == RunStatus.SUCCEEDED:
        return errors.EXIT_OK
    if result.status == RunStatus.CANCELLED:
        return errors.EXIT_NEEDS_CONFIRMATION if not args.yes and not interactive() else errors.EXIT_FAILED
    return errors.EXIT_FAILED


def _needs_confirmation(
    invocation: Invocation,
    run: Run,
    titles: list[str],
    closing: str,
    heading: str = "These steps are billable or destructive and need confirmation:",
    **fields: object,
) -> int:
    """Stop before any change: the steps that need --yes or a terminal (stderr) and, with --json, the
    closing event ``closing`` with ``fields``."""
    print(heading, file=sys.stderr)
    for title in titles:
        print(f"  - {title}", file=sys.stderr)
    print(
        f"Nothing was changed. Pass --yes to confirm them, or run interactively. Run id: {run.run_id}",
        file=sys.stderr,
    )
    if invocation.args.json:
        invocation.print_run_finished("needs-confirmation", run.run_id, closing, **fields, needs_confirmation=titles)
    return errors.EXIT_NEEDS_CONFIRMATION


def _confirm(invocation: Invocation, step: Step) -> bool:
    """A gated step: approved by --yes, else asked on the terminal (stderr with --json, which keeps
    stdout JSON)."""
    if invocation.args.yes:
        return True
    question = f"{confirmation_text(step)} [y/N] "
    print(visible(question), end="", file=sys.stderr if invocation.args.json else sys.stdout, flush=True)
    return input().strip().lower() in {"y", "yes"}


def _event_printer(invocation: Invocation, session: CloudSession, run: Run) -> Callable[[RunEvent], None]:
    """The runner's events as lines (or JSON); a successful run ends with what can still be done
    later, which with --json rides on the closing run-finished event so that it stays the last line."""
    args = invocation.args
    printer = EventPrinter(
        json_lines=args.json,
        approved_by="--yes" if args.yes else None,
        commands=session.command_line,
    )
    demo = session.settings.is_demo

    def on_event(event: RunEvent) -> None:
        if event.event == "waiting-for-confirmation" and not (args.yes or args.json):
            return  # the question itself says it, once (_confirm)
        finished = event.event == "run-finished"
        hints = (
            follow_up_hints(run.plan, demo=demo, commands=session.command_line)
            if finished and event.status == RunStatus.SUCCEEDED
            else []
        )
        if hints and args.json:
            event = replace(event, data={**event.data, **_follow_up_fields(run, hints)})
        printer(event)
        if finished:
            invocation.run_finished_shown = True
            if not args.json:
                for hint in hints:
                    print(hint, flush=True)

    return on_event


def _follow_up_fields(run: Run, hints: list[str]) -> dict[str, object]:
    kept = (
        run.plan.step("create_temp_server").outputs.get("server_id")
        if "delete_temp_server" in follow_ups(run.plan)
        else None
    )
    return {"follow_ups": hints, **({"kept_temporary_server": kept} if kept else {})}


def _record_needs_confirmation(session: CloudSession, run: Run) -> None:
    """A new run that stops for want of --yes is journaled as cancelled before any change (and
    resumable with --yes), not left 'running' as if it had been interrupted."""
    run.status = RunStatus.CANCELLED
    event = RunEvent(
        "run-finished",
        run.run_id,
        status=RunStatus.CANCELLED,
        data={"reason": "needs-confirmation", "resumable": True},
        message="needs confirmation: stopped before any change; continue with: "
        + session.resume_command(run.run_id, "--yes"),
    )
    run.events.append(event.to_dict())
    session.journal.save(run)


def _resume(invocation: Invocation) -> int:
    args = invocation.args
    journal = Journal(args.state_dir)
    follow_up = [
        kind for kind, wanted in (("test_launch", args.test_launch), ("delete_temp_server", args.cleanup)) if wanted
    ]
    given = {key: getattr(args, key) for key in change.OPTIONS if getattr(args, key) is not None}
    if follow_up and args.run_id is None:
        raise errors.UsageError(
            "--cleanup and --test-launch need the RUN_ID of a finished run.", Remedy(Action.LIST_RUNS)
        )
    if given and (follow_up or args.run_id is None):
        raise errors.UsageError(
            f"{', '.join(change.OPTIONS[k] for k in given)} change a failed or interrupted run's answers: "
            "give its RUN_ID, without --cleanup or --test-launch.",
            Remedy(Action.LIST_RUNS),
        )
    invocation.active_run_id = args.run_id
    run = journal.load(args.run_id) if args.run_id is not None else journal.latest_resumable()  # "" is no id
    if run is None:
        raise errors.UsageError(
            "No run to resume.",
            f"{invocation.command('runs')} lists the runs; start one with {invocation.command('run', 'IMAGE')}.",
        )
    invocation.active_run_id = run.run_id
    _check_resumable(run, follow_up, commands_for(run, journal))
    session = invocation.open_session(
        demo=run.cloud.get("cloud") == "demo", profile=run.cloud.get("profile"), check=True
    )
    session.check_resumable_here(run)
    invocation.run_lock = ownership.RunLock(journal, run.run_id).acquire()  # follow-ups edit the journal
    if follow_up == ["delete_temp_server"] and run.status != RunStatus.SUCCEEDED:
        return _clean_up_unfinished(invocation, session, journal.load(run.run_id))
    if given:
        run = journal.load(run.run_id)  # as it stands now that this process holds it
        _change_answers(invocation, session, run, given)
    if follow_up:
        if not args.yes and not interactive():  # checked before the journal changes
            return _needs_confirmation(
                invocation,
                run,
                [FOLLOW_UPS[kind] for kind in follow_up],
                "nothing was changed; pass --yes to confirm",
                new_image_id=run.new_image_id,
            )
        for kind in follow_up:
            add_follow_up(run.plan, kind, session.clients, Diagnosis.from_dict(run.diagnosis))
        journal.save(run)
    return _execute(invocation, session, run)


def _change_answers(invocation: Invocation, session: CloudSession, run: Run, given: dict[str, str]) -> None:
    """``resume RUN_ID --flavor ...``: rebuild the steps not yet started with the new answers (or
    refuse, naming the step that has), journal it and say what changed."""
    changes = change.change_answers(session.clients, run, given)
    if changes:
        session.journal.save(run)
    record = run.answer_changes[-1] if changes else {}
    if invocation.args.json:
        event = {
            "event": "answers-changed",
            "run_id": run.run_id,
            "changes": record.get("changes", {}),
            "rebuilt": record.get("rebuilt", []),
        }
        print(json.dumps(event, default=str), flush=True)
    elif changes:
        print(f"Run {run.run_id}: changed {'; '.join(c.text() for c in changes)}.", flush=True)
        print(f"  rebuilt: {', '.join(record['rebuilt'])}", flush=True)
    else:
        print(f"Run {run.run_id}: those are its answers already; nothing changed.", flush=True)


def _check_resumable(run: Run, follow_up: list[str], commands: CommandLine) -> None:
    """What resume can do with ``run``: continue it unless it finished or was given up; a follow-up
    only on a finished run, except the cleanup, which also deletes an unfinished run's temporary ECS."""
    if run.status.abandoned:
        finish = (
            ""
            if run.status == RunStatus.ABANDONED
            else f"; finish the abandon with: {commands.build('abandon', run.run_id)}"
        )
        raise errors.UsageError(
            f"Run {run.run_id} was abandoned{' (interrupted)' if run.status == RunStatus.ABANDONING else ''}: "
            "it cannot be resumed.",
            f"Start a new repair of its image instead{finish}.",
        )
    if follow_up == ["delete_temp_server"] and run.resumable:
        return
    if follow_up and run.status != RunStatus.SUCCEEDED:
        raise errors.UsageError(
            f"Run {run.run_id} has not succeeded ({run.status}).",
            f"Resume it first: {commands.build('resume', run.run_id)}",
        )
    if not run.resumable and not follow_up:
        raise errors.UsageError(
            f"Run {run.run_id} has already {run.status}; there is nothing to resume.",
            f"{commands.build('report', run.run_id)} shows what it did; --test-launch or --cleanup add a follow-up.",
        )


def _clean_up_unfinished(invocation: Invocation, session: CloudSession, run: Run) -> int:
    """``resume RUN_ID --cleanup`` on a failed or interrupted run: delete the ECSs it made (after
    confirmation); the run stays resumable."""
    found = abandon.survey(session.clients, run, types=frozenset({"server"}))
    return _delete_confirmed(
        invocation,
        session,
        run,
        found,
        what=f"Run {run.run_id} ({run.status}): the ECSs it made that still exist",
        again=session.resume_command(run.run_id, "--cleanup", "--yes"),
        carry_out=lambda deleter: deleter.cleanup(),
    )


def _abandon(invocation: Invocation) -> int:
    """``abandon RUN_ID``: list what the run made and what it costs, ask once, delete it in order."""
    args = invocation.args
    journal = Journal(args.state_dir)
    invocation.active_run_id = args.run_id
    run = journal.load(args.run_id)
    abandon.check_abandonable(run)
    session = invocation.open_session(demo=run.cloud.get("cloud") == "demo", check=True)
    session.check_resumable_here(run)
    invocation.run_lock = ownership.RunLock(journal, run.run_id).acquire()
    run = journal.load(run.run_id)  # as it stands now that this process holds it
    keep_image = bool(args.keep_image or (run.abandon or {}).get("keep_image"))
    found = abandon.survey(session.clients, run, keep_image=keep_image)
    return _delete_confirmed(
        invocation,
        session,
        run,
        found,
        what=f"Run {run.run_id} ({_where_it_stopped(run)}) on image {run.plan.image_name}: "
        "what it made that still exists",
        again=session.command("abandon", run.run_id, "--yes", *(["--keep-image"] if keep_image else [])),
        carry_out=lambda deleter: deleter.abandon(keep_image=keep_image),
    )


def _where_it_stopped(run: Run) -> str:
    failed = run.plan.failed_step()
    if run.status.abandoned:
        return "abandoned" if run.status == RunStatus.ABANDONED else "being abandoned"
    if failed is not None:
        return f"{run.status} at '{failed.title}'"
    return "interrupted" if run.status == RunStatus.RUNNING else run.status


def _delete_confirmed(
    invocation: Invocation,
    session: CloudSession,
    run: Run,
    found: abandon.Survey,
    *,
    what: str,
    again: str,
    carry_out: Callable[[abandon.Abandon], abandon.Outcome],
) -> int:
    """Show ``found``, ask once (default no; --yes answers it; no terminal: exit 3), then delete."""
    args = invocation.args
    if args.json:
        print(json.dumps({"event": "abandon-plan", "run_id": run.run_id, **found.to_dict()}, default=str), flush=True)
    else:
        print("\n".join([what, *found.lines()]), flush=True)
    count = len(found.to_delete)
    if count and not args.yes:
        if not interactive():
            return _needs_confirmation(
                invocation,
                run,
                [f"delete {t.label}" for t in found.to_delete],
                f"nothing was deleted; confirm with: {again}",
                heading="These deletions need confirmation:",
            )
        question = (
            f"Delete {'this resource' if count == 1 else f'these {count} resources'}? This cannot be undone. [y/N] "
        )
        print(question, end="", file=sys.stderr if args.json else sys.stdout, flush=True)
        if input().strip().lower() not in {"y", "yes"}:
            print("Not confirmed: nothing was deleted.", file=sys.stderr)
            if args.json:
                invocation.print_run_finished(RunStatus.CANCELLED, run.run_id, "not confirmed: nothing was deleted")
            return errors.EXIT_NEEDS_CONFIRMATION
    printer = EventPrinter(json_lines=args.json, commands=session.command_line)

    def on_event(event: RunEvent) -> None:
        printer(event)
        invocation.run_finished_shown |= event.event == "run-finished"

    try:
        outcome = carry_out(session.abandoner(run, on_event=on_event))
    except KeyboardInterrupt:
        print(f"\ninterrupted; what was asked to be deleted is in the journal: {again}", file=sys.stderr)
        if args.json:
            invocation.print_run_finished(run.status, run.run_id, "interrupted; start it again to finish")
        return errors.EXIT_INTERRUPTED
    if outcome.cancelled:
        return errors.EXIT_INTERRUPTED
    return errors.EXIT_OK if outcome.complete else errors.EXIT_FAILED
