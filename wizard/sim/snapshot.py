"""A demo emulator's world as data, so that a demo run interrupted in one process can be resumed in
the next one (``ecs-wizard resume RUN_ID --demo``), as on a real cloud.

The world is JSON with a schema name and version, written field by field from the emulator's
state dataclasses (:mod:`wizard.sim.state`) and read back the same way: every field is checked
against the type its dataclass declares, unknown fields are refused, numbers must be finite. A
damaged or foreign document raises :class:`SnapshotError` naming the field; nothing in it is ever
executed (no pickle, no eval). Where the file lives and who may own it is the caller's business.

``generation`` counts the saves of one world: the wizard records it beside each journal write, so a
world older than a run's journal is recognised instead of failing later on a resource it lacks.

While the wizard is away the emulated cloud keeps working: on restore, virtual time moves on by the
real time that passed times the speed, so a backup that was running may be done.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import json
import math
import random
import time
import types
import typing
from typing import Any

from wizard.sim.emulator import Emulator
from wizard.sim.profiles import PROFILES
from wizard.sim.state import State

SCHEMA = "ecs-wizard-demo-world"
VERSION = 2  # version 1 was a pickle, which is never read
MT_STATE_WORDS = 625  # random.Random's Mersenne Twister state: 624 words and an index


class SnapshotError(ValueError):
    """The document is not a world this version wrote; ``field`` says where it went wrong."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


def dumps(emu: Emulator, now: float | None = None) -> bytes:
    """The world of ``emu`` as JSON bytes (the caller writes them; see the module docstring)."""
    state = emu.state
    version, words, gauss_next = state._rng.getstate()
    data = {
        "schema": SCHEMA,
        "version": VERSION,
        "world_id": emu.world_id,
        "generation": emu.generation,
        "scenario": emu.scenario,
        "profile": emu.profile.name,
        "ids": emu.ids,
        "virtual_now": emu.clock.now(),
        "saved_at": time.time() if now is None else now,
        "state": _to_data(state),
        "rng": {"version": version, "words": list(words), "gauss_next": gauss_next},
        "ip_counter": state._ip_counter,
    }
    return json.dumps(data, allow_nan=False, separators=(",", ":")).encode()


def loads(raw: bytes, speed: float, now: float | None = None) -> Emulator:
    """The emulator whose world ``raw`` holds, its clock moved on; :class:`SnapshotError` if damaged."""
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise SnapshotError("(document)", f"not JSON ({exc})") from None
    top = _record(data, "(document)")
    if top.get("schema") != SCHEMA:
        raise SnapshotError("schema", f"expected {SCHEMA!r}, found {top.get('schema')!r}")
    if top.get("version") != VERSION:
        raise SnapshotError("version", f"expected {VERSION}, found {top.get('version')!r} (another version's file)")
    expected = {"schema", "version", "world_id", "generation", "scenario", "profile", "ids", "virtual_now", "saved_at"}
    expected |= {"state", "rng", "ip_counter"}
    _exact_keys(top, expected, "")
    world_id = _read(str, top["world_id"], "world_id")
    generation = _read(int, top["generation"], "generation")
    if generation < 0:
        raise SnapshotError("generation", "negative")
    virtual_now = _read(float, top["virtual_now"], "virtual_now")
    saved_at = _read(float, top["saved_at"], "saved_at")
    away = max(0.0, (time.time() if now is None else now) - saved_at)
    profile = _read(str, top["profile"], "profile")
    if profile not in PROFILES:
        raise SnapshotError("profile", f"expected one of {', '.join(sorted(PROFILES))}, found {profile!r}")
    emu = Emulator(scenario="empty", speed=speed, start=virtual_now + away * speed, profile=profile)
    emu.state = _read_state(top["state"], emu)
    emu.state._rng = _read_rng(top["rng"])
    emu.state._ip_counter = _read(int, top["ip_counter"], "ip_counter")
    emu.ids = _read(dict[str, str], top["ids"], "ids")
    emu.scenario = _read(str, top["scenario"], "scenario")
    emu.world_id, emu.generation = world_id, generation
    return emu


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a world can hold")


