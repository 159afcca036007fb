"""Two at once: two resumes of one run (threads in one process, and two real processes), and two
runs on one image. One resume gets the run's lock, the other is refused (exit 2, naming the holder);
a second run on an image that has an open one is refused unless ``--new``; and no run's sweep ever
touches what the other run made."""

from __future__ import annotations

import json
import os
import threading
from collections import Counter

import pytest
import requests

from tests.reliability.matrix import live, new_session, promised
from tests.reliability.processes import IDS, wizard
from wizard import ownership
from wizard.diagnose import diagnose
from wizard.ownership import MARK_KEY, RunLocked
from wizard.plan import build_plan
from wizard.questions import Answers
from wizard.sim import Emulator

SOURCE_EXISTS = IDS["image_old_csbs_server_exists"]


def ok(step):
    return True


def stopped_run(session, image_id, stop_after=None):
    """A run on ``image_id`` cancelled once ``stop_after`` succeeded (or before it began): open, resumable."""
    d = diagnose(session.clients, image_id)
    answers = Answers(service="cbr", source_exists=True)
    run = session.new_run(image_id, d, answers, build_plan(session.clients, d, answers))

    def stop() -> bool:
        return stop_after is None or run.plan.step(stop_after).status == "succeeded"

    assert session.runner(run, confirm=ok, should_cancel=stop).run().status == "cancelled"
    return run


def owned(session, run):
    kinds = {"image": "images", "vault": "vaults", "cbr backup": "cbr_backups", "server": "servers"}
    found = ownership.find_owned(session.clients, session.journal.load(run.run_id))
    return dict(Counter(kinds[o.type] for o in found))


def load(session, run):
    return session.journal.load(run.run_id).events


def marked(emu, run_id):
    return {k: v for k, v in emu.state.tag_counts().get(f"{MARK_KEY}={run_id}", {}).items() if v}


def test_two_resumes_in_one_process_one_gets_the_lock(tmp_path):
    emu = Emulator(scenario="demo", speed=0)
    session = new_session(emu, tmp_path)
    run = stopped_run(session, SOURCE_EXISTS)
    inside, release, results = threading.Event(), threading.Event(), {}

    def first():
        def on_event(event):
            if event.event == "step-started" and not inside.is_set():
                inside.set()
                release.wait(30)

        results["first"] = session.runner(session.journal.load(run.run_id), confirm=ok, on_event=on_event).run()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert inside.wait(30)
        with pytest.raises(RunLocked) as refused:
            session.runner(session.journal.load(run.run_id), confirm=ok).run()
        assert refused.value.exit_code == 2 and f"pid {os.getpid()}" in str(refused.value)
    finally:
        release.set()
        thread.join(60)
    assert results["first"].status == "succeeded"
    assert marked(emu, run.run_id) == promised("cbr-source-exists")


def test_two_runs_on_one_image_never_touch_each_other(tmp_path):
    """Two repairs of one image (the second forced, as ``run --new`` does): each keeps its own
    resources; neither run's sweeps delete the other's."""
    emu = Emulator(scenario="demo", speed=0)
    session = new_session(emu, tmp_path)
    before = live(emu)
    first = stopped_run(session, SOURCE_EXISTS, stop_after="cbr_backup")
    d = diagnose(session.clients, SOURCE_EXISTS)
    answers = Answers(service="cbr", source_exists=True)
    reserved = ownership.planned_names(session.journal, SOURCE_EXISTS)
    second = session.new_run(
        SOURCE_EXISTS, d, answers, build_plan(session.clients, d, answers, reserved_names=reserved)
    )
    assert session.runner(second, confirm=ok).run().status == "succeeded"
    assert session.runner(session.journal.load(first.run_id), confirm=ok).run().status == "succeeded"
    # the source server sits in one vault: the second run backs up into the first run's vault, which
    # it does not own; each run owns its own backup there (by name), and nothing was swept
    assert owned(session, first) == promised("cbr-source-exists")
    assert owned(session, second) == {"images": 1, "cbr_backups": 1}
    assert marked(emu, second.run_id) == {"images": 1}
    assert not any(e["event"] == "sweep" and e["sweep"]["deleted"] for r in (first, second) for e in load(session, r))
    new_images = [emu.state.images[i] for i in live(emu)["images"] - before["images"]]
    marks = sorted(t for i in new_images for t in i.tags if t.startswith(MARK_KEY))
    assert marks == sorted(f"{MARK_KEY}.{r.run_id}" for r in (first, second))
    assert sorted(i.name for i in new_images) == ["erp-app-full-2019-fast", "erp-app-full-2019-fast-2"]


def test_two_resume_processes_one_exits_2_naming_the_holder(served, tmp_path):
    env, url = served
    first = wizard(env, tmp_path, "run", SOURCE_EXISTS, "--service", "cbr", "--source-exists", "yes")
    out, _ = first.communicate(timeout=120)  # no --yes, no terminal: journaled as cancelled, resumable
    run_id = json.loads(out.splitlines()[-1])["run_id"]
    requests.post(f"{url}/_sim/faults", json={"rules": ["cbr.create_vault:first=1:latency=3"]}, timeout=5)
    holder = wizard(env, tmp_path, "resume", run_id, "--yes")
    try:
        deadline_lines = []
        for line in holder.stdout:  # wait until the holder is inside the run
            deadline_lines.append(line)
            if json.loads(line)["event"] == "step-started":
                break
        second = wizard(env, tmp_path, "resume", run_id, "--yes")
        out, err = second.communicate(timeout=120)
        assert second.returncode == 2, err
        assert f"pid {holder.pid}" in err and "Traceback" not in err
        assert json.loads(out.splitlines()[-1])["status"] == "bad-input"
    finally:
        rest, _ = holder.communicate(timeout=300)
    assert holder.returncode == 0
    assert json.loads(rest.splitlines()[-1])["status"] == "succeeded"
