"""Item 1 and 8 of issue 12: nothing in the state directory can run code or be planted by someone
else, and a demo world is never older than the journals of its runs (even after a SIGKILL)."""

from __future__ import annotations

import os
import pickle
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.helpers import FAST, IDS, cli, make_foreign
from wizard.config import resolve
from wizard.errors import UsageError
from wizard.session import open_session

REPO = Path(__file__).resolve().parents[2]
WORLD = "demo-world.json"


class SideEffect:
    """Unpickling this creates ``marker``: what a planted pickle would do with a shell command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def test_a_planted_pickle_in_the_state_directory_is_never_run(capsys, tmp_path):
    state, marker = tmp_path / "state", tmp_path / "pwned"
    state.mkdir(mode=0o700)
    for name in ("demo-emulator.pickle", "demo-world.json"):
        (state / name).write_bytes(pickle.dumps({"format": 1, "state": SideEffect(marker)}))
    code, out, err = cli(capsys, "diagnose", IDS["image_old_csbs_server_exists"], "--demo", state=state)
    assert not marker.exists(), "loading the demo world ran code from a file"
    assert code == 0 and "Traceback" not in err


def test_a_world_file_of_another_user_is_refused_and_says_why(capsys, tmp_path, monkeypatch):
    state = tmp_path / "state"
    code, _, _ = cli(capsys, "run", IDS["image_old_csbs_server_exists"], "--demo", state=state)
    assert code == 3  # stopped for want of --yes: resumable, so its world is kept
    world = state / WORLD
    make_foreign(world, monkeypatch)
    code, out, err = cli(capsys, "diagnose", IDS["image_old_csbs_server_exists"], "--demo", state=state)
    assert code == 2 and "Traceback" not in err
    assert f"The demo world {world} belongs to another user" in err and "it was not used" in err


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o757])
def test_a_state_directory_that_others_can_write_is_refused(capsys, tmp_path, mode):
    state = tmp_path / "shared"
    state.mkdir()
    state.chmod(mode)
    code, out, err = cli(
        capsys, "run", IDS["image_old_csbs_server_exists"], "--demo", "--yes", "--speed", FAST, state=state
    )
    assert code == 2 and "Traceback" not in err
    assert f"The state directory {state} can be written by" in err and f"(mode {mode:04o})" in err
    assert not (state / "runs").exists()  # nothing was written there
    code, out, err = cli(capsys, "runs", state=state)
    assert code == 2 and "can be written by" in err


def test_a_state_directory_of_another_user_is_refused(capsys, tmp_path, monkeypatch):
    state = tmp_path / "theirs"
    (state / "runs").mkdir(parents=True, mode=0o700)
    make_foreign(state, monkeypatch)
    code, out, err = cli(capsys, "runs", state=state)
    assert code == 2 and f"The state directory {state} belongs to another user" in err


def test_the_state_directory_is_created_0700_and_its_files_0600(capsys, tmp_path):
    state = tmp_path / "new" / "state"
    code, out, err = cli(
        capsys, "run", IDS["image_old_csbs_server_exists"], "--demo", "--yes", "--speed", FAST, state=state
    )
    assert code == 0, err
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE((state / "runs").stat().st_mode) == 0o700
    files = [p for p in state.rglob("*") if p.is_file()]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files), files


def test_a_damaged_world_is_moved_aside_and_the_demo_starts_fresh(capsys, tmp_path):
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    world = state / WORLD
    world.write_text('{"schema": "ecs-wizard-demo-world", "version": 2, "world_id": 7}')
    world.chmod(0o600)
    code, out, err = cli(capsys, "diagnose", IDS["image_old_csbs_server_exists"], "--demo", state=state)
    assert code == 0 and "affected" in out
    assert f"the demo world kept in {world} is damaged" in err and "starts from the fresh demo project" in err
    assert (state / "demo-world.json.damaged").exists()


def _kill_mid_run(state: Path, run_id: str, step: str, output: str) -> None:
    child = subprocess.run(
        [sys.executable, "-m", "tests.security.kill_mid_run", str(state), run_id, step, output],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -9, child.stderr  # killed, as meant


def _half_done_run(state: Path):
    """A demo run on a deleted source ECS, stopped (cleanly) once its temporary ECS exists."""
    first = open_session(resolve(demo=True), state_dir=state, speed=float(FAST))
    from tests.engine.helpers import start

    run = start(first, first.emulator.ids["image_old_csbs_server_deleted"], service="cbr", source_exists=False)
    temp = run.plan.step("create_temp_server")
    stopped = first.runner(run, confirm=lambda s: True, should_cancel=lambda: temp.status == "succeeded").run()
    assert stopped.status == "cancelled"
    first.close()
    return run


def test_a_run_killed_with_sigkill_resumes_in_the_world_it_left(tmp_path):
    state = tmp_path / "state"
    run = _half_done_run(state)
    _kill_mid_run(state, run.run_id, "ensure_vault", "vault_id")  # a vault made, then SIGKILL

    third = open_session(resolve(demo=True), state_dir=state, speed=float(FAST))
    again = third.journal.load(run.run_id)
    assert "vault_id" in again.plan.step("ensure_vault").outputs
    third.check_resumable_here(again)
    done = third.runner(again, confirm=lambda s: True).run()
    assert done.status == "succeeded", done.error


def test_a_world_older_than_the_journal_is_refused_clearly(tmp_path):
    state = tmp_path / "state"
    run = _half_done_run(state)
    older = tmp_path / "older-world.json"
    shutil.copy2(state / WORLD, older)
    _kill_mid_run(state, run.run_id, "ensure_vault", "vault_id")
    shutil.copy2(older, state / WORLD)  # what a kill before the world was kept used to leave

    third = open_session(resolve(demo=True), state_dir=state, speed=float(FAST))
    again = third.journal.load(run.run_id)
    with pytest.raises(UsageError, match=r"is older than run \w+'s journal") as info:
        third.check_resumable_here(again)
    assert "start a new demo run" in info.value.remedy.sentence
