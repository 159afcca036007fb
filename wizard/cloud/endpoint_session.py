"""The real cloud's transport: a ``requests.Session`` that reads the network environment once per endpoint.

``requests`` looks at the environment on every call (``Session.merge_environment_settings``): the
proxy variables (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``, in either case) and
whether ``NO_PROXY`` covers the host, then ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``. Against an
emulator at 5 ms that was about a fifth of the client's CPU per call. The answer depends only on the
endpoint (scheme, host and port), so :class:`EndpointSession` asks ``requests`` once per endpoint and
keeps what it said; the settings are those of the environment when the endpoint is first called.
Everything else, and the order in which a call's own settings win over the environment's and the
environment's over the session's, is ``requests``' own. TLS verification stays on unless the caller
turns it off (``--insecure``); a CA bundle from the environment replaces only the default.

Imported only when a real cloud is used: a demo never loads ``requests``.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from requests.sessions import merge_setting
from requests.utils import get_environ_proxies

if TYPE_CHECKING:
    from requests.sessions import _Settings  # the stubs' name for what this method returns


class EndpointSession(requests.Session):
    """``requests.Session`` with the environment's proxies and CA bundle looked up once per endpoint."""

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[str, str, str | None], tuple[dict[str, str], str | None]] = {}
        self._lock = threading.Lock()
        self.environment_lookups = 0  # how many times the environment was read (once per endpoint)

    def environment_for(self, url: str, no_proxy: str | None = None) -> tuple[dict[str, str], str | None]:
        """The proxies the environment gives ``url``'s endpoint, and its CA bundle (None: none named)."""
        parts = urlsplit(url)
        key = (parts.scheme.lower(), parts.netloc.lower(), no_proxy)
        with self._lock:
            found = self._environment.get(key)
            if found is None:
                self.environment_lookups += 1
                bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None
                found = self._environment[key] = (get_environ_proxies(url, no_proxy=no_proxy), bundle)
        return found

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> _Settings:
        """As ``requests.Session.merge_environment_settings``, from :meth:`environment_for`'s answer."""
        if not self.trust_env:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        no_proxy = proxies.get("no_proxy") if proxies is not None else None
        env_proxies, bundle = self.environment_for(url, no_proxy)
        if proxies is not None:
            for scheme, proxy in env_proxies.items():
                proxies.setdefault(scheme, proxy)  # the call's own proxies win
        if (verify is True or verify is None) and bundle:
            verify = bundle  # a CA bundle replaces the default; verify=False (--insecure) stays False
        return {
            "proxies": merge_setting(proxies, self.proxies),
            "stream": merge_setting(stream, self.stream),
            "verify": merge_setting(verify, self.verify),
            "cert": merge_setting(cert, self.cert),
        }
