"""What a run journal must look like before anything reads it.

A journal is the user's own file, but it may be damaged (a disk error, an edit, another version),
and the wizard acts on what it says. So every field that the wizard reads is checked for its type
and, where it has one, its vocabulary before the run is built: a journal that fails is refused
with the first field at fault (``plan.steps[2].status: expected one of …``), never half-read.
Fields the wizard does not read (a step's ``inputs``, the event log's details) need only be JSON.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.plan import Plan

FORMAT_VERSION = 1
RUN_ID_RE = re.compile(r"[0-9a-f]{12}")  # wizard.plan.new_run_id

Check = Callable[[Any, str], None]


class DamagedJournal(ValueError):
    """``field`` is where the journal first differs from the schema; ``problem`` says how."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _kind(value: Any) -> str:
    return {type(None): "null", bool: "true/false", int: "a number", float: "a number", str: "text"}.get(
        type(value), "a list" if isinstance(value, list) else "an object"
    )


def text(value: Any, where: str) -> None:
    if not isinstance(value, str):
        raise DamagedJournal(where, f"expected text, found {_kind(value)}")


def flag(value: Any, where: str) -> None:
    if not isinstance(value, bool):
        raise DamagedJournal(where, f"expected true or false, found {_kind(value)}")


def number(minimum: float = -math.inf) -> Check:
    def check(value: Any, where: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise DamagedJournal(where, f"expected a finite number, found {_kind(value)}")
        if value < minimum:
            raise DamagedJournal(where, f"expected at least {minimum:g}, found {value}")

    return check


def whole(minimum: int = 0) -> Check:
    def check(value: Any, where: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise DamagedJournal(where, f"expected a whole number, found {_kind(value)}")
        if value < minimum:
            raise DamagedJournal(where, f"expected at least {minimum}, found {value}")

    return check


def one_of(*values: str) -> Check:
    def check(value: Any, where: str) -> None:
        if value not in values:
            raise DamagedJournal(where, f"expected one of {', '.join(values)}, found {value!r}"[:200])

    return check


def optional(inner: Check) -> Check:
    def check(value: Any, where: str) -> None:
        if value is not None:
            inner(value, where)

    return check


def list_of(item: Check) -> Check:
    def check(value: Any, where: str) -> None:
        if not isinstance(value, list):
            raise DamagedJournal(where, f"expected a list, found {_kind(value)}")
        for i, v in enumerate(value):
            item(v, f"{where}[{i}]")

    return check


def anything(value: Any, where: str) -> None:
    """Any JSON value (the loader already refused NaN and infinity)."""


def mapping(values: Check = anything) -> Check:
    def check(value: Any, where: str) -> None:
        if not isinstance(value, dict):
            raise DamagedJournal(where, f"expected an object, found {_kind(value)}")
        for k, v in value.items():
            values(v, _at(where, k))

    return check


def record(required: Mapping[str, Check], optional_fields: Mapping[str, Check] = {}, *, closed: bool = False) -> Check:
    """An object with these fields; ``closed``: no others (what is built with ``cls(**fields)``)."""

    def check(value: Any, where: str) -> None:
        mapping()(value, where)
        for key, inner in required.items():
            if key not in value:
                raise DamagedJournal(_at(where, key), "missing")
            inner(value[key], _at(where, key))
        for key, inner in optional_fields.items():
            if key in value:
                inner(value[key], _at(where, key))
        if closed:
            unknown = sorted(set(value) - set(required) - set(optional_fields))
            if unknown:
                raise DamagedJournal(_at(where, unknown[0]), "unknown field")

    return check


def run_id(value: Any, where: str) -> None:
    text(value, where)
    if not RUN_ID_RE.fullmatch(value):
        raise DamagedJournal(where, f"{value[:40]!r} is not a run id (12 lowercase hex characters)")


optional_text = optional(text)

ERROR = record(
    {"message": text},
    {**{k: optional_text for k in ("remedy", "code", "request_id", "service")}, "remedy_data": optional(mapping())},
)
CALL = record(
    {"service": text, "method": text, "path": text, "status": optional(whole()), "request_id": optional_text},
    {"attempts": whole(), "step": text},
)
ID_KEYS = ("server_id", "vault_id", "backup_id", "image_id", "checkpoint_id", "task_id")


def _step() -> Check:
    from wizard.status import StepStatus
    from wizard.steps import KINDS

    ids = record({}, {k: optional_text for k in ID_KEYS})  # the ids later steps and the report read
    # A step's state: those ids, and the working time the runner adds up across resumes (wizard.runner._work)
    state = record(
        {},
        {
            **{k: optional_text for k in ID_KEYS},
            **{k: number(minimum=0) for k in ("worked", "cloud_worked", "elapsed", "cloud_elapsed")},
            "speed": number(minimum=0),
        },
    )
    return record(
        {"name": text, "kind": one_of(*KINDS), "title": text, "inputs": mapping()},
        {
            "billable": flag,
            "destructive": flag,
            "timeout": number(minimum=0),
            "max_attempts": whole(1),
            "status": one_of(*StepStatus),
            "attempts": whole(0),
            "state": state,
            "outputs": ids,
            "resources": list_of(record({"type": text, "id": text, "name": text})),
            "error": optional(ERROR),
            "started_at": optional(number()),
            "ended_at": optional(number()),
            "progress": optional(number()),
            "message": text,
        },
    )


def _diagnosis() -> Check:
    from wizard.verdict import Verdict

    evidence = record({"field": text, "value": text, "source": text}, {"meaning": text}, closed=True)
    server = record(
        {},
        {
            "exists": optional(flag),
            **{k: optional_text for k in ("id", "name", "status", "flavor_id", "availability_zone", "vpc_id")},
        },
        closed=True,
    )
    return record(
        {"image_id": text, "image_name": text, "verdict": one_of(*Verdict)},
        {
            "evidence": list_of(evidence),
            "backup_service": optional_text,
            "backup_id": optional_text,
            "support_lld": optional(flag),
            "source_server": optional(server),
            "image_min_disk": optional(whole()),
            "image_min_ram": optional(whole()),
            "backup_details": mapping(),
            "summary": text,
            "advice": text,
            "reason": optional_text,  # why a verdict is unknown
        },
    )


def _answers() -> Check:
    server = record(
        {"flavor_id": text, "vpc_id": text, "subnet_id": text, "volume_type": text},
        {"availability_zone": optional_text},
        closed=True,
    )
    return record(
        {},
        {
            "service": one_of("cbr", "csbs"),
            "source_exists": flag,
            "server": optional(server),
            "test_launch": flag,
            "cleanup": flag,
            "delete_old_image": flag,
        },
    )


def _plan() -> Check:
    from wizard.flowchart import PATHS

    return record(
        {
            "run_id": run_id,
            "path_id": one_of(*(p.id for p in PATHS.values())),
            "image_id": text,
            "image_name": text,
            "new_image_name": text,
            "steps": list_of(_step()),
        },
        {"notes": list_of(text)},
    )


def _run() -> Check:
    from wizard.status import RunStatus

    cloud = record(
        {},
        {
            "cloud": text,
            "region": text,
            "project_id": optional_text,
            "endpoints": mapping(text),
            "world": text,
            "world_generation": whole(0),
            "verify_tls": flag,
        },
    )
    return record(
        {"run_id": run_id, "plan": _plan()},
        {
            "image_ref": text,
            "cloud": cloud,
            "status": one_of(*RunStatus),
            "created_at": number(),
            "updated_at": number(),
            "error": optional(ERROR),
            "diagnosis": _diagnosis(),
            "answers": _answers(),
            "events": list_of(record({"event": text})),
            "transcript": list_of(record({"kind": text, "text": text, "at": number()})),
            "calls": list_of(CALL),
            # wizard.abandon: when an abandon started and finished, and each deletion's intent and result
            "abandon": optional(record({}, {"started_at": number(), "finished_at": number(), "keep_image": flag})),
            "deletions": list_of(
                record(
                    {"type": text, "id": text, "status": one_of("deleting", "deleted", "kept", "failed")},
                    {"name": text, "by": text, "at": number(), "reason": text},
                )
            ),
            # wizard.change: each change of answers on resume (answer -> [old, new]) and the steps rebuilt
            "answer_changes": list_of(
                record({"at": number(), "changes": mapping(list_of(optional_text)), "rebuilt": list_of(text)})
            ),
        },
    )


def validate(data: Any, expected_run_id: str) -> None:
    """Raise :class:`DamagedJournal` unless ``data`` is a journal of run ``expected_run_id``."""
    mapping()(data, "(file)")
    if data.get("format") != FORMAT_VERSION:
        raise DamagedJournal("format", f"expected {FORMAT_VERSION}, found {data.get('format')!r}")
    _run()(data, "")
    if data["run_id"] != expected_run_id:
        raise DamagedJournal("run_id", f"{data['run_id']!r} does not match the file name {expected_run_id}.json")
    if data["plan"]["run_id"] != expected_run_id:
        raise DamagedJournal("plan.run_id", f"{data['plan']['run_id']!r} is not the run's id {expected_run_id}")
    names = [s["name"] for s in data["plan"]["steps"]]
    for i, step in enumerate(data["plan"]["steps"]):
        for ref in _refs(step["inputs"]):
            if ref.partition(".")[0] not in names:
                raise DamagedJournal(f"plan.steps[{i}].inputs", f"refers to a step that is not in the plan ({ref})")


def check_step_inputs(plan: Plan) -> None:
    """Each step's inputs are what its kind reads: the kind can describe the calls it will make
    from them (the same reads its execution does), else the journal is damaged there."""
    from wizard.steps import KINDS

    for i, step in enumerate(plan.steps):
        try:
            KINDS[step.kind].calls(step, plan.resolve)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            problem = f"missing {exc}" if isinstance(exc, KeyError) else f"cannot be read ({exc})"
            raise DamagedJournal(f"plan.steps[{i}].inputs", problem) from None


def _refs(value: Any) -> list[str]:
    """The ``{"$ref": "step.key"}`` inputs in ``value`` (wizard.steps.ref)."""
    if isinstance(value, dict):
        if set(value) == {"$ref"}:
            return [value["$ref"] if isinstance(value["$ref"], str) else ""]
        return [r for v in value.values() for r in _refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []
