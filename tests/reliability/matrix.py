"""The fault matrix: every create and delete operation of the four repair paths (test launch and
cleanup included) x {answer lost, answer after the timeout, 5xx, late visibility, job FAIL} x {carry
on, crash then resume}. One cell is one whole repair on a fresh emulator with a frozen virtual clock.

A crash is the process dying at the fault point: the moment the faulted call has gone out and
before the step could journal its answer, a :class:`Crash` (a ``BaseException``, so nothing in the
wizard catches it) ends the runner; a fresh runner then resumes from the journal on disk, as a new
process would. ``tests/reliability/test_sigkill.py`` proves the in-process crash faithful with real
SIGKILLs. A run that fails (a job that ended FAIL) is resumed as a user would, up to three times.

Used by ``tests/reliability`` and by ``python -m benchmarks.fault_matrix``.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard import ownership
from wizard.config import resolve
from wizard.diagnose import diagnose
from wizard.ownership import MARK_KEY
from wizard.plan import build_plan
from wizard.polling import PollPolicy
from wizard.questions import Answers
from wizard.session import CloudSession, open_session
from wizard.sim import Emulator

SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None  # journals in memory: hundreds of runs

# path id -> (demo image key, service, source ECS exists)
PATHS: dict[str, tuple[str, str, bool]] = {
    "cbr-source-exists": ("image_old_csbs_server_exists", "cbr", True),
    "cbr-source-gone": ("image_old_csbs_server_deleted", "cbr", False),
    "csbs-source-exists": ("image_old_csbs_server_exists", "csbs", True),
    "csbs-source-gone": ("image_old_csbs_server_deleted", "csbs", False),
}

# step -> the operations it sends that make or delete something
OPERATIONS: dict[str, tuple[str, ...]] = {
    "create_temp_server": ("ecs.create_server",),
    "ensure_vault": ("cbr.create_vault",),
    "cbr_backup": ("cbr.create_checkpoint",),
    "csbs_backup": ("csbs.protect",),
    "create_image": ("ims.create_whole_image",),
    "test_launch": ("ecs.create_server", "ecs.delete_servers"),
    "delete_temp_server": ("ecs.delete_servers",),
}

# fault -> the rule's effect (None: the fault does not apply to that operation)
LATE = 45.0  # after the client's 30 s read timeout, inside the 90 s reconcile window


def effect(fault: str, operation: str) -> str | None:
    creates = operation != "ecs.delete_servers"
    backup = operation in ("cbr.create_checkpoint", "csbs.protect")
    return {
        "lost": "lost",
        "late": f"late={LATE:g}",
        "5xx": "status=503",
        "late visibility": "visible_after=120" if creates else None,
        "job FAIL": "backup=error" if backup else (None if operation == "cbr.create_vault" else "job=fail"),
    }[fault]


FAULTS = ("lost", "late", "5xx", "late visibility", "job FAIL")
MODES = ("carry on", "crash then resume")


@dataclass(frozen=True)
class Cell:
    path: str
    step: str
    operation: str
    fault: str
    mode: str

    @property
    def rule(self) -> str:
        return f"{self.operation}:first=1:{effect(self.fault, self.operation)}"

    def __str__(self) -> str:
        return f"{self.path} {self.step} {self.operation} {self.fault} {self.mode}"


def cells(paths: tuple[str, ...] = tuple(PATHS), modes: tuple[str, ...] = MODES) -> list[Cell]:
    out = []
    for path in paths:
        for step in steps_of(path):
            for operation in OPERATIONS[step]:
                for fault in FAULTS:
                    if effect(fault, operation) is None:
                        continue
                    out += [Cell(path, step, operation, fault, mode) for mode in modes]
    return out


def steps_of(path: str) -> list[str]:
    _, service, source_exists = PATHS[path]
    steps = [] if source_exists else ["create_temp_server"]
    steps += ["ensure_vault", "cbr_backup"] if service == "cbr" else ["csbs_backup"]
    steps += ["create_image", "test_launch"]
    return steps + ([] if source_exists else ["delete_temp_server"])


def promised(path: str) -> dict[str, int]:
    """What a finished run of ``path`` (test launch and cleanup included) leaves carrying its mark."""
    service = PATHS[path][1]
    return {"images": 1, **({"vaults": 1, "cbr_backups": 1} if service == "cbr" else {"csbs_backups": 1})}


class Crash(BaseException):
    """The process dies here."""


@dataclass
class Outcome:
    cell: Cell
    status: str
    attempts: int  # runners started, the first included
    crashed: bool
    marked: dict[str, int]  # live resources carrying the run's mark, per kind
    new: dict[str, int]  # live resources the project gained, per kind
    unnamed: list[str]  # live new resources the report does not name
    swept: int  # surplus the sweeps deleted
    events: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def duplicates(self) -> int:
        want = promised(self.cell.path)
        return sum(max(0, n - want.get(kind, 0)) for kind, n in self.new.items())

    @property
    def orphans(self) -> int:
        return len(self.unnamed)

    @property
    def ok(self) -> bool:
        return (
            self.status == "succeeded"
            and self.marked == promised(self.cell.path)
            and self.new == promised(self.cell.path)
            and not self.unnamed
        )


def live(emu: Emulator) -> dict[str, set[str]]:
    """Ids of what exists now, per kind, read from the emulator's own state."""
    state = emu.state
    return {
        "images": {i.id for i in state.visible_images()},
        "servers": {s.id for s in state.visible_servers()},
        "vaults": set(state.vaults),
        "cbr_backups": {b.id for b in state.cbr_backups.values() if not b.deleted},
        "csbs_backups": {b.id for b in state.csbs_backups.values() if not b.deleted},
    }


