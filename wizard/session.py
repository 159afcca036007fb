"""What every front end needs to talk to a cloud: the settings, the clients, the journal, and in
demo mode the in-process emulator (with the polling pace that suits it)."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.config import Settings
from wizard.journal import Journal, Run
from wizard.ownership import ReconcileWindow
from wizard.polling import DEMO_POLL, PollPolicy
from wizard.status import RunStatus

if TYPE_CHECKING:  # the engine is imported when first used, so a front end paints before it loads
    from wizard.abandon import Abandon
    from wizard.cloud.client import Clients
    from wizard.diagnose import Diagnosis
    from wizard.doctor import Problem
    from wizard.plan import Plan
    from wizard.questions import Answers
    from wizard.runner import Runner

DEMO_SPEED = 60.0


@dataclass
class CloudSession:
    """Settings, journal and a way to connect. The clients (and in demo mode the emulator) are built
    on first use, so a front end can paint its first screen before ``requests``, werkzeug and the
    emulator's scenario are loaded; :meth:`connect` does it ahead of time from a worker."""

    settings: Settings
    journal: Journal
    connector: Callable[[], tuple[Clients, Any]] = field(repr=False)
    poll: PollPolicy = field(default_factory=PollPolicy)
    window: ReconcileWindow = field(default_factory=ReconcileWindow)  # how long a lost create is looked for
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    restored: bool = False  # demo: the emulator's world was restored from the last process
    _connection: tuple[Clients, Any] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _check_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _checked: list[Problem | None] = field(default_factory=list, init=False, repr=False)  # [] until checked

    def connect(self) -> Clients:
        with self._lock:
            if self._connection is None:
                self._connection = self.connector()
            return self._connection[0]

    @property
    def connected(self) -> bool:
        """The clients are built (no call was made yet: :meth:`check_connection` makes one)."""
        return self._connection is not None

    def check_connection(self) -> Problem | None:
        """Whether the cloud accepts a signed call from these settings: doctor's credentials check on
        one service (one call, made once per session). None when it did; else what is wrong, in words.
        Front ends say "connected" only after this returned None."""
        with self._check_lock:
            if not self._checked:
                from wizard.doctor import Probe, connection_problem

                self._checked.append(connection_problem(Probe(self.settings, self.connect)))
            return self._checked[0]

    @property
    def connection_checked(self) -> bool:
        return bool(self._checked) and self._checked[0] is None

    @property
    def clients(self) -> Clients:
        return self.connect()

    @property
    def emulator(self) -> Any:
        """The in-process emulator (``wizard.sim.Emulator``) in demo mode, else None."""
        self.connect()
        assert self._connection is not None
        return self._connection[1]

    @property
    def label(self) -> str:
        s = self.settings
        if s.is_demo:
            return f"demo (built-in emulator, project {s.project_id}, region {s.region})"
        cloud = "Huawei Cloud" if s.cloud == "hwc" else "Open Telekom Cloud"
        return f"{cloud}, region {s.region}, project {s.project_id or s.project_name or self.clients.project_id}"

    def cloud_record(self) -> dict[str, Any]:
        """What the journal keeps about where a run happened (never credentials)."""
        s = self.settings
        record = {
            "cloud": s.cloud,
            "region": s.region,
            "project_id": self.clients.project_id,
            "endpoints": dict(s.endpoints),
        }
        if self.emulator is not None:  # demo: which emulated world the run's resources live in
            record["world"] = self.emulator.world_id
        return record

    def new_run(self, image_ref: str, diagnosis: Diagnosis, answers: Answers, plan: Plan) -> Run:
        run = Run(plan.run_id, image_ref, self.cloud_record(), diagnosis.to_dict(), answers.to_dict(), plan)
        self.journal.save(run)
        return run

    def runner(self, run: Run, **kw: Any) -> Runner:
        from wizard.runner import Runner

        kw.setdefault("poll", self.poll)
        kw.setdefault("window", self.window)
        kw.setdefault("clock", self.clock)
        kw.setdefault("sleep", self.sleep)
        return Runner(self.clients, run, self.journal, **kw)

    def abandoner(self, run: Run, **kw: Any) -> Abandon:
        """What deletes ``run``'s resources (``abandon``, ``resume --cleanup`` of an unfinished run), at
        this session's pace."""
        from wizard.abandon import Abandon

        kw.setdefault("poll", self.poll)
        kw.setdefault("window", self.window)
        kw.setdefault("clock", self.clock)
        kw.setdefault("sleep", self.sleep)
        return Abandon(self.clients, run, self.journal, **kw)

    def check_resumable_here(self, run: Run) -> None:
        """A run can only be resumed against the cloud and project it was started in, and by one
        process at a time (``RunLocked``, exit 2, names the process that holds it)."""
        from wizard.errors import UsageError
        from wizard.ownership import RunLock, RunLocked

        holder = RunLock(self.journal, run.run_id).holder()
        if holder is not None and holder != os.getpid():
            raise RunLocked(run.run_id, f"pid {holder}")

        here = self.cloud_record()
        if run.cloud.get("cloud") == "demo" and not self.settings.is_demo:
            raise UsageError(f"Run {run.run_id} was a demo run.", "Resume it with --demo.")
        if run.cloud.get("cloud") == "demo":
            world = run.cloud.get("world")
            if self.emulator is not None and (
                world != self.emulator.world_id if world else not self.emulator_knows(run)
            ):
                raise UsageError(
                    f"Run {run.run_id} ran on a demo emulator whose world is gone; its resources existed only there.",
                    "A demo's world is kept only while one of its runs can be resumed or has kept a temporary ECS; "
                    "start a new demo run (the summary screen offers the test launch and the cleanup right away).",
                )
            return
        if (run.cloud.get("project_id"), run.cloud.get("region")) != (here["project_id"], here["region"]):
            raise UsageError(
                f"Run {run.run_id} belongs to project {run.cloud.get('project_id')} in {run.cloud.get('region')}, "
                f"not {here['project_id']} in {here['region']}.",
                "Use the settings the run was started with.",
            )

    def close(self) -> None:
        """Demo: keep the emulator's world while one of its runs can be resumed or has kept a
        temporary ECS (so the next process can resume it or clean up), and forget it once none has."""
        if not self.settings.is_demo or not self.connected or self.emulator is None:
            return
        from wizard.plan import follow_ups
        from wizard.sim import snapshot

        path = demo_snapshot_path(self.journal)

        def needs_this_world(run: Run) -> bool:
            if (
                run.cloud.get("cloud") != "demo"
                or run.cloud.get("world", self.emulator.world_id) != self.emulator.world_id
            ):
                return False
            if run.resumable or run.status == RunStatus.ABANDONING:  # an interrupted abandon still has resources there
                return True
            return run.status == RunStatus.SUCCEEDED and "delete_temp_server" in follow_ups(run.plan)

        if not any(needs_this_world(r) for r in self.journal.runs()):
            with contextlib.suppress(OSError):  # nothing to keep; a state dir that is not one holds nothing
                path.unlink(missing_ok=True)
            return
        try:
            snapshot.save(self.emulator, path)
        except OSError as exc:
            print(f"ecs-wizard: the demo world could not be kept in {path}: {exc.strerror or exc}", file=sys.stderr)

    def emulator_knows(self, run: Run) -> bool:
        image_id = run.plan.image_id
        try:
            self.clients.ims.get_image(image_id)
            return True
        except Exception:
            return False


