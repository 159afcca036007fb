"""``InProcessAdapter``: a requests transport adapter that calls the emulator's WSGI app directly (no
socket), for callers that want requests' own interface; the demo's clients use the lighter
:class:`wizard.sim.transport.InProcessTransport`."""

from __future__ import annotations

import io
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from wizard.sim.errors import LostResponse
from wizard.sim.transport import WSGIApp, call_wsgi


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else data
    return b"".join(c.encode("utf-8") if isinstance(c, str) else c for c in body)


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
        try:
            status, headers, content = call_wsgi(
                self.app, request.method or "GET", request.url or "", request.headers.items(), _body_bytes(request.body)
            )
        except LostResponse as exc:
            raise requests.ConnectionError(
                f"Connection aborted: no answer from the emulator ({exc})", request=request
            ) from None
        response = requests.Response()
        code, _, reason = status.partition(" ")
        response.status_code = int(code)
        response.reason = reason
        response.headers = CaseInsensitiveDict(headers)
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
