"""Helpers for the hostile-input suite: the CLI in-process, and files made to look like someone
else's (really chowned when the tests run as root, as CI does; otherwise the user id is faked)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from wizard.cli import main
from wizard.sim import DEMO, BackgroundServer, Emulator

IDS = Emulator(scenario="demo", speed=0).ids
FAST = "100000"  # --speed: virtual seconds per real second


def cli(capsys, *argv: str, state: Path | None = None) -> tuple[int, str, str]:
    args = list(argv) + (["--state-dir", str(state)] if state is not None else [])
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def make_foreign(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``path`` now belongs to another user."""
    if os.geteuid() == 0:
        os.chown(path, 65534, 65534)
    else:  # the wizard compares with the effective user id: let it believe it is someone else
        me = os.geteuid()
        monkeypatch.setattr(os, "geteuid", lambda: me + 1)


@contextlib.contextmanager
def served_as_huawei_cloud(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """``emu`` over loopback HTTP, configured as a Huawei Cloud account would be (not --demo)."""
    with BackgroundServer(emu) as url:
        for name, value in {
            "ECS_WIZARD_ENDPOINT": url,
            "HUAWEICLOUD_SDK_AK": DEMO.ak,
            "HUAWEICLOUD_SDK_SK": DEMO.sk,
            "HUAWEICLOUD_SDK_PROJECT_ID": DEMO.project_id,
        }.items():
            monkeypatch.setenv(name, value)
        for name in ("OS_CLOUD", "ECS_WIZARD_INSECURE"):
            monkeypatch.delenv(name, raising=False)
        yield emu
