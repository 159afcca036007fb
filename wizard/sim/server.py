"""Loopback HTTP serving of an emulator (``ecs-wizard sim serve``).

A threaded HTTP/1.1 server of the standard library's (:class:`http.server.ThreadingHTTPServer`) with a
small WSGI bridge of our own, which keeps each connection open for the client's next call, as a real
cloud's gateway does. (werkzeug's development server, used before, answers every call with
``Connection: close``: each call then paid a new TCP connection and a new server thread.) Every answer
carries its ``Content-Length``, and a request's body is read whole before the emulator sees it, so
that the next request on the connection starts where this one ended.
"""

from __future__ import annotations

import io
import socket
import socketserver
import sys
import threading
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes, urlsplit

from wizard.sim.account import DEMO
from wizard.sim.errors import LostResponse
from wizard.sim.profiles import OTC, SERVICES, CloudProfile

if TYPE_CHECKING:
    from wizard.sim.emulator import Emulator

MAX_BODY = 16 * 1024 * 1024
"""The largest request body read (the API's bodies are small JSON documents)."""

_NO_BODY = frozenset({204, 304})


class _Handler(BaseHTTPRequestHandler):
    """One connection: its requests, one after another, each answered by the WSGI app."""

    protocol_version = "HTTP/1.1"  # keep-alive unless the client asks to close
    server_version = "ecs-wizard-sim"
    disable_nagle_algorithm = True  # the status line and headers, then the body: no delayed-ACK stall
    server: SimHTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass  # the client is gone: nothing left to flush to
        finally:
            self.server.closed(self.connection)

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:
            pass  # the client dropped the connection, or the server is shutting down

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        """No access log lines (the emulator keeps its own ``request_log``)."""

    def send_response(self, code: int, message: str | None = None) -> None:
        """As the base class, but without its own ``Date`` header: the application sends one from the
        emulator's wall clock (which a test or ``--clock-skew`` may set apart from this machine's)."""
        self.send_response_only(code, message)
        self.send_header("Server", self.version_string())

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # every method goes to the app, which answers 405 where it has no route
            return self._answer
        raise AttributeError(name)

    def _answer(self) -> None:
        body = self._read_body()
        if body is None:
            return
        environ = self._environ(body)
        status = "500 Internal Server Error"
        headers: list[tuple[str, str]] = []

        def start_response(given: str, given_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            nonlocal status, headers
            status, headers = given, list(given_headers)

        try:
            chunks = self.server.app(environ, start_response)
            try:
                content = b"".join(chunks)
            finally:
                getattr(chunks, "close", lambda: None)()
        except LostResponse:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)  # the action was done; the answer never comes
            return
        except Exception:  # a bug in the emulator: say so on stderr, answer 500, and close
            print(f"ecs-wizard sim: error on {self.command} {self.path}:", file=sys.stderr)
            traceback.print_exc()
            status, headers, content = "500 Internal Server Error", [("Content-Type", "text/plain")], b"emulator error"
            self.close_connection = True
        self._write(status, headers, content)

    def _read_body(self) -> bytes | None:
        """The request's whole body, or None when it was refused (then the connection closes)."""
        if self.headers.get("Transfer-Encoding"):
            self.send_error(411, "Send the body with a Content-Length")  # no chunked bodies: none of the API's need one
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.send_error(400, "Bad Content-Length")
            return None
        if length > MAX_BODY:
            self.send_error(413)
            return None
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            self.close_connection = True  # the client hung up mid-body
            return None
        return body

    def _environ(self, body: bytes) -> dict[str, Any]:
        target = urlsplit(self.path)
        path = target.path
        if not target.scheme and target.netloc:  # "//x/y": a path whose first segment looked like a host
            path = f"//{target.netloc}{target.path}"
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),  # WSGI's bytes-as-latin-1 strings
            "QUERY_STRING": target.query,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_PORT": self.client_address[1],
            "CONTENT_LENGTH": str(len(body)) if body else "",
        }
        for name, value in self.headers.items():
            if "_" in name or name.lower() == "content-length":  # "_" would pass for "-" (header smuggling)
                continue
            key = name.upper().replace("-", "_")
            key = key if key == "CONTENT_TYPE" else f"HTTP_{key}"
            value = value.replace("\r\n", "")
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        if target.scheme and target.netloc:  # an absolute URL names the host (RFC 9112 3.2.2)
            environ["HTTP_HOST"] = target.netloc
        return environ

    def _write(self, status: str, headers: list[tuple[str, str]], content: bytes) -> None:
        code_text, _, phrase = status.partition(" ")
        code = int(code_text)
        self.send_response(code, phrase)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        if code >= 200 and code != 204:
            self.send_header("Content-Length", str(len(content)))
        if self.close_connection:
            self.send_header("Connection", "close")
        elif self.request_version == "HTTP/1.0":
            self.send_header("Connection", "keep-alive")  # it asked to keep it (else close_connection is set)
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in _NO_BODY:
            self.wfile.write(content)


