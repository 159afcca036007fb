"""What every front end needs to talk to a cloud: the settings, the clients, the journal, and in
demo mode the in-process emulator (with the polling pace that suits it).

A demo's emulated world is one cloud account per emulated cloud, kept in the state directory
(``demo-world.json``, JSON data, mode 0600) for as long as any run made in it is there: a second repair
works beside the first one's resources, and every run's resume, follow-ups and abandon find them. It is
written before every journal write of its runs, so a process killed at any moment leaves a world no
older than its journals, and each journal records the world's save ``generation`` so that an older
world is recognised and refused, not half-used.

One process at a time works in a state directory's demo world: the world lives in that process's
memory from connect to close, so a second one working beside it would start from the same file and
the last to save would erase the other's resources. The process holds the world's lock
(``demo-world.lock``, a :class:`wizard.statedir.PidLock`) from connect to close; another demo process on
the same world waits for it, says which process holds it and how to go on, and gives up after
``world_wait`` seconds (exit 2, nothing done). A killed holder's lock is released by the kernel."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard import statedir
from wizard.config import CLOUD_TITLES, INSECURE_WARNING, Settings
from wizard.errors import UsageError, WizardError
from wizard.journal import Journal, Run
from wizard.ownership import ReconcileWindow
from wizard.polling import DEMO_POLL, PollPolicy
from wizard.reach import Reach
from wizard.remedy import CommandLine

if TYPE_CHECKING:  # the engine is imported when first used, so a front end paints before it loads
    from wizard.abandon import Abandon
    from wizard.cloud.client import Clients
    from wizard.diagnose import Diagnosis
    from wizard.doctor import Problem
    from wizard.plan import Plan
    from wizard.questions import Answers
    from wizard.runner import Runner

DEMO_SPEED = 60.0
WORLD_WAIT = 600.0  # seconds a demo process waits for the world another one holds (ECS_WIZARD_DEMO_WAIT)
WORLD_POLL = 0.2  # seconds between two tries of the world's lock


class DemoWorldInUse(UsageError):
    """Another process kept this state directory's demo world for longer than this one would wait (exit 2)."""


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
    notify: Callable[[str], None] = field(default=lambda text: print(f"ecs-wizard: {text}", file=sys.stderr))
    _connection: tuple[Clients, Any] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _check_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _checked: list[Problem | None] = field(default_factory=list, init=False, repr=False)  # [] until checked
    world_wait: float = WORLD_WAIT  # demo: how long to wait for the world another process holds
    doing: str = "ecs-wizard"  # demo: what this process is, as the world's lock tells another one
    on_world_wait: Callable[[str], None] | None = field(default=None, repr=False)  # else notify
    stop_waiting: Callable[[], bool] = field(default=lambda: False, repr=False)  # a front end gave up
    _world_lock: statedir.PidLock | None = field(default=None, init=False, repr=False)

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
    def cloud_speed(self) -> float:
        """Seconds of cloud time per second here: the demo emulator's speed, 1 on a real cloud, and 1 when
        the runner's clock is the emulator's own (tests with a frozen clock)."""
        clock = getattr(self.emulator, "clock", None)
        if clock is None or self.clock == clock.now:
            return 1.0
        return float(clock.speed)

    @property
    def label(self) -> str:
        s = self.settings
        if s.is_demo:
            emulated = CLOUD_TITLES[s.demo_profile]
            return f"demo (built-in emulator of {emulated}, project {s.project_id}, region {s.region})"
        cloud = s.title
        if not s.verify_tls:
            cloud += " (TLS verification OFF: --insecure)"
        return f"{cloud}, region {s.region}, project {s.project_id or s.project_name or self.clients.project_id}"

    @property
    def reach(self) -> Reach:
        """The options that reach this session's cloud and state directory from a fresh shell (``wizard.reach``)."""
        return Reach.of_settings(self.settings, self.journal.directory)

    @property
    def command_line(self) -> CommandLine:
        """Remedies phrased as commands that work as printed from a fresh shell."""
        return CommandLine(self.reach.command)

    def command(self, *words: str) -> str:
        """``ecs-wizard WORDS`` with the options that reach this session's cloud and state directory,
        so that it works as printed, pasted into a shell that has neither the options this one was
        given nor, perhaps, its environment (ECS_WIZARD_STATE_DIR): ``--state-dir`` unless it is the
        default, ``--demo``, or the cloud with the region and one endpoint where an option chose them."""
        return self.reach.command(*words)

    def resume_command(self, run_id: str, *options: str) -> str:
        """``ecs-wizard resume RUN_ID`` with ``options`` (another answer: ``--flavor FLAVOR``), as it works pasted."""
        return self.command("resume", run_id, *options)

    def cloud_record(self) -> dict[str, Any]:
        """What the journal keeps about where a run happened (never credentials)."""
        s = self.settings
        record: dict[str, Any] = {
            "cloud": s.cloud,
            "region": s.region,
            "project_id": self.clients.project_id,
            "endpoints": dict(s.endpoints),
        }
        if not s.verify_tls:
            record["verify_tls"] = False  # said in the report: its answers were not authenticated
        if self.emulator is not None:  # demo: which emulated cloud and world the run's resources live in
            record["world"] = self.emulator.world_id
            record["profile"] = s.demo_profile
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
        kw.setdefault("cloud_speed", self.cloud_speed)
        return Runner(self.clients, run, self.journal, **kw)

    def abandoner(self, run: Run, **kw: Any) -> Abandon:
        """What deletes ``run``'s resources (``abandon``, ``resume --cleanup`` of an unfinished run), at
        this session's pace."""
        from wizard.abandon import Abandon

        kw.setdefault("poll", self.poll)
        kw.setdefault("window", self.window)
        kw.setdefault("clock", self.clock)
        kw.setdefault("sleep", self.sleep)
        kw.setdefault("command", self.command)
        return Abandon(self.clients, run, self.journal, **kw)

    def check_resumable_here(self, run: Run) -> None:
        """A run can only be resumed against the cloud and project it was started in, and by one
        process at a time (``RunLocked``, exit 2, names the process that holds it)."""
        from wizard.ownership import RunLock, RunLocked

        holder = RunLock(self.journal, run.run_id).holder()
        if holder is not None and holder != os.getpid():
            raise RunLocked(run.run_id, f"pid {holder}")

        here = self.cloud_record()
        if run.cloud.get("cloud") == "demo" and not self.settings.is_demo:
            raise UsageError(f"Run {run.run_id} was a demo run.", "Resume it with --demo.")
        if run.cloud.get("cloud") == "demo":
            profile = run.cloud.get("profile", "otc")
            if profile != self.settings.demo_profile:
                raise UsageError(
                    f"Run {run.run_id} ran on the demo's emulated {CLOUD_TITLES.get(profile, profile)}.",
                    f"Resume it with --demo --profile {profile}.",
                )
            world = run.cloud.get("world")
            if self.emulator is not None and (
                world != self.emulator.world_id if world else not self.emulator_knows(run)
            ):
                raise UsageError(
                    f"Run {run.run_id} ran on a demo emulator whose world is gone; its resources existed only there.",
                    "The demo world file of this state directory was removed, set aside as damaged, or holds another "
                    "world: start a new demo run (ecs-wizard demo).",
                )
            needed = run.cloud.get("world_generation", 0)
            if self.emulator is not None and needed > self.emulator.generation:
                kept = demo_world_path(self.journal, self.settings.demo_profile)
                raise UsageError(
                    f"The demo world kept in {kept} is older than run {run.run_id}'s journal "
                    f"(world save {self.emulator.generation}, the run's last write saw save {needed}): the process "
                    "that ran it stopped before the world was kept, so resources the journal names are missing.",
                    "Those resources existed only in the newer world: start a new demo run (ecs-wizard demo).",
                )
            return
        if (run.cloud.get("project_id"), run.cloud.get("region")) != (here["project_id"], here["region"]):
            raise UsageError(
                f"Run {run.run_id} belongs to project {run.cloud.get('project_id')} in {run.cloud.get('region')}, "
                f"not {here['project_id']} in {here['region']}.",
                "Use the settings the run was started with.",
            )

    def close(self) -> None:
        """Demo: keep the emulator's world while any run made in it is in the state directory (so the
        next process resumes it, adds a follow-up or abandons it, beside the other runs' resources),
        and forget it once none is; then let the next process have it (its lock)."""
        try:
            self._keep_or_forget_world()
        finally:
            if self._world_lock is not None:
                self._world_lock.release()

    def _keep_or_forget_world(self) -> None:
        if not self.settings.is_demo or not self.connected or self.emulator is None:
            return
        try:
            runs = self.journal.runs()
        except WizardError:
            runs = []  # a state directory that cannot be used keeps nothing (the command said why)
        if not any(self.runs_in_this_world(r) for r in runs):
            with contextlib.suppress(OSError):  # nothing to keep; a state dir that is not one holds nothing
                demo_world_path(self.journal, self.settings.demo_profile).unlink(missing_ok=True)
            return
        try:
            self.keep_world()
        except WizardError as exc:
            self.notify(f"the demo world could not be kept: {exc.message}")

    def hold_world(self) -> None:
        """Demo: make the state directory's world this process's until :meth:`close` (its lock, taken
        before the world is read). While another process holds it, say which and wait, at most
        ``world_wait`` seconds (then :class:`DemoWorldInUse`)."""
        if self._world_lock is not None and self._world_lock.held:
            return
        try:
            statedir.private_dir(self.journal.directory)
        except WizardError:
            return  # a state directory that cannot be used keeps no world (a command that needs one says why)
        path = demo_world_lock_path(self.journal, self.settings.demo_profile)
        lock = statedir.PidLock(path, f"{self.doing}, since {time.strftime('%H:%M:%S')}")
        holder = self._try(lock)
        if holder is not None and holder.pid != os.getpid() and self.world_wait > 0:
            (self.on_world_wait or self.notify)(
                f"the demo world of {self.journal.directory} is in use by another ecs-wizard process "
                f"({self._who(holder)}); waiting up to {_duration(self.world_wait)} for it to finish. "
                "Ctrl-C stops waiting; --state-dir OTHER_DIR gives a demo world of its own."
            )
        deadline = self.clock() + self.world_wait
        while holder is not None:
            left = deadline - self.clock()
            if left <= 0 or holder.pid == os.getpid() or self.stop_waiting():
                mine = holder.pid == os.getpid()  # another session of this process: waiting cannot help
                waited = self.world_wait > 0 and not mine
                by = "another session of this process" if mine else "another ecs-wizard process"
                raise DemoWorldInUse(
                    f"The demo world of {self.journal.directory} is {'still ' if waited else ''}in use by {by} "
                    f"({self._who(holder)})"
                    f"{f' after waiting {_duration(self.world_wait)}' if waited else ''}; nothing was done.",
                    "Let that process finish, or quit it (a full-screen wizard keeps the demo world until it "
                    "quits), then run this again; or add --state-dir NEW_DIR for a demo world of its own.",
                )
            self.sleep(min(WORLD_POLL, left))
            holder = self._try(lock)
        self._world_lock = lock

    def _try(self, lock: statedir.PidLock) -> statedir.Holder | None:
        try:
            return lock.try_acquire()
        except OSError as exc:
            raise statedir.write_error(exc, lock.path.parent, "demo world's lock") from None

    @staticmethod
    def _who(holder: statedir.Holder) -> str:
        from wizard.text import visible

        return f"{holder}: {visible(holder.doing)}" if holder.doing else str(holder)

    def runs_in_this_world(self, run: Run) -> bool:
        return run.cloud.get("cloud") == "demo" and run.cloud.get("world", self.emulator.world_id) == (
            self.emulator.world_id
        )

    def keep_world(self) -> int:
        """Write the demo world to the state directory (a new save generation, which it returns)."""
        from wizard.sim import snapshot

        emu = self.emulator
        with emu.app.lock:  # a consistent world: no request is half-served while it is read
            emu.generation += 1
            data = snapshot.dumps(emu)
        statedir.private_dir(self.journal.directory)
        statedir.save_private(
            demo_world_path(self.journal, self.settings.demo_profile), data, what="demo world", durable=False
        )
        return emu.generation

    def keep_world_with(self, run: Run) -> None:
        """Called before each journal write: a run of this world saves the world first and records
        which save it saw, so its journal is never newer than the world that is kept."""
        if self.connected and self.emulator is not None and self.runs_in_this_world(run):
            run.cloud["world_generation"] = self.keep_world()

    def adopt_world(self, raw: bytes, run_id: str) -> None:
        """Demo: make ``raw``, the world an imported run ran in, this state directory's demo world, so
        that the run can be resumed, followed up or abandoned here. Refused (UsageError, nothing
        changed) when a run of this state directory lives in the world it has now: two accounts'
        worlds cannot be merged, and replacing one would lose that run's resources."""
        here = [r.run_id for r in self.journal.runs() if self.runs_in_this_world(r)]
        if here:
            runs = ", ".join(here)
            if json.loads(raw).get("world_id") == self.emulator.world_id:
                where = f"another copy of this state directory's demo world, which has changed here since (run {runs})"
            else:
                where = f"another demo world than this state directory's, which holds run {runs}"
            raise UsageError(
                f"Run {run_id} ran in {where}; the two cannot be merged. Nothing was imported.",
                "Import it into a state directory of its own: add --state-dir NEW_DIR to 'ecs-wizard runs import' "
                "and to the commands that continue the run.",
            )
        statedir.private_dir(self.journal.directory)
        statedir.save_private(
            demo_world_path(self.journal, self.settings.demo_profile), raw, what="demo world", durable=False
        )
        with self._lock:
            self._connection = None  # the next use restores the imported world from the file

    def restore_world(self, path: Path, speed: float) -> Any:
        """The emulator kept at ``path``; None (and a notice) when the file is damaged. A file or
        directory that is not the user's own is refused (UsageError): it is never read."""
        from wizard.sim import snapshot

        statedir.check_private(self.journal.directory, "state directory")
        raw = statedir.read_private(path, what="demo world")
        try:
            return snapshot.loads(raw, speed)
        except snapshot.SnapshotError as exc:
            aside = path.with_name(path.name + ".damaged")
            os.replace(path, aside)
            self.notify(
                f"the demo world kept in {path} is damaged ({exc}); it was moved to {aside} and the demo starts "
                "from the fresh demo project (runs of the old world cannot be resumed)."
            )
            return None

    def emulator_knows(self, run: Run) -> bool:
        image_id = run.plan.image_id
        try:
            self.clients.ims.get_image(image_id)
            return True
        except Exception:
            return False


