"""``serve``: the full-screen wizard in a web browser, through textual-serve (the Textual project's own
package for it). Every browser tab gets its own process, started by textual-serve with
:mod:`wizard.commands.serve_session`, and in the demo its own state directory and emulated world.

textual-serve has no login, so the safety rules live here: the demo is served by default; a real
cloud only with ``--cloud`` and a loopback ``--host``; a host that is not loopback gets a warning that
anyone who can reach it gets a demo session. On a loopback host a request must name a loopback host
(``Host``), so a web page whose name was pointed at 127.0.0.1 (DNS rebinding) cannot reach it; and a
browser's websocket must come from this server's own page (``Origin``), so another site open in the
same browser cannot drive a session."""

from __future__ import annotations

import argparse
import asyncio
import errno
import ipaddress
import re
import shlex
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.server import Server

from wizard import errors
from wizard.commands.context import Invocation

SESSION_MODULE = "wizard.commands.serve_session"
LOOPBACK_NAMES = ("localhost",)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def cmd_serve(invocation: Invocation) -> int:
    args = invocation.args
    real_cloud = args.cloud is not None and not args.demo
    loopback = is_loopback(args.host)
    if real_cloud:
        if not loopback:
            raise errors.UsageError(
                f"Refusing to serve your real cloud on {args.host}: textual-serve has no login, so anyone who "
                "could reach that address would act on your cloud with your credentials.",
                "Serve it on a loopback --host (127.0.0.1 or ::1), or serve the demo without --cloud.",
            )
        invocation.open_session()  # the settings and credentials are checked now, not in each tab
    elif not loopback:
        where = "every network interface" if args.host in ("0.0.0.0", "::") else f"{args.host}, which is not loopback"
        print(
            f"ecs-wizard: warning: serving on {where}: anyone who can reach it gets a demo session "
            "(the demo only: no cloud account is used)",
            file=sys.stderr,
        )
    sessions_root = None if real_cloud else tempfile.mkdtemp(prefix="ecs-wizard-serve-")
    try:
        server = WizardServer(session_command(args, sessions_root), host=args.host, port=args.port, loopback=loopback)
        what = f"your {args.cloud} cloud" if real_cloud else "the ecs-wizard demo (each browser tab its own world)"
        return server.run(lambda url: _say_ready(url, what))
    finally:
        if sessions_root is not None:
            shutil.rmtree(sessions_root, ignore_errors=True)


def session_command(args: argparse.Namespace, sessions_root: str | None) -> str:
    """The shell command textual-serve starts for each browser tab: this Python, the session module,
    where the session makes its fresh state directory ("-": none, the real cloud's usual one), then the
    wizard's own arguments."""
    if sessions_root is not None:
        wizard_args = ["demo"] + (["--speed", repr(args.speed)] if args.speed is not None else [])
    else:
        wizard_args = ["--cloud", args.cloud]
        for option, value in (
            ("--region", args.region),
            ("--endpoint", args.endpoint),
            ("--state-dir", args.state_dir),
        ):
            if value:
                wizard_args += [option, value]
        if args.insecure:
            wizard_args.append("--insecure")
    return shlex.join([sys.executable, "-m", SESSION_MODULE, sessions_root or "-", *wizard_args])


def _say_ready(url: str, what: str) -> None:
    print(url, flush=True)
    print(f"# serving {what} at {url}; open it in a browser. Ctrl-C stops it.", file=sys.stderr, flush=True)


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0]).is_loopback
    except ValueError:
        return False


def forbidden_reason(request: web.Request, loopback_only: bool) -> str | None:
    """Why this request is refused, or None. ``Host`` must be a loopback name on a loopback server; a
    browser's ``Origin`` (sent with every websocket) must be this server's own address."""
    if loopback_only and not is_loopback(urlsplit(f"//{request.host}").hostname or ""):
        return f"this server answers only to a loopback address, not {request.host!r}"
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        return f"a page from {origin} may not open a session here"
    return None


OUTSIDE_FONT = re.compile(r"<link\b[^>]*//fonts\.googleapis\.com/[^>]*>", re.DOTALL)
# textual-serve ships the font its page names (Roboto Mono) in its static folder: served from here instead.
LOCAL_FONT = """<style>
      @font-face { font-family: "Roboto Mono"; font-style: normal; font-weight: 100 700;
        src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf") format("truetype"); }
      @font-face { font-family: "Roboto Mono"; font-style: italic; font-weight: 100 700;
        src: url("{{ config.static.url }}fonts/RobotoMono-Italic-VariableFont_wght.ttf") format("truetype"); }
    </style>
  </head>"""


