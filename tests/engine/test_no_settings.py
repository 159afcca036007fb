"""`ecs-wizard` with no cloud settings explains how to configure and offers the demo."""

import os

import pytest

import wizard.cli as cli
import wizard.commands.start
import wizard.plain


@pytest.fixture
def no_settings(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith(("HUAWEICLOUD_SDK_", "OS_", "ECS_WIZARD_ENDPOINT")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("ECS_WIZARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)


def test_without_a_terminal_it_explains_and_exits_2(no_settings, capsys):
    assert cli.main(["--plain"]) == 2
    out = capsys.readouterr().out
    assert "No cloud settings were found" in out and "HUAWEICLOUD_SDK_AK" in out and "OS_CLOUD" in out
    assert "ecs-wizard demo" in out


@pytest.mark.parametrize("answer, code", [("", 0), ("y", 0), ("n", 2)])
def test_on_a_terminal_it_offers_the_demo(no_settings, monkeypatch, capsys, answer, code):
    started = []
    monkeypatch.setattr(wizard.commands.start, "interactive", lambda: True)
    monkeypatch.setattr("builtins.input", lambda question: answer)
    monkeypatch.setattr(
        wizard.plain, "run_plain", lambda session, step_mode=False: started.append(session.settings.is_demo) or 0
    )
    assert cli.main(["--plain"]) == code
    assert started == ([True] if code == 0 else [])


@pytest.mark.parametrize("columns", [60, 80, 100, 160])
def test_the_no_settings_message_wraps_to_the_terminal_between_words(columns):
    from wizard.commands.start import NO_SETTINGS_WAYS, no_settings_text

    text = no_settings_text(columns)
    assert all(len(line) < columns for line in text.splitlines()), text
    words = " ".join(text.split())
    for _, ways in NO_SETTINGS_WAYS:
        assert " ".join(ways.split()) in words  # no word broken in two
