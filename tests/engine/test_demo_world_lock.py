"""One demo process at a time in a state directory's demo world. The world lives in a process's memory
from connect to close, so two processes working in it at once used to each save their own copy, and
the last one erased the other's resources (its follow-ups then found "a world that is gone", and a
kept temporary ECS was forgotten). A demo process now holds the world's lock (``demo-world.lock``)
from connect to close; another one says who holds it and waits, or gives up with exit 2 and advice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.engine.helpers import inventory, world_held
from wizard import ownership, statedir
from wizard.cli import main
from wizard.config import resolve
from wizard.journal import Journal
from wizard.session import WORLD_WAIT, DemoWorldInUse, demo_world_lock_path, open_session
from wizard.sim import Emulator

IDS = Emulator(scenario="demo", speed=0).ids
SOURCE_EXISTS = IDS["image_old_csbs_server_exists"]
SOURCE_GONE = IDS["image_old_csbs_server_deleted"]
SPEED = ["--speed", "100000"]


def wizard(state, *args, env=None):
    """``ecs-wizard ARGS --demo --state-dir STATE --json`` in a child process, its stderr in a file."""
    err = (state.parent / f"err-{time.monotonic_ns()}").open("w+")
    child = subprocess.Popen(
        [sys.executable, "-m", "wizard", *args, "--demo", "--state-dir", str(state), "--json", *SPEED],
        stdout=subprocess.PIPE,
        stderr=err,
        stdin=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ, **(env or {})),
    )
    child.err = err
    return child


def stderr(child):
    child.err.seek(0)
    return child.err.read()


def finished(child):
    """Exit code, the closing run-finished event and stderr of a child from :func:`wizard`."""
    out, _ = child.communicate(timeout=120)
    return child.returncode, json.loads(out.splitlines()[-1]), stderr(child)


def said(child, text):
    """Wait (bounded) until the child wrote ``text`` on stderr; a child that ended first has not."""
    for _ in range(600):
        if text in stderr(child):
            return True
        if child.poll() is not None:
            return False
        time.sleep(0.05)
    return False


@pytest.fixture
def holder(tmp_path):
    """Another process holding the world of ``tmp_path / 'state'`` (see :func:`world_held`)."""
    with world_held(tmp_path / "state") as child:
        yield child


def test_two_demo_repairs_at_once_both_keep_their_resources_and_follow_ups(tmp_path, holder):
    """Two `run --yes` started while a third process holds the world: both say who holds it and wait,
    then run one after the other; both runs' resources are in the world afterwards, and both runs'
    follow-ups, started at once too, find them."""
    state = tmp_path / "state"
    first = wizard(state, "run", SOURCE_EXISTS, "--service", "cbr", "--source-exists", "yes", "--yes")
    second = wizard(state, "run", SOURCE_GONE, "--service", "cbr", "--source-exists", "no", "--yes")
    waiting = f"is in use by another ecs-wizard process (pid {holder.pid}: ecs-wizard demo, since 10:00:00)"
    assert said(first, waiting) and said(second, waiting)
    assert first.poll() is None and second.poll() is None  # both wait: neither has touched the world
    assert all("waiting up to 10 min for it to finish" in stderr(child) for child in (first, second))
    holder.kill()  # as a SIGKILLed demo would: the kernel releases its lock
    holder.wait()

    runs = {}
    for child in (first, second):
        code, event, err = finished(child)
        assert code == 0 and event["status"] == "succeeded", err
        runs[child] = Journal(state).load(event["run_id"])
    temp = runs[second].plan.step("create_temp_server").outputs["server_id"]

    launch = wizard(state, "resume", runs[first].run_id, "--test-launch", "--yes")
    cleanup = wizard(state, "resume", runs[second].run_id, "--cleanup", "--yes")
    for child in (launch, cleanup):
        code, event, err = finished(child)
        assert code == 0 and event["status"] == "succeeded", err
        assert "world is gone" not in err

    session = open_session(resolve(demo=True), state_dir=state)
    try:
        world = inventory(session.clients)
        assert {r.new_image_id for r in runs.values()} <= world["images"]
        assert temp not in world["servers"]  # the cleanup deleted it, in the world the run made it in
        for run in runs.values():  # what each run made is there, and its journal knows all of it
            run = session.journal.load(run.run_id)
            found = {o.id for o in ownership.find_owned(session.clients, run)}
            assert run.new_image_id in found and found <= ownership.journaled(run), run.run_id
    finally:
        session.close()


def test_a_command_that_may_not_wait_refuses_naming_the_holder(tmp_path, holder, capsys, monkeypatch):
    monkeypatch.setenv("ECS_WIZARD_DEMO_WAIT", "0")
    state = tmp_path / "state"
    code = main(["run", SOURCE_EXISTS, "--source-exists", "yes", "--yes", "--demo", "--state-dir", str(state), *SPEED])
    err = capsys.readouterr().err
    assert code == 2
    assert f"is in use by another ecs-wizard process (pid {holder.pid}: ecs-wizard demo, since 10:00:00)" in err
    assert "nothing was done" in err and "--state-dir NEW_DIR" in err and "Traceback" not in err
    assert "waiting" not in err
    assert Journal(state).runs() == []
    monkeypatch.delenv("ECS_WIZARD_DEMO_WAIT")
    assert main(["runs", "--demo", "--state-dir", str(state)]) == 0  # it does not reach the cloud: no wait
    assert "in use" not in capsys.readouterr().err


def test_the_waiting_side_says_who_and_goes_on_once_the_holder_is_gone(tmp_path, holder):
    session = open_session(resolve(demo=True), state_dir=tmp_path / "state")
    notes, now = [], [0.0]
    session.notify, session.clock = notes.append, lambda: now[0]

    def sleep(seconds):  # the holder is killed while this process waits; no real waiting
        now[0] += seconds
        if now[0] >= 30:
            holder.kill()
            holder.wait()

    session.sleep = sleep
    assert session.emulator.ids and 30 <= now[0] < 31
    assert len(notes) == 1 and f"pid {holder.pid}: ecs-wizard demo" in notes[0] and "waiting up to 10 min" in notes[0]
    assert statedir.PidLock(demo_world_lock_path(session.journal)).who().pid == os.getpid()
    session.close()
    assert statedir.PidLock(demo_world_lock_path(session.journal)).who() is None  # free for the next process


def test_the_waiting_side_gives_up_after_its_limit(tmp_path, holder):
    session = open_session(resolve(demo=True), state_dir=tmp_path / "state")
    now = [0.0]
    session.notify, session.clock = lambda text: None, lambda: now[0]
    session.sleep = lambda seconds: now.__setitem__(0, now[0] + seconds)
    with pytest.raises(DemoWorldInUse) as refused:
        session.connect()
    assert now[0] == WORLD_WAIT and refused.value.exit_code == 2
    assert f"pid {holder.pid}" in refused.value.message and "still in use" in refused.value.message
    assert "after waiting 10 min; nothing was done" in refused.value.message
    assert "a full-screen wizard keeps the demo world until it quits" in str(refused.value.remedy)


def test_a_second_session_in_one_process_is_refused_at_once(tmp_path):
    first = open_session(resolve(demo=True), state_dir=tmp_path)
    first.connect()
    second = open_session(resolve(demo=True), state_dir=tmp_path)
    second.sleep = lambda seconds: pytest.fail("waited for itself")
    with pytest.raises(DemoWorldInUse, match=f"in use by another session of this process \\(pid {os.getpid()}"):
        second.connect()
    first.close()
    second.connect()  # the world is free once the first session closed
    second.close()


def test_a_bad_wait_setting_is_a_clear_error(tmp_path, capsys, monkeypatch):
    for bad in ("soon", "-1", "nan", "inf"):
        monkeypatch.setenv("ECS_WIZARD_DEMO_WAIT", bad)
        code = main(["scan", "--demo", "--state-dir", str(tmp_path)])
        err = capsys.readouterr().err
        assert code == 2 and f"ECS_WIZARD_DEMO_WAIT={bad!r} is not a number of seconds" in err, err
