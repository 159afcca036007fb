"""The little of WSGI the emulator's app needs: a request read from its environ, a route table, and
an answer written to ``start_response``.

Written here rather than taken from werkzeug so that a demo's first call does not import werkzeug
(its package imports its server, test client and data structures) nor compile a routing map: the
emulator answers in process, and the demo pays for every module before it says "connected". The
HTTP server (``ecs-wizard sim serve``, :mod:`wizard.sim.server`) is the standard library's, with a
WSGI bridge of its own that keeps connections alive.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def http_date(seconds: float) -> str:
    """An HTTP ``Date`` (RFC 9110 IMF-fixdate, e.g. ``Wed, 02 Dec 2026 07:49:26 GMT``), in English
    whatever the locale, as ``email.utils.formatdate(usegmt=True)`` writes it, without importing
    ``email``."""
    t = time.gmtime(seconds)
    return (
        f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year:04d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"
    )


class QueryArgs(Mapping[str, str]):
    """A query string's parameters: ``get`` gives a name's first value, ``getlist`` all of them."""

    def __init__(self, query: str) -> None:
        self._lists: dict[str, list[str]] = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            self._lists.setdefault(name, []).append(value)

    def __getitem__(self, name: str) -> str:
        return self._lists[name][0]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lists)

    def __len__(self) -> int:
        return len(self._lists)

    def getlist(self, name: str) -> list[str]:
        return list(self._lists.get(name, []))


class Headers(Mapping[str, str]):
    """HTTP headers, looked up in any case (as header names are); a request's or an answer's."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._items = {name.lower(): (name, value) for name, value in pairs}

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)


def request_headers(environ: Mapping[str, Any]) -> Headers:
    """A request's headers from its environ (``HTTP_X_SDK_DATE`` is ``X-Sdk-Date``)."""
    pairs = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key
        else:
            continue
        pairs.append(("-".join(part.capitalize() for part in name.split("_")), str(value)))
    return Headers(pairs)


class SimRequest:
    """One request to the emulator: ``method``, ``path``, ``args``, ``headers``, ``host_url`` and the
    body (:meth:`get_data`), read from a WSGI environ."""

    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ
        self.method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        raw_path = str(environ.get("PATH_INFO", "")).encode("latin-1").decode("utf-8", "replace")
        self.path = "/" + raw_path.lstrip("/")
        self.args = QueryArgs(str(environ.get("QUERY_STRING", "")))
        self.headers = request_headers(environ)
        self._data: bytes | None = None

    @property
    def host_url(self) -> str:
        scheme = environ_scheme = str(self.environ.get("wsgi.url_scheme", "http"))
        host = self.environ.get("HTTP_HOST")
        if not host:
            port = str(self.environ.get("SERVER_PORT", ""))
            default = "443" if environ_scheme == "https" else "80"
            host = str(self.environ.get("SERVER_NAME", "localhost")) + ("" if port in ("", default) else f":{port}")
        return f"{scheme}://{host}/"

    def get_data(self, cache: bool = True) -> bytes:
        """The body (read once, then kept)."""
        if self._data is None:
            length = self.environ.get("CONTENT_LENGTH") or "0"
            stream = self.environ.get("wsgi.input")
            try:
                size = int(length)
            except ValueError:
                size = 0
            self._data = stream.read(size) if stream is not None and size > 0 else b""
        return self._data


def environ_for(method: str, path: str, query: str, body: bytes) -> dict[str, Any]:
    """A minimal environ for a request made inside the emulator (a late action performed later)."""
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
    }


class RouteNotFound(Exception):
    """No route has this path."""


class MethodNotAllowed(Exception):
    """A route has this path, but not for this method; ``allowed`` names the methods it has."""

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(", ".join(allowed))
        self.allowed = allowed


class Routes:
    """``(pattern, methods, endpoint)`` rows, each ``<name>`` in a pattern one whole, non-empty path
    segment. A route for GET answers HEAD too, as werkzeug's did."""

    def __init__(self, rows: Iterable[tuple[str, Iterable[str], str]]) -> None:
        self._rows = [
            (tuple(pattern.split("/")), frozenset(methods) | ({"HEAD"} if "GET" in methods else set()), endpoint)
            for pattern, methods, endpoint in rows
        ]

    @staticmethod
    def _named(pattern: tuple[str, ...], segments: list[str]) -> dict[str, str] | None:
        """The named segments when ``segments`` fit ``pattern``, else None."""
        if len(pattern) != len(segments):
            return None
        named: dict[str, str] = {}
        for part, segment in zip(pattern, segments, strict=True):
            if part.startswith("<"):
                if not segment:
                    return None
                named[part[1:-1]] = segment
            elif part != segment:
                return None
        return named

    def match(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        """The endpoint and the path's named segments; :class:`MethodNotAllowed` or :class:`RouteNotFound`."""
        segments = path.split("/")
        allowed: set[str] = set()
        for pattern, methods, endpoint in self._rows:
            named = self._named(pattern, segments)
            if named is None:
                continue
            if method in methods:
                return endpoint, named
            allowed |= methods
        if allowed:
            raise MethodNotAllowed(sorted(allowed))
        raise RouteNotFound(path)


def respond(
    start_response: Callable[..., Any], status: int, headers: Mapping[str, str], body: bytes | None, content_type: str
) -> list[bytes]:
    """Start the answer (status line, the headers, Content-Type when there is a body, Content-Length)."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    pairs = list(headers.items())
    if body is not None:
        pairs.append(("Content-Type", content_type))
    content = body or b""
    pairs.append(("Content-Length", str(len(content))))
    start_response(f"{status} {phrase}", pairs)
    return [content]
