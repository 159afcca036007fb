"""Loopback HTTP serving of an emulator (``ecs-wizard sim serve``)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, ThreadedWSGIServer, WSGIRequestHandler

from wizard.sim.account import DEMO
from wizard.sim.errors import LostResponse
from wizard.sim.profiles import OTC, SERVICES, CloudProfile

if TYPE_CHECKING:
    from wizard.sim.emulator import Emulator


class _QuietHandler(WSGIRequestHandler):
    """No access log lines (the emulator keeps its own ``request_log``)."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass

    def send_response(self, code: int, message: str | None = None) -> None:
        """As the base class, but without its own ``Date`` header: the application sends one from the
        emulator's wall clock (which a test or ``--clock-skew`` may set apart from this machine's)."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Server", self.version_string())


def _dropping(app: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a lost answer into a closed connection with nothing written."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            return app(environ, start_response)
        except LostResponse:
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            raise ConnectionAbortedError("answer dropped by fault injection") from None

    return wsgi


class _BindFailed(Exception):
    """Carries an OSError past werkzeug, which would print it and call ``sys.exit(1)``."""

    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


class _ThreadedServer(ThreadedWSGIServer):
    def server_bind(self) -> None:
        try:
            super().server_bind()
        except OSError as error:
            raise _BindFailed(error) from error

    def server_activate(self) -> None:
        try:
            super().server_activate()
        except OSError as error:
            raise _BindFailed(error) from error


def make_http_server(emu: Emulator, host: str = "127.0.0.1", port: int = 0) -> BaseWSGIServer:
    """A threaded werkzeug server bound to ``host:port`` (port 0 picks a free one); not started.
    A port in use or an address that cannot be bound raises OSError (werkzeug itself would exit)."""
    try:
        return _ThreadedServer(host, port, _dropping(emu.app), handler=_QuietHandler)
    except _BindFailed as failed:
        raise failed.error from None


def server_url(server: BaseWSGIServer) -> str:
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