class SelfContainedPages(jinja2.FileSystemLoader):
    """textual-serve's page templates with nothing loaded from outside this server: its page takes its font's
    stylesheet from fonts.googleapis.com, which a room without internet cannot reach and a customer who
    wants nothing sent to Google does not want. The font comes from textual-serve's own static folder."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        return OUTSIDE_FONT.sub("", source).replace("</head>", LOCAL_FONT, 1), filename, uptodate


class WizardServer(Server):
    """textual-serve's server with the checks above, pages that load nothing from outside it, an address
    the page's websocket follows from the request (so a server on 0.0.0.0 works from other machines),
    every session stopped on shutdown, and a run that binds first and reports a port in use as a usage
    error."""

    def __init__(self, command: str, *, host: str, port: int, loopback: bool) -> None:
        super().__init__(command, host=host, port=port, title="ecs-wizard")
        self.loopback_only = loopback
        self.sessions: set[asyncio.Task[object]] = set()

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        aiohttp_jinja2.setup(app, loader=SelfContainedPages(self.templates_path))

        @web.middleware
        async def checked(request: web.Request, handler: Handler) -> web.StreamResponse:
            reason = forbidden_reason(request, self.loopback_only)
            if reason is not None:
                raise web.HTTPForbidden(text=f"ecs-wizard serve: {reason}\n")
            return await handler(request)

        app.middlewares.append(checked)
        return app

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        # The page's websocket address is built from public_url; the request's own address is the one
        # that this browser reached. No await in between, so no other request sees this value.
        self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        task = asyncio.current_task()
        assert task is not None
        self.sessions.add(task)
        try:
            return await super().handle_websocket(request)
        finally:
            self.sessions.discard(task)

    async def on_startup(self, app: web.Application) -> None:
        """textual-serve prints a banner here, before the port is bound; :meth:`run` says when it is."""

    async def on_shutdown(self, app: web.Application) -> None:
        # Cancelling a session's handler closes its websocket and tells its process to quit, then waits
        # for it (textual-serve's handler does both); without it shutdown would wait on open tabs.
        for task in list(self.sessions):
            task.cancel()

    def run(self, ready: Callable[[str], None]) -> int:
        """Serve until Ctrl-C (or SIGTERM); ``ready`` gets the URL once the port is bound."""
        try:
            asyncio.run(self._serve(ready))
        except OSError as exc:
            advice = "; pick another --port (0 picks a free one)" if exc.errno == errno.EADDRINUSE else ""
            raise errors.UsageError(
                f"Cannot listen on {self.host}:{self.port}: {exc.strerror or exc}{advice}."
            ) from None
        print("# stopped", file=sys.stderr)
        return errors.EXIT_OK

    async def _serve(self, ready: Callable[[str], None]) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        runner = web.AppRunner(await self._make_app(), handle_signals=False, access_log=None, shutdown_timeout=10)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
            self.port = runner.addresses[0][1]  # the one picked, for --port 0
            shown_host = "localhost" if self.host in ("0.0.0.0", "::") else self.host
            self.public_url = f"http://{_bracketed(shown_host)}:{self.port}"
            ready(self.public_url + "/")
            await stop.wait()
        finally:
            await runner.cleanup()
            await _tab_processes_reaped()


TAB_EXIT_WAIT = 10.0  # seconds shutdown waits for the tabs' processes to be reaped


async def _tab_processes_reaped() -> None:
    """Keep the loop open until asyncio has reaped the tabs' processes. Each one was told to quit and its
    output has ended, but asyncio's child watcher (a thread per child, ``asyncio-waitpid-N`` in Python
    3.11) reports the exit to this loop a moment later; a report after the loop closed was printed as a
    traceback at exit ("Loop ... that handles pid ... is closed", seen in CI)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TAB_EXIT_WAIT
    while loop.time() < deadline and any("waitpid-" in t.name for t in threading.enumerate()):
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.05)  # the exit reports the last threads queued, and the transports' closing


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host
