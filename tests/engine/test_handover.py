"""`runs export RUN_ID` and `runs import FILE` (issue 13, section 3): a run handed to a colleague. Two
state directories stand for two engineers' machines; both reach one emulated project (as two people
reach one real project)."""

import json
import os
import stat

import pytest

import wizard.session
from wizard.cli import main
from wizard.config import resolve
from wizard.runner import PollPolicy
from wizard.sim import DEMO


@pytest.fixture
def machines(session, emu, monkeypatch, tmp_path):
    """'mine' is the session the run starts in; 'theirs' another state directory on the same project."""
    theirs = wizard.session.open_session(resolve(demo=True), state_dir=tmp_path / "theirs", emulator=emu)
    theirs.clock, theirs.sleep, theirs.poll = emu.clock.now, emu.clock.advance, PollPolicy()
    by_dir = {str(session.journal.directory): session, str(theirs.journal.directory): theirs}
    monkeypatch.setattr(wizard.session, "open_session", lambda settings, state_dir=None, **kw: by_dir[str(state_dir)])
    return {"mine": session.journal.directory, "theirs": theirs.journal.directory}


@pytest.fixture
def cli(machines, capsys):
    def run(machine, *args):
        code = main([*args, "--demo", "--state-dir", str(machines[machine])])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_a_run_stopped_at_a_confirmation_is_exported_imported_and_finished_by_a_colleague(cli, emu, tmp_path):
    code, _, err = cli("mine", "run", emu.ids["image_old_csbs_server_exists"], "--service", "cbr")
    assert code == 3, err  # needs confirmation: nothing made, the run resumable
    run_id = err.split("Run id: ")[1].split()[0]
    exported = tmp_path / "handover.json"
    code, out, err = cli("mine", "runs", "export", run_id, "-o", str(exported))
    assert code == 0, err
    assert f"ecs-wizard runs import {exported.name}" in out
    assert stat.S_IMODE(os.stat(exported).st_mode) == 0o600
    text = exported.read_text()
    data = json.loads(text)
    assert data["format"] == "ecs-wizard-run" and data["run"]["run_id"] == run_id
    assert data["run"]["cloud"]["project_id"] == DEMO.project_id and data["run"]["cloud"]["region"]
    assert f"# ecs-wizard run {run_id}" in data["report"]
    for secret in (DEMO.sk, DEMO.password):  # credentials are never in it
        assert secret not in text

    code, out, err = cli("theirs", "runs", "import", str(exported))
    assert code == 0, err
    assert f"Next: ecs-wizard resume {run_id}" in out
    code, listing, _ = cli("theirs", "runs")
    assert run_id in listing
    code, out, err = cli("theirs", "resume", run_id, "--yes")
    assert code == 0, err
    code, report, _ = cli("theirs", "report", run_id)
    assert "**Status:** succeeded" in report

    code, _, err = cli("theirs", "runs", "import", str(exported))  # once is enough
    assert code == 2 and f"Run {run_id} is already on this machine" in err


def test_a_run_of_another_project_is_refused_naming_both(cli, emu, tmp_path):
    code, _, err = cli("mine", "run", emu.ids["image_old_csbs_server_exists"], "--service", "cbr")
    run_id = err.split("Run id: ")[1].split()[0]
    exported = tmp_path / "handover.json"
    assert cli("mine", "runs", "export", run_id, "-o", str(exported))[0] == 0
    data = json.loads(exported.read_text())
    data["run"]["cloud"]["project_id"] = "0123456789abcdef0123456789abcdef"
    exported.write_text(json.dumps(data))
    code, _, err = cli("theirs", "runs", "import", str(exported))
    assert code == 2
    assert "belongs to project 0123456789abcdef0123456789abcdef in eu-de (demo)" in err
    assert f"your settings reach project {DEMO.project_id} in eu-de (demo)" in err
    assert "Nothing was imported" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("not json at all", "not JSON"),
        (json.dumps({"format": "something else"}), "is not an exported run"),
        (json.dumps({"format": "ecs-wizard-run", "version": 99}), "of version 99"),
        (json.dumps({"format": "ecs-wizard-run", "version": 1, "run": {"run_id": "0123456789ab"}}), "damaged run"),
    ],
)
def test_a_file_that_is_not_a_sound_export_is_refused(cli, machines, tmp_path, content, said):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    code, _, err = cli("theirs", "runs", "import", str(bad))
    assert code == 2 and said in err and "Traceback" not in err
    runs = machines["theirs"] / "runs"
    assert not runs.exists() or not list(runs.glob("*.json"))  # nothing was imported