def _duration(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def demo_world_path(journal: Journal, profile: str = "otc") -> Path:
    """Where the demo keeps its world between processes: one world per emulated cloud."""
    return journal.directory / ("demo-world.json" if profile == "otc" else f"demo-world-{profile}.json")


def demo_world_lock_path(journal: Journal, profile: str = "otc") -> Path:
    """The lock beside the world: held by the one process that has the world open (``demo-world.lock``)."""
    return demo_world_path(journal, profile).with_suffix(".lock")


def open_session(
    settings: Settings,
    *,
    state_dir: Path | str | None = None,
    speed: float | None = None,
    faults: Sequence[Any] = (),
    emulator: Any = None,
    scenario: str = "demo",
    doing: str = "ecs-wizard",
) -> CloudSession:
    """``doing``: what this process is (``ecs-wizard run``), as the demo world's lock tells another
    process that waits for it."""
    journal = Journal(state_dir)
    if not settings.is_demo:

        def connect_cloud() -> tuple[Clients, Any]:
            from wizard.cloud.client import build_clients

            return build_clients(settings, settings.require_credentials()), None

        cloud = CloudSession(settings, journal, connect_cloud)
        if not settings.verify_tls:
            cloud.notify(f"warning: {INSECURE_WARNING}")  # once, before anything is asked of the cloud
        return cloud

    def connect_emulator() -> tuple[Clients, Any]:
        from wizard.cloud.client import build_clients

        emu = emulator
        pace = DEMO_SPEED if speed is None else speed
        path = demo_world_path(journal, settings.demo_profile)
        if emulator is None:  # the state directory's world: this process's alone until close()
            session.hold_world()
        if emu is None and scenario == "demo" and (path.exists() or path.is_symlink()):
            emu = session.restore_world(path, pace)
            session.restored = emu is not None
            if emu is not None:
                for rule in faults:
                    emu.add_fault(rule)
        if emu is None:
            from wizard.sim import Emulator

            emu = Emulator(scenario=scenario, speed=pace, faults=list(faults), profile=settings.demo_profile)
        if emulator is None:  # a world the caller handed in is the caller's to keep
            journal.before_write = session.keep_world_with
        return build_clients(settings, settings.require_credentials(), session_factory=emu.transport), emu

    session = CloudSession(settings, journal, connect_emulator, DEMO_POLL, world_wait=demo_wait(), doing=doing)
    return session


def demo_wait() -> float:
    """How long a demo process waits for the world another one holds: ECS_WIZARD_DEMO_WAIT seconds
    (0: refuse at once), else :data:`WORLD_WAIT`."""
    text = os.environ.get("ECS_WIZARD_DEMO_WAIT", "").strip()
    if not text:
        return WORLD_WAIT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise UsageError(
            f"ECS_WIZARD_DEMO_WAIT={text!r} is not a number of seconds.",
            "Set it to how long a demo command may wait for the demo world another process holds (0: not at all), "
            "or unset it.",
        )
    return seconds
