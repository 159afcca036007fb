"""``ecs-wizard serve`` without a browser: its command line (a port in use, the safety rules), the
requests it refuses, a real cloud served on loopback, and each tab's process and state directory ending
with the tab. A tab here is a websocket opened as the page's script opens it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest

from tests.browser.terminal import Frames, start_server, stop_server
from wizard.sim import DEMO, BackgroundServer, Emulator


def serve(*options: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ecs-wizard", "serve", *options], capture_output=True, text=True, timeout=60, env=env)


def test_a_port_in_use_is_a_usage_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = serve("--port", str(taken.getsockname()[1]))
    assert result.returncode == 2
    assert "address already in use; pick another --port (0 picks a free one)" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_real_cloud_is_served_on_loopback_only():
    result = serve("--cloud", "hwc", "--host", "0.0.0.0", "--port", "0")
    assert result.returncode == 2
    assert "Refusing to serve your real cloud on 0.0.0.0" in result.stderr
    assert "loopback --host" in result.stderr


def test_serving_a_real_cloud_needs_its_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "OS_", "ECS_WIZARD_"))}
    result = serve("--cloud", "hwc", "--port", "0", env={**env, "HOME": str(tmp_path)})
    assert result.returncode == 2
    assert "No cloud credentials were found." in result.stderr


async def open_tab(url: str, frames: Frames, headers: dict[str, str] | None = None):
    """A websocket to the served wizard, as textual.js opens it; frames go to ``frames`` until it closes."""
    client = aiohttp.ClientSession()
    socket_ = await client.ws_connect(url.replace("http://", "ws://") + "ws?width=100&height=30", headers=headers)

    async def receive() -> None:
        async for message in socket_:
            if message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                frames.add(message.data)

    return client, socket_, asyncio.create_task(receive())


async def wait_for_text(frames: Frames, text: str, timeout: float = 60.0) -> None:
    async def arrived() -> None:
        while text not in frames.since():
            await asyncio.sleep(0.05)

    try:
        await asyncio.wait_for(arrived(), timeout)
    except TimeoutError:
        raise AssertionError(f"{text!r} did not arrive; the tab showed {frames.since()[-600:]!r}") from None


def session_processes(server: subprocess.Popen[str]) -> set[int]:
    """The tab processes of this server: those in its session (it runs in a session of its own), so a
    serve that another test run on this machine started at the same time is not counted."""
    out = subprocess.run(
        ["pgrep", "-s", str(server.pid), "-f", "wizard.commands.serve_session"], capture_output=True, text=True
    ).stdout
    return {int(pid) for pid in out.split()}


async def test_each_tab_has_its_own_process_and_state_directory_until_it_closes():
    process, url = start_server("--speed", "600")
    try:
        tabs = []
        for _ in range(2):
            frames = Frames()
            tabs.append((frames, *await open_tab(url, frames)))
            await wait_for_text(frames, "nothing to resume")
        sessions = session_processes(process)
        command_lines = {Path(f"/proc/{pid}/cmdline").read_bytes() for pid in sessions}
        roots = {line.split(b"\0")[3].decode() for line in command_lines if b"python" in line.split(b"\0")[0]}
        assert len(roots) == 1  # one sessions root for the server, a directory per tab inside it
        (root,) = roots
        assert len(os.listdir(root)) == 2
        for _frames, client, socket_, receiving in tabs:
            await socket_.close()
            await receiving
            await client.close()
        for _ in range(200):  # each tab's process quits when its websocket closes, and removes its directory
            if not os.listdir(root) and not session_processes(process):
                break
            await asyncio.sleep(0.05)
        assert os.listdir(root) == []
        assert session_processes(process) == set()
    finally:
        err = stop_server(process)
    assert not os.path.exists(root)  # the server removes the sessions root when it stops
    assert err.rstrip().endswith("# stopped")


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Host": "ecs-wizard.example:8000"}, "answers only to a loopback address"),  # DNS rebinding
        ({"Origin": "http://elsewhere.example"}, "may not open a session here"),  # another site's script
    ],
)
async def test_a_loopback_server_refuses_other_hosts_and_other_pages(served_plain, headers, reason):
    async with aiohttp.ClientSession() as client:
        async with client.get(served_plain, headers=headers) as answer:
            assert answer.status == 403
            assert reason in await answer.text()
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect(served_plain.replace("http://", "ws://") + "ws", headers=headers)
        assert refused.value.status == 403
        async with client.get(served_plain) as answer:  # the page itself, from its own address
            assert answer.status == 200
            assert "ecs-wizard" in await answer.text()


@pytest.fixture(scope="module")
def served_plain():
    process, url = start_server()
    yield url
    stop_server(process)


def test_a_host_beyond_loopback_is_warned_about():
    process, url = start_server("--host", "0.0.0.0")
    err = stop_server(process)
    assert url.startswith("http://localhost:")
    assert "warning: serving on every network interface: anyone who can reach it gets a demo session" in err


async def test_a_real_cloud_on_loopback_serves_its_own_project(tmp_path):
    emulator = Emulator(scenario="demo", speed=0)
    with BackgroundServer(emulator) as endpoint:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "OS_", "ECS_WIZARD_"))}
        env.update(HUAWEICLOUD_SDK_AK=DEMO.ak, HUAWEICLOUD_SDK_SK=DEMO.sk, HUAWEICLOUD_SDK_PROJECT_ID=DEMO.project_id)
        options = ("--cloud", "hwc", "--region", "eu-west-101", "--endpoint", endpoint, "--state-dir", str(tmp_path))
        refused = serve(*options, "--speed", "10", "--port", "0", env=env)
        assert refused.returncode == 2 and "--speed only applies to the demo" in refused.stderr
        process, url = start_server(*options, env=env)
        frames = Frames()
        try:
            client, socket_, receiving = await open_tab(url, frames)
            await wait_for_text(frames, DEMO.project_id)
            await socket_.send_str(json.dumps(["stdin", "\r"]))  # Enter: scan the project
            await wait_for_text(frames, "3 affected")
            await socket_.close()
            await receiving
            await client.close()
        finally:
            stop_server(process)
    assert "built-in emulator" not in frames.since()


async def test_the_page_loads_nothing_from_outside_the_server(served_plain):
    """textual-serve's page names a stylesheet on fonts.googleapis.com: served here without it, the font
    from this server's static folder (the browser test checks every request a real page makes)."""
    async with aiohttp.ClientSession() as client:
        async with client.get(served_plain) as answer:
            page = await answer.text()
        assert "googleapis" not in page and "fonts.gstatic" not in page
        fonts = re.findall(r'url\("([^"]+\.ttf)"\)', page)
        assert len(fonts) == 2 and all(url.startswith(served_plain + "static/fonts/RobotoMono") for url in fonts)
        for url in fonts:
            async with client.get(url) as font:
                assert font.status == 200 and len(await font.read()) > 10_000
        here = urlsplit(served_plain).netloc
        outside = [url for url in re.findall(r'(?:src|href)="([^"]+)"', page) if urlsplit(url).netloc not in ("", here)]
        assert not outside, outside


REAP_CHECK = """
import asyncio, sys, time
from wizard.commands.serve import _tab_processes_reaped

async def serve_one_tab(wait):
    # a tab's process as textual-serve starts it (a shell, pipes), still running when serving stops
    pipe = asyncio.subprocess.PIPE
    tab = await asyncio.create_subprocess_shell("sleep 0.3", stdin=pipe, stdout=pipe)
    if wait:
        await _tab_processes_reaped()
    return tab

tab = asyncio.run(serve_one_tab(sys.argv[1] == "wait"))
time.sleep(0.5)
"""


@pytest.mark.parametrize("wait", ["wait", "no-wait"])
def test_shutdown_waits_for_the_tabs_processes_to_be_reaped(wait):
    """A tab's process that exits after the server's loop closed made asyncio print a traceback at exit
    (seen in CI after Ctrl-C): shutdown keeps the loop open until each one is reaped. Without the wait,
    the same child shows the traceback, which proves the check can fail."""
    done = subprocess.run([sys.executable, "-c", REAP_CHECK, wait], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    if wait == "wait":
        assert "Traceback" not in done.stderr and "is closed" not in done.stderr, done.stderr
    else:
        assert "is closed" in done.stderr
