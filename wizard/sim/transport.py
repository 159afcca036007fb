"""``InProcessAdapter``: a requests transport that calls a WSGI app directly (no socket)."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from wizard.sim.errors import LostResponse

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class InProcessAdapter(BaseAdapter):
    """Mount on a base URL: ``session.mount(DEMO.endpoint, InProcessAdapter(emu.app))``.

    A lost answer (fault injection) raises ``requests.ConnectionError``, as a dropped connection would.
    """

    def __init__(self, app: WSGIApp) -> None:
        super().__init__()
        self.app = app

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        url = urlsplit(request.url or "")
        body = request.body
        if body is None:
            data = b""
        elif isinstance(body, str):
            data = body.encode("utf-8")
        elif isinstance(body, (bytes, bytearray)):
            data = bytes(body)
        elif hasattr(body, "read"):
            data = body.read()
            data = data.encode("utf-8") if isinstance(data, str) else data
        else:
            data = b"".join(c.encode("utf-8") if isinstance(c, str) else c for c in body)
        port = url.port or (443 if url.scheme == "https" else 80)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": (request.method or "GET").upper(),
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(url.path or "/").encode("utf-8").decode("latin-1"),
            "QUERY_STRING": url.query,
            "SERVER_NAME": url.hostname or "localhost",
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": url.scheme or "http",
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "CONTENT_LENGTH": str(len(data)),
            "HTTP_HOST": url.netloc,
        }
        for name, value in request.headers.items():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            elif key == "CONTENT_LENGTH":
                continue
            else:
                environ[f"HTTP_{key}"] = value
        captured: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            captured["status"] = status
            captured["headers"] = headers
            return lambda chunk: None

        try:
            result = self.app(environ, start_response)
            try:
                content = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except LostResponse as exc:
            raise requests.ConnectionError(
                f"Connection aborted: no answer from the emulator ({exc})", request=request
            ) from None
        response = requests.Response()
        code, _, reason = captured["status"].partition(" ")
        response.status_code = int(code)
        response.reason = reason
        response.headers = CaseInsensitiveDict(captured["headers"])
        response.encoding = get_encoding_from_headers(response.headers)
        response._content = content
        # requests' own flag for "content already read"; types-requests does not declare it.
        response._content_consumed = True  # type: ignore[attr-defined]
        response.raw = io.BytesIO(content)
        response.url = request.url or ""
        response.request = request
        # requests sets the adapter that sent the request; its stub narrows that to HTTPAdapter.
        response.connection = self  # type: ignore[assignment]
        return response

    def close(self) -> None:
        pass
