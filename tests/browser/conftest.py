"""Fixtures for the browser tests: the distribution's Chromium driven by Playwright (its own browser
download cannot work here), and a served wizard per test module.

Without Chromium the browser tests skip and say how to install it; with ECS_WIZARD_REQUIRE_BROWSER=1
(CI, see .ci/run) they fail instead."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.browser.terminal import start_server, stop_server

INSTALL = "apt-get install -y chromium (as root)"
# Headless, and no calls home: this machine's closed network refuses them, many at a time.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",  # root in a container has no user namespace for the sandbox
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(reason: str) -> None:
    if os.environ.get("ECS_WIZARD_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (ECS_WIZARD_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium browser (Playwright ``Browser``). Per module, not per session: while
    Playwright's synchronous API is open its event loop is this thread's running loop, and
    pytest-asyncio's tests in later modules could not start theirs."""
    executable = os.environ.get("ECS_WIZARD_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        _missing(f"Chromium is not installed: {INSTALL}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def served():
    """``ecs-wizard serve`` on a free loopback port at a fast demo speed: its URL. Stopped as Ctrl-C
    stops it, and checked to have stopped cleanly."""
    process, url = start_server("--speed", "600")
    yield url
    stop_server(process)