def _to_data(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_data(getattr(value, f.name)) for f in _stored_fields(type(value))}
    if isinstance(value, list | tuple):
        return [_to_data(v) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: _to_data(v) for k, v in value.items()}
    return value


def _stored_fields(cls: type) -> list[dataclasses.Field[Any]]:
    """The fields a world keeps: those given to the constructor, except the process's clock."""
    return [f for f in dataclasses.fields(cls) if f.init and f.name != "clock"]


def _read_state(data: Any, emu: Emulator) -> State:
    fields = _fields_of(State, data, "state")
    return State(clock=emu.clock.now, **fields)


def _read_rng(data: Any) -> random.Random:
    rng = _record(data, "rng")
    _exact_keys(rng, {"version", "words", "gauss_next"}, "rng.")
    words = _read(list[int], rng["words"], "rng.words")
    if len(words) != MT_STATE_WORDS or not all(0 <= w < 2**32 for w in words):
        raise SnapshotError("rng.words", f"expected {MT_STATE_WORDS} 32-bit words")
    state = (_read(int, rng["version"], "rng.version"), tuple(words), _read(float | None, rng["gauss_next"], "rng"))
    generator = random.Random()
    try:
        generator.setstate(state)
    except (ValueError, TypeError, OverflowError) as exc:
        raise SnapshotError("rng", str(exc)) from None
    return generator


def _fields_of(cls: type, data: Any, where: str) -> dict[str, Any]:
    """The constructor arguments of dataclass ``cls`` read from ``data``, each checked against its type."""
    record = _record(data, where)
    hints = _hints(cls)
    fields = {f.name: f for f in _stored_fields(cls)}
    _exact_keys(record, set(fields), f"{where}.", required=False)
    out = {}
    for name, f in fields.items():
        if name in record:
            out[name] = _read(hints[name], record[name], f"{where}.{name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise SnapshotError(f"{where}.{name}", "missing")
    return out


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _read(tp: Any, value: Any, where: str) -> Any:
    """``value`` checked against the type ``tp`` (and built, for dataclasses)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is Any:
        return value  # already plain JSON
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _read(inner, value, where)
    if origin in (list, tuple, dict):
        return _read_container(origin, args, value, where)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return tp(**_fields_of(tp, value, where))
    return _read_scalar(tp, value, where)


def _read_container(origin: Any, args: tuple[Any, ...], value: Any, where: str) -> Any:
    """A list, a fixed-length tuple (a list in JSON) or a dict, each item checked against its type."""
    if origin is dict:
        return {k: _read(args[1], v, f"{where}.{k}") for k, v in _record(value, where).items()}
    if origin is list:
        if not isinstance(value, list):
            raise SnapshotError(where, f"expected a list, found {_kind(value)}")
        return [_read(args[0], v, f"{where}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, list) or len(value) != len(args):
        raise SnapshotError(where, f"expected a list of {len(args)}, found {_kind(value)}")
    return tuple(_read(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value, strict=True)))


def _read_scalar(tp: Any, value: Any, where: str) -> Any:
    """Bytes (base64 text in JSON), or a str, int, float or bool of exactly that type (a float finite)."""
    if tp is bytes:
        try:
            return base64.b64decode(_read(str, value, where), validate=True)
        except binascii.Error:
            raise SnapshotError(where, "not base64") from None
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if type(value) is not tp:
        raise SnapshotError(where, f"expected {tp.__name__}, found {_kind(value)}")
    if tp is float and not math.isfinite(value):
        raise SnapshotError(where, "not a finite number")
    return value


def _record(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SnapshotError(where, f"expected an object, found {_kind(value)}")
    return value


def _exact_keys(record: dict[str, Any], allowed: set[str], prefix: str, required: bool = True) -> None:
    unknown = sorted(set(record) - allowed)
    if unknown:
        raise SnapshotError(prefix + unknown[0], "unknown field")
    missing = sorted(allowed - set(record)) if required else []
    if missing:
        raise SnapshotError(prefix + missing[0], "missing")


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__