def new_session(emu: Emulator, state_dir: Path) -> CloudSession:
    session = open_session(resolve(demo=True), state_dir=state_dir, emulator=emu)
    session.clock, session.sleep = emu.clock.now, emu.clock.advance
    session.poll = PollPolicy(min_interval=10.0, max_interval=120.0, growth=0.5)  # fewer polls: the suite's budget
    return session


def run_cell(cell: Cell, state_dir: Path | None = None, max_attempts: int = 4) -> Outcome:
    if state_dir is None:
        with tempfile.TemporaryDirectory(dir=SCRATCH) as tmp:
            return run_cell(cell, Path(tmp), max_attempts)
    emu = Emulator(scenario="demo", speed=0)
    session = new_session(emu, state_dir)
    image_key, service, source_exists = PATHS[cell.path]
    before = live(emu)
    diagnosis = diagnose(session.clients, emu.ids[image_key])
    answers = Answers(service=service, source_exists=source_exists, test_launch=True, cleanup=True)
    run = session.new_run(diagnosis.image_id, diagnosis, answers, build_plan(session.clients, diagnosis, answers))
    armed: dict[str, Any] = {}

    def arm(event) -> None:  # the fault is set when its step starts, so it hits that step's call
        if event.event == "step-started" and event.step == cell.step and "rule" not in armed:
            armed["rule"] = emu.add_fault(cell.rule)

    def die_after_the_faulted_call(record) -> None:
        rule = armed.get("rule")
        if cell.mode == "crash then resume" and rule is not None and rule.matched and "crashed" not in armed:
            armed["crashed"] = True
            raise Crash()

    for http in (c.http for c in (session.clients.ims, session.clients.cbr, session.clients.csbs, session.clients.ecs)):
        http.on_call = die_after_the_faulted_call
    attempts, result = 0, run
    while attempts < max_attempts:
        attempts += 1
        loaded = session.journal.load(run.run_id)  # what a new process reads
        try:
            result = session.runner(loaded, confirm=lambda step: True, on_event=arm).run()
        except Crash:
            continue
        if result.status == "succeeded":
            break
    emu.clock.advance(3600)  # let deletes finish and anything late land
    after = live(emu)
    counts = emu.state.tag_counts().get(f"{MARK_KEY}={run.run_id}", {})
    named = {r["id"] for r in result.resources()}
    gained = {kind: after[kind] - before[kind] for kind in after}
    return Outcome(
        cell,
        result.status,
        attempts,
        "crashed" in armed,
        {k: v for k, v in counts.items() if v},
        {k: len(v) for k, v in gained.items() if v},
        sorted(i for ids in gained.values() for i in ids if i not in named),
        sum(len(e["sweep"]["deleted"]) for e in result.events if e.get("event") == "sweep"),
        result.events,
    )


def owned_now(session: CloudSession, run_id: str) -> list[ownership.Owned]:
    return ownership.find_owned(session.clients, session.journal.load(run_id))
