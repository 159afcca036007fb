"""One HTTP client per service: a transport, timeouts, retries and one error type.

The transport is what sends a request: a ``requests.Session`` for a real cloud (the default), or the
emulator's in-process transport in demo mode (no socket, and no ``requests`` to import). Everything
above it (signing, retries, error reading) is this one code path for both; see :class:`Transport`.

Retry rules (why they differ by call):
* reads and calls that are safe to repeat are retried on 429, 500/502/503/504 and connection
  errors, with exponential backoff and full jitter, honouring ``Retry-After``;
* a create is retried only when throttled (429 or ``APIGW.0308``: the cloud refused it before doing
  anything). Any other lost or
  failed answer raises :class:`AnswerLost`, and the caller reconciles by looking the resource up
  (by the name or tag it gave it) instead of blindly creating a second one; except a 5xx whose code
  documents a refusal (``errors.BACKUP_RUNNING``: a backup of the server is already running), which
  is the :class:`CloudError` it is.
"""

from __future__ import annotations

import json
import logging
import math
import random
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from wizard.cloud.auth import encode_query
from wizard.cloud.errors import (  # noqa: F401  (re-exported)
    RETRYABLE_STATUS,
    AnswerLost,
    CallRecord,
    CloudError,
    CloudUnreachable,
    is_backup_running,
    is_malformed_url,
)
from wizard.cloud.secrets import Secret, mask_text

log = logging.getLogger("wizard.cloud")


