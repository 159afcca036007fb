"""Benchmark: in a real browser, the time from loading the page of ``ecs-wizard serve`` to the welcome
screen, against textual-serve serving a minimal Textual app (Header, one Static, Footer) in the same run.

Headless Chromium (the distribution's, through Playwright) opens a fresh tab per sample and navigates to
the server; the clock starts when navigation starts and stops when the first screen's text arrives in
the page's websocket frames (for the wizard its title, "1/7 Welcome"; for the baseline its "hello"). That
span holds the page and its script, the websocket, textual-serve starting the tab's own process (a
fresh interpreter, the app's imports; for the wizard also its fresh state directory) and the first
paint. The page's ``load`` event is reported beside it. The two servers alternate, with a pause after
each closed tab so that its process's exit does not slow the next sample; the median of ``--repeat``
samples is reported. Needs Chromium (apt-get install -y chromium).

    python -m benchmarks.serve_startup [--repeat 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.browser import chromium

MINIMAL_APP = """
from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

class Minimal(App):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("hello")
        yield Footer()

Minimal().run()
"""
BASELINE_SERVER = """
import sys
from textual_serve.server import Server
Server(sys.argv[1], host="127.0.0.1", port=int(sys.argv[2])).serve()
"""


# After a tab closes its process quits (and the wizard's removes its state directory): that work must
# not land on the next sample, which would bias against whichever server is measured after the wizard.
SETTLE = 2.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_answering(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def wizard_server() -> Iterator[str]:
    process = subprocess.Popen(
        ["ecs-wizard", "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    try:
        yield process.stdout.readline().strip()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


@contextmanager
def baseline_server() -> Iterator[str]:
    port = free_port()
    command = shlex.join([sys.executable, "-c", MINIMAL_APP])
    process = subprocess.Popen(
        [sys.executable, "-c", BASELINE_SERVER, command, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_answering(url)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def sample(browser: Any, url: str, marker: bytes) -> dict[str, float]:
    """Seconds from navigation to the page's load event and to ``marker`` in its websocket frames."""
    page = browser.new_page(viewport={"width": 1100, "height": 700})
    received: list[bytes] = []
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda f: received.append(f if isinstance(f, bytes) else f.encode())),
    )
    started = time.perf_counter()
    page.goto(url, wait_until="load")
    loaded = time.perf_counter() - started
    while marker not in b"".join(received):
        if time.perf_counter() - started > 60:
            raise RuntimeError(f"{marker!r} did not arrive from {url}")
        page.wait_for_timeout(5)
    arrived = time.perf_counter() - started
    page.close()
    time.sleep(SETTLE)
    return {"page_load": loaded, "first_screen": arrived}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    executable = chromium.executable()
    if executable is None:
        print(f"Chromium is not installed: {chromium.INSTALL}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    kinds = {"minimal Textual app": (baseline_server, b"hello"), "ecs-wizard serve": (wizard_server, b"1/7 Welcome")}
    samples: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
    with sync_playwright() as playwright, baseline_server() as baseline, wizard_server() as served:
        urls = {"minimal Textual app": baseline, "ecs-wizard serve": served}
        browser = chromium.launch(playwright, executable)
        for kind, (_, marker) in kinds.items():
            sample(browser, urls[kind], marker)  # warm the file cache and the browser; not counted
        for _ in range(args.repeat):
            for kind, (_, marker) in kinds.items():
                samples[kind].append(sample(browser, urls[kind], marker))
        browser.close()

    def median(kind: str, what: str) -> float:
        return statistics.median(s[what] for s in samples[kind])

    rows = {
        kind: {"page_load_s": median(kind, "page_load"), "first_screen_s": median(kind, "first_screen")}
        for kind in kinds
    }
    base = rows["minimal Textual app"]["first_screen_s"]
    for row in rows.values():
        row["ratio"] = round(row["first_screen_s"] / base, 3)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"Page load to first screen in headless Chromium, median of {args.repeat}, Python {sys.version.split()[0]}")
    print(f"{'':24}{'page load':>12}{'first screen':>15}{'ratio':>8}")
    for kind, row in rows.items():
        load, first = row["page_load_s"] * 1000, row["first_screen_s"] * 1000
        print(f"{kind:24}{load:>9.0f} ms{first:>12.0f} ms{row['ratio']:>7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
