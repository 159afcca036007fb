"""Runs a Plan step by step: events, adaptive polling, per-step timeouts and attempts, transient
errors retried, permanent ones ending the run with the cloud's reason, and a confirmation gate
before every billable or destructive step. Synchronous and UI-free (DESIGN.md "Data flow").

Polling bound: while a step waits, the next poll comes after ``clamp(elapsed * growth, min, max)``
seconds, or, when the cloud reports a percentage, after the estimated time left (same clamp). With
no percentage the intervals grow geometrically by ``1 + growth`` up to ``max``, so a step that takes
``T`` seconds makes at most ``ln(max/min) / ln(1 + growth) + T / max + 2`` status calls (the
default real-cloud policy: ~81 + T/20 calls; polling every second would make T). Overshoot past the
moment a step finishes is at most ``growth`` (5 %) of its duration, or ``max``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from wizard import ownership
from wizard.cloud.errors import CallRecord, CloudError, CloudUnreachable
from wizard.journal import Journal, Run
from wizard.ownership import ReconcileWindow, RunLock
from wizard.plan import Plan
from wizard.polling import DEMO_POLL, REAL_POLL, PollPolicy  # noqa: F401  (re-exported: the runner's pace)
from wizard.remedy import Action, Remedy, StepError
from wizard.status import RunStatus, StepStatus
from wizard.steps import KINDS, Step, StepContext, StepFailed, Tick

if TYPE_CHECKING:
    from wizard.cloud.client import Clients

PROGRESS_SAVE_INTERVAL = 5.0  # real seconds between journal writes made only to record a step's progress

EVENT_KINDS = (
    "run-started",
    "step-started",
    "progress",
    "message",
    "output",
    "waiting-for-confirmation",
    "step-succeeded",
    "step-failed",
    "step-skipped",
    "sweep",
    "run-finished",
)

# The steps that make something: a sweep follows each (``wizard.ownership``).
CREATING_KINDS = frozenset(
    {"create_temp_server", "ensure_vault", "cbr_backup", "csbs_backup", "create_image", "test_launch"}
)


@dataclass
class RunEvent:
    event: str
    run_id: str
    step: str | None = None
    title: str | None = None
    status: str | None = None
    progress: float | None = None
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event": self.event, "run_id": self.run_id}
        for key in ("step", "title", "status", "progress", "message"):
            value = getattr(self, key)
            if value not in (None, ""):
                out[key] = value
        out.update(self.data)
        out["at"] = datetime.fromtimestamp(self.at, UTC).isoformat(timespec="seconds")
        return out


class Cancelled(Exception):
    pass


class Runner:
    def __init__(
        self,
        clients: Clients,
        run: Run,
        journal: Journal,
        *,
        on_event: Callable[[RunEvent], None] | None = None,
        confirm: Callable[[Step], bool] | None = None,
        should_cancel: Callable[[], bool] = lambda: False,
        poll: PollPolicy = REAL_POLL,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        retry_delay: float = 2.0,
        step_mode: Callable[[Step], bool] | None = None,
        window: ReconcileWindow | None = None,
        lock: RunLock | None = None,
        cloud_speed: float = 1.0,
    ):
        self.clients, self.run_, self.journal = clients, run, journal
        self.on_event = on_event
        self.confirm = confirm
        self._declined: Step | None = None  # the step whose confirmation was last refused
        self.should_cancel = should_cancel
        self.poll, self.clock, self.sleep = poll, clock, sleep
        self.retry_delay = retry_delay
        self.step_mode = step_mode  # a presenter's pause before each step; False cancels
        self.cloud_speed = cloud_speed  # the cloud's seconds per second of ``clock`` (a demo's emulator speed)
        self.window = window or ReconcileWindow()
        self.lock = lock or RunLock(journal, run.run_id)  # a command may hold it already (resume --cleanup)
        self.status_calls: dict[str, int] = {}
        self._previous_on_call = None
        self._progress_saved_at = time.monotonic()
        self._waited_on_cloud = 0.0
        self._step_name: str | None = None  # the step whose calls are being recorded

    # -- plumbing ------------------------------------------------------------------------------

    def _save(self) -> None:
        self.journal.save(self.run_)

    def _emit(self, event: str, step: Step | None = None, **kw: Any) -> None:
        e = RunEvent(
            event,
            self.run_.run_id,
            step.name if step else None,
            step.title if step else None,
            kw.pop("status", step.status if step else self.run_.status),
            kw.pop("progress", None),
            kw.pop("message", ""),
            kw,
            at=time.time(),
        )
        if event != "progress":  # progress lives in the step itself; the log keeps state changes
            self.run_.events.append(e.to_dict())
            self._save()
        elif time.monotonic() - self._progress_saved_at >= PROGRESS_SAVE_INTERVAL:
            # Progress changes nothing a resume needs (ids are saved by the step that learns them), so a
            # long wait refreshes the journal's percentage now and then instead of on every poll.
            self._progress_saved_at = time.monotonic()
            self._save()
        if self.on_event:
            self.on_event(e)

    def _record_call(self, record: CallRecord) -> None:
        self.run_.calls.append(
            {
                "service": record.service,
                "method": record.method,
                "path": record.path,
                "status": record.status,
                "request_id": record.request_id,
                "attempts": record.attempts,
                **({"step": self._step_name} if self._step_name else {}),
            }
        )

    # -- the run ---------------------------------------------------------------------------------

    def run(self) -> Run:
        """Run the plan from where it stands. The run is this process's while it runs (``RunLocked``,
        exit 2, when another process holds it); a lock this runner already holds is kept."""
        if self.lock.held:
            return self._run()
        with self.lock:
            return self._run()

    def _run(self) -> Run:
        run = self.run_
        resumed = bool(run.events)
        run.status, run.error = RunStatus.RUNNING, None
        self._emit("run-started", resumed=resumed, path=run.plan.path_id, image_id=run.plan.image_id)
        refused = self._preflight()
        if refused is not None:
            return refused
        try:
            for step in run.plan.steps:
                if step.status in (StepStatus.SUCCEEDED, StepStatus.SKIPPED):
                    continue
                if not self._gate(step):
                    if self._declined is step and skippable(run.plan, step):
                        step.status = StepStatus.SKIPPED
                        self._emit("step-skipped", step, message="declined; the new image is ready without it")
                        continue
                    return self._finish(
                        RunStatus.CANCELLED, message=f"stopped before '{step.title}'; resume to continue"
                    )
                self._run_step(step)
                if step.succeeded and step.kind in CREATING_KINDS:
                    self.sweep(f"after '{step.title}'")
                if not step.succeeded:
                    self.sweep("at the end of the run")
                    return self._finish(
                        RunStatus.FAILED, message=step.error.message if step.error else step.status, error=step.error
                    )
        except Cancelled:
            return self._finish(RunStatus.CANCELLED, message="cancelled after the current call; resume to continue")
        self.sweep("at the end of the run")
        return self._finish(RunStatus.SUCCEEDED, message="the new image is ready")

    def _preflight(self) -> Run | None:
        """Check the answers of every ECS still to be made against the cloud (``wizard.preflight``)
        before anything is made; a wrong one fails the run at that step, naming the valid choices."""
        from wizard import preflight

        problems = preflight.check(self.clients, self.run_.plan, note=lambda text: self._emit("message", message=text))
        if not problems:
            return None
        problem = problems[0]
        step = self.run_.plan.step(problem.step)
        error = problem.error()
        if problem.code in REMEDIES:  # the dry run met a limit that no other answer lifts (a quota)
            error.remedy = REMEDIES[problem.code]
        self._fail(step, error)
        return self._finish(RunStatus.FAILED, message=f"preflight: {error.message}", error=step.error)

    def sweep(self, when: str) -> ownership.SweepReport:
        """List what carries the run's mark, keep what the journal holds, delete the surplus; say so."""
        report = ownership.sweep(self.clients, self.run_, when)
        self._emit("sweep", message=report.message, sweep=report.to_dict())
        return report

    def _finish(self, status: RunStatus, message: str, error: StepError | None = None) -> Run:
        self.run_.status = status
        self.run_.error = error
        remedy = error.remedy if error else None
        # An answer the cloud refused (preflight): the closing line offers the resume that changes it.
        # "change_answer" names its key (wizard.remedy.SERVER_OPTIONS), or is "" when any of them may.
        change: dict[str, Any] = {}
        if remedy is not None and remedy.action is Action.CHANGE_ON_RESUME:
            change["change_answer"] = remedy.question or ""
        self._emit(
            "run-finished",
            status=status,
            message=message,
            new_image_id=self.run_.new_image_id,
            resumable=status != RunStatus.SUCCEEDED,
            **change,
        )
        return self.run_

    def _gate(self, step: Step) -> bool:
        if self.should_cancel():
            return False
        if self.step_mode and not step.state.get("presented") and not self.step_mode(step):
            return False
        if step.needs_confirmation and not step.state.get("confirmed"):
            step.status = StepStatus.WAITING
            self._emit(
                "waiting-for-confirmation",
                step,
                message=confirmation_text(step),
                billable=step.billable,
                destructive=step.destructive,
            )
            if not (self.confirm and self.confirm(step)):
                self._declined = step
                step.status = StepStatus.PENDING
                self._emit("message", step, message="not confirmed: nothing was created for this step")
                return False
            step.state["confirmed"] = True
        step.state["presented"] = True
        return True

    def _run_step(self, step: Step) -> None:
        kind = KINDS[step.kind]
        resumed = step.status in (
            StepStatus.RUNNING,
            StepStatus.CANCELLED,
            StepStatus.FAILED,
            StepStatus.TIMED_OUT,
        ) or bool(step.state.get("sent"))
        if step.status.stopped_on_error:
            step.attempts, step.error = 0, None
        step.status = StepStatus.RUNNING
        step.started_at = step.started_at or self.clock()
        waiting_since = began = self.clock()
        self._waited_on_cloud = 0.0  # of this run of the step: its pauses between calls
        self._emit("step-started", step, resumed=resumed, billable=step.billable, destructive=step.destructive)
        ctx = StepContext(
            self.clients,
            self.run_.run_id,
            self.run_.plan.resolve,
            self._save,
            note=lambda message: self._emit("message", step, message=message),
            clock=self.clock,
            window=self.window,
        )
        self._step_name = step.name
        previous_hook = self._hook_calls()
        calls = 0
        try:
            while True:
                if self.should_cancel():
                    step.status = StepStatus.CANCELLED
                    self._emit("message", step, message="cancelled; the run can be resumed")
                    raise Cancelled()
                try:
                    step.attempts = max(step.attempts, 1)
                    tick = kind.advance(ctx, step)
                    calls += 1
                except StepFailed as failure:
                    return self._fail(step, failure.error)
                except (CloudError, CloudUnreachable) as error:
                    if _worth_retrying(error) and step.attempts < step.max_attempts:
                        self._retry(step, error)
                        continue
                    return self._fail_on(step, error)
                if tick.progress is not None:
                    step.progress = tick.progress
                step.message = tick.message
                if tick.done:
                    return self._succeed(step, tick, calls, began)
                waited = self.clock() - waiting_since
                self._emit(
                    "progress",
                    step,
                    progress=step.progress,
                    message=tick.message,
                    **self._work(step, began, "elapsed"),
                )
                if self.clock() - step.started_at > step.timeout:
                    message = f"'{step.title}' did not finish within {step.timeout:.0f} s"
                    remedy = Remedy(Action.RESUME, "The cloud may still finish it: wait a while")
                    return self._fail(step, StepError(message, remedy), StepStatus.TIMED_OUT)
                self._wait(tick, waited)
        finally:
            self._unhook_calls(previous_hook)
            self._step_name = None
            step.state.update(self._work(step, began, "worked"))

    def _work(self, step: Step, began: float, name: str) -> dict[str, float]:
        """The step's working time so far, here and in the cloud, and the cloud's speed: what earlier runs
        of it recorded (``state['worked']``, ``state['cloud_worked']``) plus this run since ``began``. Time
        spent waiting for the user (a confirmation, a guided session's pause) or between processes is not
        in it."""
        now = self.clock() - began
        waited = min(self._waited_on_cloud, now)
        here = step.state.get("worked", 0.0) + now
        # Only the pauses waiting on the cloud run at the cloud's speed; the wizard's own work between
        # them (the calls, this machine's CPU) takes as long in a real cloud as here.
        cloud = step.state.get("cloud_worked", 0.0) + (now - waited) + waited * self.cloud_speed
        return {name: round(here, 3), f"cloud_{name}": round(cloud, 3), "speed": self.cloud_speed}

    def _retry(self, step: Step, error: CloudError | CloudUnreachable) -> None:
        """Advance the step again after a pause, as one more of its attempts."""
        step.attempts += 1
        cloud = (
            {"code": error.code, "service": error.service, "request_id": error.request_id, "http_status": error.status}
            if isinstance(error, CloudError)
            else {}
        )
        self._emit(
            "message",
            step,
            message=f"{error}; retrying (attempt {step.attempts} of {step.max_attempts})",
            retry=step.attempts,
            reason=error.message if isinstance(error, CloudError) else str(error),
            **{k: v for k, v in cloud.items() if v is not None},
        )
        self._pause(self.retry_delay)

    def _fail_on(self, step: Step, error: CloudError | CloudUnreachable) -> None:
        if isinstance(error, CloudError):
            return self._fail(
                step, StepError(error.message, _remedy(error), error.code, error.request_id, error.service)
            )
        return self._fail(step, StepError(str(error), Remedy(Action.RESUME, "Check the network and the endpoint")))

    def _succeed(self, step: Step, tick: Tick, calls: int, began: float) -> None:
        step.status = StepStatus.SUCCEEDED
        step.ended_at = self.clock()
        self.status_calls[step.name] = calls
        if step.outputs:
            self._emit("output", step, outputs=dict(step.outputs))
        self._emit(
            "step-succeeded",
            step,
            progress=step.progress,
            message=tick.message,
            **self._work(step, began, "seconds"),
        )

    def _wait(self, tick: Tick, waited: float) -> None:
        """Until the next advance: what the step asked for (a reconcile window's pace), else the poll policy's."""
        delay = self.poll.next_interval(waited, tick.progress) if tick.wait is None else tick.wait
        if delay > 0:
            self._pause(delay)

    def _pause(self, seconds: float) -> None:
        """Wait for the cloud, counting the time for the step's cloud time (:meth:`_work`)."""
        before = self.clock()
        self.sleep(seconds)
        self._waited_on_cloud += self.clock() - before

    def _fail(self, step: Step, error: StepError, status: StepStatus = StepStatus.FAILED) -> None:
        """Record the failure as parts (the cloud's bare message, its service, code and request id, and
        what to do, for this run), so each front end can show every part once."""
        if error.remedy:
            error.remedy = error.remedy.about(self.run_.run_id, self.run_.plan.image_id)
        step.status = status
        step.ended_at = self.clock()
        step.error = error
        data = error.to_dict()
        self._emit("step-failed", step, **data)

    def _hook_calls(self) -> list[tuple[Any, Callable[[CallRecord], None] | None]]:
        # Record every call's request id in the journal while a step runs.
        hooks = []
        clients = self.clients
        for client in (clients.ims, clients.cbr, clients.csbs, clients.ecs, clients.vpc, clients.evs):
            previous = client.http.on_call

            def chained(record: CallRecord, previous: Callable[[CallRecord], None] | None = previous) -> None:
                self._record_call(record)
                if previous:
                    previous(record)

            hooks.append((client.http, previous))
            client.http.on_call = chained
        return hooks

    def _unhook_calls(self, hooks: list[tuple[Any, Callable[[CallRecord], None] | None]]) -> None:
        for http, previous in hooks:
            http.on_call = previous


