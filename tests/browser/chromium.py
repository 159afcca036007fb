"""The distribution's Chromium, as the browser tests and ``benchmarks.serve_startup`` launch it through
Playwright (Playwright's own browser download cannot work here)."""

from __future__ import annotations

import os
import shutil
from typing import Any

INSTALL = "apt-get install -y chromium (as root)"
# Headless, and no calls home: this machine's closed network refuses them, many at a time.
ARGS = [
    "--headless=new",
    "--no-sandbox",  # root in a container has no user namespace for the sandbox
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def executable() -> str | None:
    """ECS_WIZARD_CHROMIUM if set, else ``chromium`` or ``chromium-browser`` on the PATH; None: not installed."""
    return os.environ.get("ECS_WIZARD_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def launch(playwright: Any, path: str) -> Any:
    """A headless Chromium (Playwright ``Browser``) from ``path``."""
    return playwright.chromium.launch(executable_path=path, args=ARGS)
