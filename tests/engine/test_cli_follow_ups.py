"""`ecs-wizard resume RUN_ID --cleanup/--test-launch`: follow-ups for a finished run from the command
line. Every command here shares one frozen-clock emulator (as a standalone `sim serve` would)."""

import pytest

import wizard.session
from wizard.cli import main


@pytest.fixture
def cli(session, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(wizard.session, "open_session", lambda *a, **kw: session)

    def run(*args):
        code = main([*args, "--demo", "--state-dir", str(tmp_path / "state")])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_cleanup_and_test_launch_after_a_finished_run(cli, session, emu):
    code, out, err = cli(
        "run", emu.ids["image_old_csbs_server_deleted"], "--service", "cbr", "--source-exists", "no", "--yes"
    )
    assert code == 0, err
    run_id = out.split("run ")[1].split()[0]
    run = session.journal.load(run_id)
    temp = run.plan.step("create_temp_server").outputs["server_id"]
    assert session.clients.ecs.find_server(temp) is not None  # kept: no --cleanup

    code, _, err = cli("resume", run_id, "--cleanup")  # no --yes and no terminal
    assert code == 3 and "Delete the temporary ECS" in err and "Nothing was changed" in err
    assert [s.kind for s in session.journal.load(run_id).plan.steps] == [s.kind for s in run.plan.steps]

    code, out, err = cli("resume", run_id, "--cleanup", "--test-launch", "--yes")
    assert code == 0, err
    assert session.clients.ecs.find_server(temp) is None
    steps = session.journal.load(run_id).plan.steps
    assert [s.kind for s in steps][-2:] == ["test_launch", "delete_temp_server"]
    assert steps[-2].outputs["seconds_to_active"] > 0

    code, _, err = cli("resume", run_id, "--cleanup", "--yes")
    assert code == 2 and "cannot be added" in err


def test_follow_ups_need_a_finished_run_id(cli):
    code, _, err = cli("resume", "--cleanup", "--yes")
    assert code == 2 and "RUN_ID" in err


def test_plain_summary_names_the_follow_ups_of_a_real_cloud_run(session, emu):
    import io
    from dataclasses import replace

    from tests.engine.helpers import repair
    from wizard.plain import PlainWizard

    run = repair(session, emu.ids["image_old_csbs_server_deleted"], service="cbr", source_exists=False, cleanup=False)
    wizard = PlainWizard(session, stream=io.StringIO(), stdin=io.StringIO())
    # a demo keeps its world while the temporary ECS is kept: only the cleanup can be come back to
    # the commands carry the options that reach this session's state directory and cloud: they work pasted
    reach = f"--state-dir {session.journal.directory} --demo"
    assert wizard.follow_up_hints(run) == [
        f"The temporary ECS {run.plan.step('create_temp_server').outputs['server_id']} "
        f"was kept: ecs-wizard resume {run.run_id} --cleanup {reach}"
    ]
    session.settings = replace(session.settings, cloud="otc")
    hints = wizard.follow_up_hints(run)
    reach = f"--state-dir {session.journal.directory} --cloud otc"
    assert f"ecs-wizard resume {run.run_id} --cleanup {reach}" in hints[0]
    assert f"ecs-wizard resume {run.run_id} --test-launch {reach}" in hints[1]


def test_plain_mode_wraps_a_hint_without_breaking_its_command(session, emu):
    """At a narrow terminal the hint wraps, but its command stays on one line: a command folded over two
    lines would be pasted as two."""
    import io
    import shlex

    from tests.engine.helpers import repair
    from wizard.plain import PlainWizard

    run = repair(session, emu.ids["image_old_csbs_server_deleted"], service="cbr", source_exists=False, cleanup=False)
    wizard = PlainWizard(session, stream=io.StringIO(), stdin=io.StringIO())
    wizard.width = 60
    (hint,) = wizard.follow_up_hints(run)
    command = session.command("resume", run.run_id, "--cleanup")
    assert len(command) > 60 and hint.endswith(command)
    wrapped = wizard.wrap(f"{hint} (or later)", "  ").splitlines()
    assert len(wrapped) > 1 and command in [line.strip() for line in wrapped]  # whole, on a line of its own
    assert shlex.split(command)[-3:] == ["--state-dir", str(session.journal.directory), "--demo"]
    assert all(len(line) < 60 for line in wrapped if command not in line)