def test_a_demo_run_carries_its_world_so_a_colleague_can_resume_or_abandon_it(tmp_path, capsys):
    """Issue 13 section 3: a demo run's resources exist only in the emulated world it ran in, so its
    export carries that world (no credentials, no token) and the import makes it the importer's; a state
    directory whose own world holds runs refuses another world, nothing imported."""
    from tests.engine.helpers import interrupt_during_backup, inventory, start
    from wizard.journal import Journal

    def cli(machine, *args):
        code = main([*args, "--demo", "--state-dir", str(tmp_path / machine), "--speed", "100000"])
        out = capsys.readouterr()
        return code, out.out + out.err

    def world_of(machine):  # what a machine's demo world holds, its session closed (the world is free again)
        session = wizard.session.open_session(resolve(demo=True), state_dir=tmp_path / machine)
        try:
            return inventory(session.clients)
        finally:
            session.close()

    def interrupted_run(image_key):  # stopped once its CBR backup is under way: resources only there
        mine = wizard.session.open_session(resolve(demo=True), state_dir=tmp_path / "mine", speed=100000)
        run = interrupt_during_backup(mine, mine.emulator.ids[image_key], source_exists=image_key.endswith("exists"))
        mine.close()
        return run

    resumed, abandoned = (
        interrupted_run("image_old_csbs_server_exists"),
        interrupted_run("image_old_csbs_server_deleted"),
    )
    exports = {}
    for run in (resumed, abandoned):
        exports[run.run_id] = tmp_path / f"{run.run_id}.json"
        code, out = cli("mine", "runs", "export", run.run_id, "-o", str(exports[run.run_id]))
        assert code == 0 and "and the demo world it ran in" in out, out
        text = exports[run.run_id].read_text()
        world = json.loads(text)["demo_world"]
        assert world["world_id"] == run.cloud["world"] and world["state"]["tokens"] == {}
        for secret in (DEMO.sk, DEMO.password):
            assert secret not in text

    code, out = cli("theirs", "runs", "import", str(exports[resumed.run_id]))
    assert code == 0 and "with the demo world it ran in" in out, out
    code, out = cli("theirs", "resume", resumed.run_id, "--yes")
    assert code == 0, out
    done = Journal(tmp_path / "theirs").load(resumed.run_id)
    assert done.status == "succeeded"
    backups_before = world_of("mine")
    theirs = world_of("theirs")
    assert done.new_image_id in theirs["images"]
    assert theirs["cbr_backups"] == backups_before["cbr_backups"]  # the backup was not made twice

    code, out = cli("theirs", "runs", "import", str(exports[abandoned.run_id]))  # theirs changed its copy since
    assert (
        code == 2
        and "ran in another copy of this state directory's demo world" in out
        and "Nothing was imported" in out
    ), out
    assert cli("fourth", "runs", "import", str(exports[abandoned.run_id]))[0] == 0
    code, out = cli("fourth", "abandon", abandoned.run_id, "--yes")
    assert code == 0, out
    gave_up = Journal(tmp_path / "fourth").load(abandoned.run_id)
    deleted = {e["id"] for e in gave_up.deletions if e["status"] == "deleted"}
    assert gave_up.status == "abandoned" and deleted  # its resources were found in the world it carried
    left = world_of("fourth")
    assert not deleted & set().union(*left.values())

    other = tmp_path / "other.json"  # a run of another world
    third = wizard.session.open_session(resolve(demo=True), state_dir=tmp_path / "third", speed=100000)
    run = start(third, third.emulator.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    third.close()
    assert cli("third", "runs", "export", run.run_id, "-o", str(other))[0] == 0
    code, out = cli("theirs", "runs", "import", str(other))
    assert code == 2 and "the two cannot be merged. Nothing was imported." in out, out
    assert run.run_id not in [r.run_id for r in Journal(tmp_path / "theirs").runs()]
