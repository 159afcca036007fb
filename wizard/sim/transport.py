"""Calling the emulator's WSGI app in process, without a socket.

:class:`InProcessTransport` is what the demo's clients send through: it needs neither ``requests`` nor
``urllib3`` (importing them costs a demo as much start-up time as Textual does). It has the one method
the cloud client calls on a ``requests.Session`` (``request``, with the auth hook called on the
outgoing request), and its answers have what the client reads of a ``requests.Response``.
:class:`wizard.sim.requests_adapter.InProcessAdapter` mounts the same call on a real
``requests.Session``, for callers that want requests' own interface (``params=``, ``json=``).
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from wizard.sim.errors import LostResponse
from wizard.sim.wsgi import Headers

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def call_wsgi(
    app: WSGIApp, method: str, url: str, headers: Iterable[tuple[str, str]], body: bytes
) -> tuple[str, list[tuple[str, str]], bytes]:
    """The app's (status line, headers, body) for one request; :class:`LostResponse` passes through."""
    parts = urlsplit(url)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method.upper(),
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(parts.path or "/").encode("utf-8").decode("latin-1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(parts.port or (443 if parts.scheme == "https" else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme or "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": parts.netloc,
    }
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key != "CONTENT_LENGTH":
            environ[f"HTTP_{key}"] = value
    captured: list[Any] = []

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured[:] = [status, response_headers]
        return lambda chunk: None

    result = app(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return captured[0], captured[1], content


@dataclass
class InProcessAnswer:
    """What :class:`InProcessTransport` returns: the parts of ``requests.Response`` the client reads."""

    status_code: int
    reason: str
    headers: Headers
    content: bytes
    url: str

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


@dataclass
class OutgoingRequest:
    """The request an auth hook signs before it is sent (the fields of ``requests.PreparedRequest`` it reads)."""

    method: str
    url: str
    headers: MutableMapping[str, str] = field(default_factory=dict)
    body: bytes | None = None


class InProcessTransport:
    """Sends requests under ``base`` to one WSGI app, in this thread; a lost answer (fault injection)
    raises :class:`ConnectionAbortedError`, as a dropped connection would. A URL elsewhere (a setting
    that sends one service to a real address) goes over the network through ``requests``, imported
    then, as with :meth:`Emulator.session`."""

    def __init__(self, app: WSGIApp, base: str) -> None:
        self.app = app
        self.base = base.rstrip("/") + "/"
        self._network: Any = None

    def request(
        self,
        method: str,
        url: str,
        *,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        auth: Callable[[OutgoingRequest], Any] | None = None,
        timeout: Any = None,
        verify: bool = True,
    ) -> InProcessAnswer:
        if not url.startswith(self.base):
            return self._over_network(method, url, data, headers, auth, timeout, verify)
        outgoing = OutgoingRequest(method.upper(), url, dict(headers or {}), data)
        if auth is not None:
            auth(outgoing)
        try:
            status, pairs, content = call_wsgi(self.app, outgoing.method, url, outgoing.headers.items(), data or b"")
        except LostResponse as exc:
            raise ConnectionAbortedError(f"Connection aborted: no answer from the emulator ({exc})") from None
        code, _, reason = status.partition(" ")
        return InProcessAnswer(int(code), reason, Headers(pairs), content, url)

    def _over_network(
        self,
        method: str,
        url: str,
        data: bytes | None,
        headers: Mapping[str, str] | None,
        auth: Any,
        timeout: Any,
        verify: bool,
    ) -> Any:
        if self._network is None:
            import requests

            self._network = requests.Session()
            self._network.trust_env = False  # as Emulator.session(): no proxy stands before an emulator
        return self._network.request(method, url, data=data, headers=headers, auth=auth, timeout=timeout, verify=verify)

    def close(self) -> None:
        if self._network is not None:
            self._network.close()