def demo_snapshot_path(journal: Journal) -> Path:
    return journal.directory / "demo-emulator.pickle"


def open_session(
    settings: Settings,
    *,
    state_dir: Path | str | None = None,
    speed: float | None = None,
    faults: Sequence[Any] = (),
    emulator: Any = None,
    scenario: str = "demo",
) -> CloudSession:
    journal = Journal(state_dir)
    if not settings.is_demo:

        def connect_cloud() -> tuple[Clients, Any]:
            from wizard.cloud.client import build_clients

            return build_clients(settings, settings.require_credentials()), None

        return CloudSession(settings, journal, connect_cloud)

    def connect_emulator() -> tuple[Clients, Any]:
        from wizard.cloud.client import build_clients

        emu = emulator
        pace = DEMO_SPEED if speed is None else speed
        if emu is None and scenario == "demo" and demo_snapshot_path(journal).exists():
            from wizard.sim import snapshot

            emu = snapshot.restore(demo_snapshot_path(journal), pace)
            session.restored = emu is not None
            if emu is not None:
                for rule in faults:
                    emu.add_fault(rule)
        if emu is None:
            from wizard.sim import Emulator

            emu = Emulator(scenario=scenario, speed=pace, faults=list(faults))
        return build_clients(settings, settings.require_credentials(), session_factory=emu.session), emu

    session = CloudSession(settings, journal, connect_emulator, DEMO_POLL)
    return session
