"""Fixtures for the browser tests: the distribution's Chromium driven by Playwright (its own browser
download cannot work here), and a served wizard per test module.

Without Chromium the browser tests skip and say how to install it; with ECS_WIZARD_REQUIRE_BROWSER=1
(CI, see .ci/run) they fail instead."""

from __future__ import annotations

import os

import pytest

from tests.browser import chromium as browser
from tests.browser.terminal import start_server, stop_server


def _missing(reason: str) -> None:
    if os.environ.get("ECS_WIZARD_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (ECS_WIZARD_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium browser (Playwright ``Browser``). Per module, not per session: while
    Playwright's synchronous API is open its event loop is this thread's running loop, and
    pytest-asyncio's tests in later modules could not start theirs."""
    executable = browser.executable()
    if executable is None:
        _missing(f"Chromium is not installed: {browser.INSTALL}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        launched = browser.launch(playwright, executable)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def served():
    """``ecs-wizard serve`` on a free loopback port at a fast demo speed: its URL. Stopped as Ctrl-C
    stops it, and checked to have stopped cleanly."""
    process, url = start_server("--speed", "600")
    yield url
    stop_server(process)