def skippable(plan: Plan, step: Step) -> bool:
    """Declining an optional step once the new image is verified skips it; the run still succeeds
    (the summary offers it again as a follow-up). Declining anything else stops the run."""
    from wizard.flowchart import OPTIONAL_STEPS

    verified = any(s.kind == "verify_image" and s.status == StepStatus.SUCCEEDED for s in plan.steps)
    return step.kind in OPTIONAL_STEPS and verified


def if_declined(plan: Plan, step: Step) -> str:
    """What answering no to ``step``'s confirmation does, as the front ends say it after their 'No' label."""
    if skippable(plan, step):
        return "this step is skipped; the run ends with the new image ready (you can still do it later)"
    return "the run stops before this step and stays resumable"


def effect(billable: bool) -> str:
    """What a step that asks first does, in the words every front end uses."""
    return "creates billable resources" if billable else "deletes resources"


def confirmation_text(step: Step) -> str:
    return f"'{step.title}' {effect(step.billable)}. Continue?"


def _worth_retrying(error: CloudError | CloudUnreachable) -> bool:
    """No answer, or an answer that says try again (throttled, a server error): the same call may
    succeed; any other error answer will not."""
    return isinstance(error, CloudUnreachable) or error.transient


ALREADY_MADE = "This backup already has an image; the wizard will not make a second one. Check the project's images"
REMEDIES = {
    "IMG.0015": Remedy(
        Action.RESUME, "The private-image quota is used up: delete an unused private image or raise the quota"
    ),
    "IMG.0029": Remedy(Action.NOTHING, ALREADY_MADE),
    "IMG.0134": Remedy(Action.NOTHING, ALREADY_MADE),
    "IMG.0032": Remedy(Action.RESUME, "The backup is not available yet: wait a few minutes"),
    "Ecs.0001": Remedy(Action.RESUME, "The ECS quota is used up: delete an unused ECS or raise the quota"),
    "Ecs.0034": Remedy(Action.NOTHING, "The backup of the slow image was deleted, so no ECS can be created from it"),
    "Ecs.0048": Remedy(
        Action.NOTHING,
        "The image cannot be used for ECS creation right now: it must be Normal and its backup Available",
    ),
    "BackupService.6114": Remedy(Action.RESUME, "The vault is too small: enlarge it in the CBR console"),
    "CSBS.9006": Remedy(Action.RESUME, "The CSBS backup quota is used up: delete old backups or use CBR"),
}
"""What to do about a permanent cloud error, by its code."""


def _remedy(error: CloudError) -> Remedy:
    """What to do about a permanent cloud error, by its code; else fix what the cloud said and resume."""
    return REMEDIES.get(error.code or "", Remedy(Action.FIX_AND_RESUME))