class Answer(Protocol):
    """What the client reads of an HTTP answer (``requests.Response`` has all of it)."""

    @property
    def status_code(self) -> int: ...
    @property
    def reason(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...  # names in any case
    @property
    def content(self) -> bytes: ...
    @property
    def text(self) -> str: ...
    def json(self) -> Any: ...


class Transport(Protocol):
    """Sends one request and returns its answer, calling ``auth`` on the outgoing request first (as
    ``requests.Session.request`` does). No answer at all raises an :class:`OSError` (requests'
    exceptions are ``OSError`` too)."""

    def request(
        self,
        method: str,
        url: str,
        *,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        auth: Any = None,
        timeout: tuple[float, float] | None = None,
        verify: bool = True,
    ) -> Answer: ...


POOL_SIZE = 64
"""Connections kept per host: above the most images a scan diagnoses at once (``scan --concurrency``)."""


def requests_session() -> Transport:
    """The real cloud's transport: a ``requests.Session`` that reads the proxy and CA bundle
    environment once per endpoint rather than on every call (:mod:`wizard.cloud.endpoint_session`),
    and whose connection pool holds as many connections as a scan runs calls at once (urllib3's
    default of 10 would open and throw away a connection for every call beyond the tenth)."""
    from requests.adapters import HTTPAdapter

    from wizard.cloud.endpoint_session import EndpointSession

    session = EndpointSession()
    adapter = HTTPAdapter(pool_maxsize=POOL_SIZE)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _requests_error(exc: OSError, name: str) -> bool:
    """Whether ``exc`` is requests' exception ``name`` (without importing requests when nothing has)."""
    module = sys.modules.get("requests")
    return module is not None and isinstance(exc, getattr(module.exceptions, name))


def user_agent() -> str:
    """``ecs-wizard/<version>``: the package's own version (``wizard.__version__``, which the
    installed metadata is built from)."""
    from wizard import __version__  # the package root: no layer of the wizard (see the import contracts)

    return f"ecs-wizard/{__version__}"


def unreachable_kind(exc: OSError) -> str:
    """Why a request got no answer, in one word (see :class:`CloudUnreachable`)."""
    if _requests_error(exc, "SSLError"):
        return "tls"
    if _requests_error(exc, "ProxyError"):
        return "proxy"
    if _requests_error(exc, "Timeout") or isinstance(exc, TimeoutError):
        return "timeout"
    text = str(exc)
    lowered = text.lower()
    if "nameresolution" in lowered.replace(" ", "") or any(
        s in lowered for s in ("name or service not known", "getaddrinfo", "nodename nor servname", "no address")
    ):
        return "dns"
    if "refused" in lowered:
        return "refused"
    if any(s in lowered for s in ("aborted", "reset by peer", "remotedisconnected", "no answer")):
        return "dropped"
    return "other"


def _find_error(body: Any) -> tuple[str, str] | None:
    if not isinstance(body, dict):
        return None
    for code_key, msg_key in (("error_code", "error_msg"), ("errorCode", "errorMsg"), ("code", "message")):
        if code_key in body or msg_key in body:
            code, msg = body.get(code_key), body.get(msg_key)
            if isinstance(code, (str, int)) or isinstance(msg, str):
                return (str(code) if code is not None else "", str(msg) if msg is not None else "")
    for value in body.values():
        found = _find_error(value)
        if found:
            return found
    return None


def error_from_response(service: str, response: Answer, secrets: Iterable[Secret | str | None] = ()) -> CloudError:
    request_id = response.headers.get("X-Request-Id") or response.headers.get("X-Openstack-Request-Id")
    code, message = "", ""
    try:
        found = _find_error(response.json())
    except ValueError:
        found = None
    if found:
        code, message = found
    else:
        text = " ".join((response.text or "").split())
        message = _strip_html(text)[:200] or (response.reason or "error")
    message = mask_text(message, list(secrets))
    return CloudError(service, response.status_code, code, message or (response.reason or ""), request_id)


def _strip_html(text: str) -> str:
    import re

    title = re.search(r"<title>(.*?)</title>", text, re.I | re.S)
    if title:
        return title.group(1).strip()
    return re.sub(r"<[^>]+>", " ", text).strip()


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long a call is retried (see the module docstring for which calls)."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before attempt ``attempt + 1``: full jitter, or Retry-After when given."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return rng.uniform(0, ceiling)


def _retry_after(response: Answer) -> float | None:
    """Seconds the server asks us to wait, or None when it names no sane number (``nan``, ``inf``,
    a negative or unreadable value): then the usual bounded backoff applies."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime  # an HTTP date, rarely sent: imported when one is

        try:
            seconds = max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError, OverflowError):
            return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


@dataclass
class HttpClient:
    """One service's calls: its base URL, transport, auth, retries and call records."""

    service: str
    endpoint: str
    auth: Callable[[Any], Any] | None = None  # signs the outgoing request (wizard.cloud.auth)
    session: Transport = field(default_factory=requests_session)
    timeout: tuple[float, float] = (5.0, 30.0)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    verify: bool = True
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    on_call: Callable[[CallRecord], None] | None = None
    secrets: tuple[Secret, ...] = ()
    on_throttle: Callable[[float | None], None] | None = None  # sees each throttled answer and its Retry-After

    def __repr__(self) -> str:
        return f"HttpClient(service={self.service!r}, endpoint={self.endpoint!r})"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotent: bool | None = None,
        ok: Iterable[int] = (200, 201, 202, 204),
    ) -> Answer:
        """Send one call, retrying as the module docstring says; return the successful response.

        ``idempotent`` defaults to True for GET/HEAD/PUT/DELETE and False for POST.
        """
        if idempotent is None:
            idempotent = method.upper() in {"GET", "HEAD", "PUT", "DELETE"}
        query = encode_query(params)
        url = self.endpoint.rstrip("/") + path + (f"?{query}" if query else "")
        data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode() if body is not None else None
        headers = {"Content-Type": "application/json", "User-Agent": user_agent(), "Accept": "application/json"}
        ok = set(ok)
        attempt = 0
        reauthenticated = False
        started = time.monotonic()
        while True:
            attempt += 1
            try:
                response = self.session.request(
                    method, url, data=data, headers=headers, auth=self.auth, timeout=self.timeout, verify=self.verify
                )
            except OSError as exc:  # no answer: requests' exceptions and the in-process transport's
                reason = mask_text(f"{type(exc).__name__}: {exc}", list(self.secrets))
                never_sent = _requests_error(exc, "ConnectTimeout")
                if (idempotent or never_sent) and attempt < self.retry.max_attempts:
                    self._wait(attempt, None)
                    continue
                self._record(method, path, None, None, attempt, started)
                unanswered = CloudUnreachable if (idempotent or never_sent) else AnswerLost
                raise unanswered(self.service, method, path, reason, unreachable_kind(exc)) from None
            if response.status_code in ok:
                self._record(method, path, response.status_code, response.headers.get("X-Request-Id"), attempt, started)
                return response
            if response.status_code == 401 and not reauthenticated:
                reauthenticated = True
                if self._renewed_after(response):
                    continue
            error = error_from_response(self.service, response, self.secrets)
            # A throttled call was refused before anything happened, so even a create may be repeated.
            if error.throttled and self.on_throttle:
                self.on_throttle(_retry_after(response))
            retryable = error.throttled or (idempotent and response.status_code in RETRYABLE_STATUS)
            if retryable and attempt < self.retry.max_attempts:
                self._wait(attempt, _retry_after(response))
                continue
            self._record(method, path, response.status_code, response.headers.get("X-Request-Id"), attempt, started)
            if (
                not idempotent
                and not error.throttled
                and response.status_code in RETRYABLE_STATUS
                and not is_backup_running(error)
            ):
                # A 5xx on a create does not prove nothing was created: let the caller reconcile. (A backup
                # refused because one is already running is a 500 too, but says that nothing was done.)
                raise AnswerLost(self.service, method, path, str(error)) from error
            raise error

    def get(self, path: str, **kw: Any) -> Any:
        return _json(self.request("GET", path, **kw))

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return _json(self.request("POST", path, body=body, **kw))

    def delete(self, path: str, body: Any = None, **kw: Any) -> Any:
        return _json(self.request("DELETE", path, body=body, **kw))

    def _renewed_after(self, refusal: Answer) -> bool:
        """Token auth forgets its token on a 401 and gets a new one; AK/SK has nothing to renew. Huawei
        Cloud's 401 "Malformed request url" for a backup that does not exist is no credentials problem."""
        invalidate = getattr(self.auth, "invalidate", None)
        if not callable(invalidate) or is_malformed_url(error_from_response(self.service, refusal)):
            return False
        return bool(invalidate())

    def _wait(self, attempt: int, retry_after: float | None) -> None:
        delay = self.retry.delay(attempt, retry_after, self.rng)
        log.debug("%s: retrying in %.2fs (attempt %d)", self.service, delay, attempt + 1)
        self.sleep(delay)

    def _record(
        self, method: str, path: str, status: int | None, request_id: str | None, attempts: int, started: float
    ) -> None:
        log.debug("%s %s %s -> %s (%s, %d attempts)", self.service, method, path, status, request_id, attempts)
        if self.on_call:
            self.on_call(
                CallRecord(self.service, method, path, status, request_id, attempts, time.monotonic() - started)
            )


def _json(response: Answer) -> Any:
    if response.status_code == 204 or not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        return {}
