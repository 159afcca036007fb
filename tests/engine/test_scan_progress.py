"""``scan`` shows a progress bar on a terminal when it has more than a page of images to diagnose
(issue 15), and none with ``--json``, on a pipe, or for a page or less."""

import io
import json
import sys

import pytest

import wizard.session
from wizard.cli import main
from wizard.cloud.ims import PAGE_SIZE
from wizard.sim import Emulator


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def large(monkeypatch):
    """Sessions open on the ``large`` scenario with ``n`` images (frozen clock)."""

    opened = wizard.session.open_session

    def use(n: int) -> None:
        def open_large(settings, **kw):
            kw["emulator"] = Emulator(scenario="large", speed=0, scenario_params={"n": n})
            return opened(settings, **kw)

        monkeypatch.setattr(wizard.session, "open_session", open_large)

    return use


def scan(monkeypatch, tmp_path, stderr, *options: str) -> str:
    monkeypatch.setattr(sys, "stderr", stderr)
    assert main(["scan", "--demo", "--state-dir", str(tmp_path), *options]) == 0
    return stderr.getvalue()


def test_more_than_a_page_of_images_shows_a_bar_on_a_terminal(large, monkeypatch, tmp_path, capsys):
    images = PAGE_SIZE + 1
    large(images)
    shown = scan(monkeypatch, tmp_path, FakeTerminal())
    assert f"scanning {images} images… {'░' * 24} 0/{images}" in shown  # drawn at once
    assert f"scanning {images} images… {'█' * 24} {images}/{images}" in shown  # and when complete
    assert shown.endswith("\r\x1b[2K")  # then the line is cleared for the table
    assert f"{images} full-ECS images" in capsys.readouterr().out


def test_no_bar_with_json_on_a_pipe_or_for_one_page(large, monkeypatch, tmp_path, capsys):
    large(PAGE_SIZE + 1)
    assert scan(monkeypatch, tmp_path, FakeTerminal(), "--json") == ""
    assert len(json.loads(capsys.readouterr().out)["images"]) == PAGE_SIZE + 1
    assert scan(monkeypatch, tmp_path, io.StringIO()) == ""  # a pipe
    large(PAGE_SIZE)
    assert scan(monkeypatch, tmp_path, FakeTerminal()) == ""
