"""Item 6 of issue 12: a full disk ends a run with exit 1 and 'No space left in …', never exit 2
'bad input', and the run stays resumable from its last complete journal write."""

from __future__ import annotations

import errno
import io
import json
import os

import pytest

from tests.security.helpers import FAST, IDS, cli


class FillsUp(io.BufferedWriter):
    """A file whose writes fail with ENOSPC (what a full disk does)."""

    def write(self, data):  # noqa: ANN001, ANN201
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("writes_before_full", [3, 12])
def test_a_full_disk_mid_run_is_exit_1_and_the_run_stays_resumable(capsys, tmp_path, monkeypatch, writes_before_full):
    state = tmp_path / "state"
    real_fdopen, writes = os.fdopen, []

    def fdopen(fd, mode="r", *args, **kw):  # noqa: ANN001, ANN202
        if "w" in mode:
            writes.append(fd)
            if len(writes) > writes_before_full:
                return FillsUp(io.FileIO(fd, "w"))
        return real_fdopen(fd, mode, *args, **kw)

    monkeypatch.setattr(os, "fdopen", fdopen)  # every atomic write of the wizard goes through it
    code, out, err = cli(
        capsys, "run", IDS["image_old_csbs_server_deleted"], "--demo", "--yes", "--json", "--speed", FAST, state=state
    )
    assert code == 1 and "Traceback" not in err
    assert f"No space left in {state / 'runs'}" in err or f"No space left in {state}" in err
    finished = json.loads(out.strip().splitlines()[-1])
    assert finished["event"] == "run-finished" and finished["status"] == "failed"
    monkeypatch.undo()

    [journal] = (state / "runs").glob("*.json")
    assert not [p for p in journal.parent.iterdir() if p.name.endswith(".tmp")]  # nothing half-written left
    code, out, err = cli(capsys, "runs", "--json", state=state)
    [run] = json.loads(out)
    assert run["status"] in ("running", "failed", "cancelled")  # resumable
    code, out, err = cli(capsys, "resume", run["run_id"], "--yes", "--speed", FAST, state=state)
    assert code == 0, err
