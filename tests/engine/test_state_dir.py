"""A state directory that cannot be used is bad input: a clear message and exit 2, never a traceback."""

from wizard.cli import main
from wizard.sim import Emulator

IMAGE = Emulator(scenario="demo", speed=0).ids["image_old_csbs_server_exists"]


def test_a_run_needs_a_writable_journal_and_says_so(capsys, tmp_path):
    not_a_dir = tmp_path / "afile"
    not_a_dir.write_text("")
    code = main(
        ["run", IMAGE, "--service", "cbr", "--yes", "--demo", "--speed", "100000", "--state-dir", str(not_a_dir)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"The state directory {not_a_dir} is not a directory." in err
    assert "ECS_WIZARD_STATE_DIR" in err and "Traceback" not in err


def test_read_only_commands_do_not_need_the_state_dir(capsys, tmp_path):
    not_a_dir = tmp_path / "afile"
    not_a_dir.write_text("")
    code = main(["diagnose", IMAGE, "--demo", "--state-dir", str(not_a_dir)])
    out, err = capsys.readouterr()
    assert code == 0 and "affected" in out and err == ""
