"""What a served wizard sends its browser tab, as text: textual-serve forwards the app's terminal
output (ANSI escape sequences) in the page's websocket frames; with the escapes removed, a phrase drawn
in one style arrives as one run of characters."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable

ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")


def plain_text(data: bytes) -> str:
    return ESCAPES.sub(b"", data).decode("utf-8", "replace")


class Frames:
    """The frames one tab received, in order; ``mark()`` and ``since(mark)`` look only at what came later."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def add(self, payload: bytes | str) -> None:
        self.chunks.append(payload if isinstance(payload, bytes) else payload.encode())

    def mark(self) -> int:
        return len(self.chunks)

    def since(self, mark: int = 0) -> str:
        return plain_text(b"".join(self.chunks[mark:]))


def wait_until(condition: Callable[[], bool], timeout: float, what: str, pump: Callable[[float], None]) -> None:
    """Poll ``condition``, letting ``pump`` run the event source (a page, a socket) between looks."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        pump(0.05)


def start_server(*options: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """``ecs-wizard serve --port 0 OPTIONS`` in its own process group; the URL it printed."""
    process = subprocess.Popen(
        ["ecs-wizard", "serve", "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # Ctrl-C reaches the server and its sessions, as in a terminal
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    if not url.startswith("http://"):
        process.kill()
        raise AssertionError(f"serve did not start: {url!r} {process.communicate()[1]}")
    return process, url


def stop_server(process: subprocess.Popen[str]) -> str:
    """Ctrl-C, as a terminal sends it to the whole process group; checks a clean exit, returns stderr."""
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err, err
    return err
