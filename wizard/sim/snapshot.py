"""Keep a demo emulator's world between processes, so that a demo run interrupted in one process
can be resumed in the next one (``ecs-wizard resume RUN_ID --demo``), as on a real cloud.

The snapshot is a pickle of the emulator's own state objects, written atomically with mode 0600 in
the user's run-journal directory (which only its owner can write). While the wizard is away the
emulated cloud keeps working: on restore, virtual time moves on by the real time that passed times
the speed, so a backup that was running may be done.
"""

from __future__ import annotations

import copy
import os
import pickle
import tempfile
import time
from pathlib import Path

from wizard.sim.emulator import Emulator

FORMAT = 1


def _unbound_clock() -> float:
    raise RuntimeError("a saved emulator state has no clock until snapshot.restore binds one")


def save(emu: Emulator, path: Path) -> None:
    state = copy.copy(emu.state)
    state.clock = _unbound_clock  # not this process's clock (a bound method); restore binds the new one
    data = {
        "format": FORMAT,
        "scenario": emu.scenario,
        "ids": emu.ids,
        "state": state,
        "world_id": emu.world_id,
        "virtual_now": emu.clock.now(),
        "saved_at": time.time(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".emulator-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def restore(path: Path, speed: float) -> Emulator | None:
    """The emulator saved at ``path``, its clock moved on; None if there is none or it is unreadable."""
    try:
        with open(path, "rb") as f:
            data = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    away = max(0.0, time.time() - data["saved_at"])
    emu = Emulator(scenario="empty", speed=speed, start=data["virtual_now"] + away * speed)
    state = data["state"]
    state.clock = emu.clock.now
    emu.state, emu.ids, emu.scenario = state, data["ids"], data["scenario"]
    emu.world_id = data.get("world_id") or emu.world_id
    return emu