class SimHTTPServer(ThreadingHTTPServer):
    """The emulator's HTTP server: a thread per connection, kept open between calls. ``connections``
    counts the connections it has accepted; closing the server closes the open ones too, so a
    stopped server answers nobody (a client's kept connection included)."""

    daemon_threads = True
    request_queue_size = 128  # a scan opens tens of connections at once; the default backlog of 5 drops some

    def __init__(self, host: str, port: int, app: Callable[..., Any]) -> None:
        self.app = app
        self.connections = 0
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), _Handler)

    def server_bind(self) -> None:
        """As :class:`http.server.HTTPServer`, without its reverse DNS lookup of the address."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def opened(self, connection: socket.socket) -> None:
        with self._open_lock:
            self.connections += 1
            self._open.add(connection)

    def closed(self, connection: socket.socket) -> None:
        with self._open_lock:
            self._open.discard(connection)

    def server_close(self) -> None:
        super().server_close()
        with self._open_lock:
            still_open = list(self._open)
        for connection in still_open:
            try:
                connection.shutdown(socket.SHUT_RDWR)  # its thread reads the end and returns
            except OSError:
                pass


def make_http_server(emu: Emulator, host: str = "127.0.0.1", port: int = 0) -> SimHTTPServer:
    """A threaded HTTP/1.1 server bound to ``host:port`` (port 0 picks a free one); not started.
    A port in use or an address that cannot be bound raises OSError."""
    return SimHTTPServer(host, port, emu.app)


def server_url(server: SimHTTPServer) -> str:
    address, port = server.server_address[:2]
    host = address.decode() if isinstance(address, bytes) else address  # bytes only for AF_UNIX
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(
    emu: Emulator,
    host: str = "127.0.0.1",
    port: int = 0,
    on_ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Serve until Ctrl-C (KeyboardInterrupt) or until ``stop`` is set; then shut down cleanly.

    ``on_ready(url)`` is called once the socket listens. Binds loopback by default.
    """
    server = make_http_server(emu, host, port)
    if stop is not None:

        def watch() -> None:
            stop.wait()
            server.shutdown()

        threading.Thread(target=watch, name="sim-serve-stop", daemon=True).start()
    try:
        if on_ready is not None:
            on_ready(server_url(server))
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


class BackgroundServer:
    """Context manager for tests and benchmarks: serve on loopback in a thread.

    >>> with BackgroundServer(emu) as url: ...
    """

    def __init__(self, emu: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = make_http_server(emu, host, port)
        self.url = server_url(self.server)
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> str:
        self._thread.start()
        return self.url

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


def export_lines(url: str, profile: CloudProfile = OTC) -> list[str]:
    """Shell lines pointing a client at a served emulator with the demo credentials, in the variables
    that cloud's own tools read (Huawei Cloud's SDK: ``HUAWEICLOUD_SDK_*``; Open Telekom Cloud, an
    OpenStack cloud: ``OS_*``), and one endpoint line per service saying which real host it stands in for."""
    if profile.name == "hwc":
        credentials = {
            "HUAWEICLOUD_SDK_AK": DEMO.ak,
            "HUAWEICLOUD_SDK_SK": DEMO.sk,
            "HUAWEICLOUD_SDK_PROJECT_ID": DEMO.project_id,
            "HUAWEICLOUD_SDK_REGION": profile.region,
        }
    else:
        credentials = {
            "OS_ACCESS_KEY": DEMO.ak,
            "OS_SECRET_KEY": DEMO.sk,
            "OS_PROJECT_ID": DEMO.project_id,
            "OS_REGION_NAME": profile.region,
        }
    lines = [f"export {name}={value}" for name, value in credentials.items()]
    for service in SERVICES:
        lines.append(f"export ECS_WIZARD_ENDPOINT_{service.upper()}={url}  # in place of {profile.endpoint(service)}")
    return lines
