"""Authentication: AK/SK request signing (SDK-HMAC-SHA256) and IAM password tokens.

Signing follows the Huawei Cloud SDK's "SDK-HMAC-SHA256" algorithm (reference §5.2): the headers the
official signer signs are signed (see :data:`SIGNED_HEADERS`), never the ones ``requests`` or a proxy
adds or rewrites on the way; the canonical URI gets a trailing slash the wire path does not carry; the
query is sorted and percent-encoded (space as %20) and sent on the wire in that same order; the
signature is a plain HMAC-SHA256 of the string to sign with the SK as key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, TypeVar
from urllib.parse import quote, unquote, urlsplit

from wizard.cloud.secrets import Secret

if TYPE_CHECKING:
    from wizard.cloud.http import Transport

ALGORITHM = "SDK-HMAC-SHA256"
EMPTY_BODY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
# The headers the official signer signs: the SDK signs the headers it set itself before ``requests``
# adds its own (huaweicloud-sdk-python-v3, huaweicloudsdkcore/signer/signer.py ``_process_signed_headers``
# over the SDK's ``header_params``: Content-Type, Host, User-Agent, X-Project-Id, X-Sdk-Date, plus
# X-Security-Token for temporary credentials). Hop-by-hop headers such as Connection, and
# Accept-Encoding, may be rewritten by a proxy or load balancer, which would break the signature
# (401 APIGW.0301); reference §10 item 2. A request signs those of these it carries.
SIGNED_HEADERS = frozenset({"content-type", "host", "user-agent", "x-project-id", "x-sdk-date", "x-security-token"})
# Unreserved characters plus "~" stay literal in canonical paths and queries.
_SAFE = "-_.~"


def _encode(value: str) -> str:
    return quote(value, safe=_SAFE)


def encode_query(params: Mapping[str, object] | Iterable[tuple[str, object]] | None) -> str:
    """The canonical query string, which is also what goes on the wire.

    Keys are sorted; list values become repeated ``k=v`` pairs sorted by value; booleans are
    lowercased; ``None`` values are dropped.
    """
    if not params:
        return ""
    items = params.items() if isinstance(params, Mapping) else params
    pairs: list[tuple[str, str]] = []
    for key, value in items:
        if value is None:
            continue
        values = value if isinstance(value, (list, tuple, set)) else [value]
        for v in values:
            if isinstance(v, bool):
                v = "true" if v else "false"
            pairs.append((_encode(str(key)), _encode(str(v))))
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def canonical_uri(path: str) -> str:
    segments = [_encode(unquote(segment)) for segment in path.split("/")]
    uri = "/".join(segments) or "/"
    return uri if uri.endswith("/") else uri + "/"


def canonical_query_from_url(query: str) -> str:
    pairs = []
    for part in query.split("&") if query else []:
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return encode_query(pairs)


def sdk_date(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True)
class SignedParts:
    """The intermediate strings of one signature and the signature itself (the test vectors check each)."""

    canonical_request: str
    string_to_sign: str
    signed_headers: str
    signature: str


def sign(
    method: str, url: str, headers: Mapping[str, str], body: bytes | None, ak: str, sk: Secret | str
) -> SignedParts:
    """Sign a request whose headers already include ``X-Sdk-Date`` and ``Host``.

    Only :data:`SIGNED_HEADERS` are signed (those of them the request carries). Pure function over
    its inputs, so the reference's test vectors check it exactly.
    """
    parts = urlsplit(url)
    lowered = {name.lower(): str(value) for name, value in headers.items()}
    signed_names = sorted(name for name in lowered if name in SIGNED_HEADERS)
    canonical_headers = "".join(f"{name}:{lowered[name].strip()}\n" for name in signed_names)
    signed_headers = ";".join(signed_names)
    payload_hash = _payload_hash(lowered, body)
    canonical_request = "\n".join(
        [
            method.upper(),
            canonical_uri(parts.path),
            canonical_query_from_url(parts.query),
            canonical_headers,
            signed_headers,
            payload_hash,
        ]
    )
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    string_to_sign = f"{ALGORITHM}\n{lowered['x-sdk-date']}\n{digest}"
    key = sk.reveal() if isinstance(sk, Secret) else sk
    signature = hmac.new(key.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
    return SignedParts(canonical_request, string_to_sign, signed_headers, signature)


def _payload_hash(lowered_headers: Mapping[str, str], body: bytes | None) -> str:
    if lowered_headers.get("x-sdk-content-sha256") == "UNSIGNED-PAYLOAD":
        return "UNSIGNED-PAYLOAD"
    return hashlib.sha256(body or b"").hexdigest() if body else EMPTY_BODY_SHA256


def authorization_header(ak: str, parts: SignedParts) -> str:
    return f"{ALGORITHM} Access={ak}, SignedHeaders={parts.signed_headers}, Signature={parts.signature}"


class OutgoingRequest(Protocol):
    """A request about to be sent, as an auth hook sees it (``requests.PreparedRequest`` is one)."""

    @property
    def method(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def headers(self) -> MutableMapping[str, str]: ...
    @property
    def body(self) -> bytes | str | None: ...


Outgoing = TypeVar("Outgoing", bound=OutgoingRequest)


class AkSkAuth:
    """Auth hook (any transport's, requests' included) that signs each outgoing request with AK/SK."""

    def __init__(
        self,
        ak: str,
        sk: Secret,
        project_id: str | None = None,
        security_token: Secret | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.ak = ak
        self.sk = sk if isinstance(sk, Secret) else Secret(sk)
        self.project_id = project_id
        self.security_token = security_token
        self._clock = clock

    def __repr__(self) -> str:
        return f"AkSkAuth(ak={self.ak[:4]}…, sk={self.sk!r})"

    def __call__(self, request: Outgoing) -> Outgoing:
        url = request.url or ""
        request.headers.setdefault("Host", urlsplit(url).netloc)
        request.headers["X-Sdk-Date"] = sdk_date(self._clock() if self._clock else None)
        if self.project_id:
            request.headers["X-Project-Id"] = self.project_id
        if self.security_token:
            request.headers["X-Security-Token"] = self.security_token.reveal()
        body = request.body.encode() if isinstance(request.body, str) else request.body
        parts = sign(request.method or "GET", url, request.headers, body, self.ak, self.sk)
        request.headers["Authorization"] = authorization_header(self.ak, parts)
        return request

    # The HTTP layer calls these on a 401; AK/SK has nothing to refresh.
    def invalidate(self) -> bool:
        return False


@dataclass
class _Token:
    """An IAM token, when it expires (epoch seconds) and the project it is scoped to."""

    value: Secret
    expires_at: float
    project_id: str | None


@dataclass
class PasswordAuth:
    """IAM password authentication: a project-scoped token, cached until shortly before expiry.

    ``POST {iam}/v3/auth/tokens`` answers 201 with the token in the ``X-Subject-Token`` header
    and ``token.expires_at`` / ``token.project.id`` in the body (reference §5.1).
    """

    iam_endpoint: str
    user: str
    password: Secret
    domain: str
    project_id: str | None = None
    project_name: str | None = None
    session: Transport | None = None
    verify: bool = True
    refresh_margin: float = 300.0
    timeout: tuple[float, float] = (5.0, 30.0)
    wall_clock: Callable[[], float] = time.time
    _token: _Token | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __repr__(self) -> str:
        return f"PasswordAuth(user={self.user!r}, domain={self.domain!r}, password={self.password!r})"

    def token(self) -> _Token:
        with self._lock:
            if self._token is None or self.wall_clock() >= self._token.expires_at - self.refresh_margin:
                self._token = self._request_token()
            return self._token

    def invalidate(self) -> bool:
        """Forget the cached token (after a 401) so the next request gets a new one."""
        with self._lock:
            had = self._token is not None
            self._token = None
            return had

    def resolved_project_id(self) -> str | None:
        return self.project_id or self.token().project_id

    def __call__(self, request: Outgoing) -> Outgoing:
        request.headers["X-Auth-Token"] = self.token().value.reveal()
        return request

    def _request_token(self) -> _Token:
        from wizard.cloud.http import CloudUnreachable, error_from_response

        scope = {"id": self.project_id} if self.project_id else {"name": self.project_name}
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": self.user,
                            "password": self.password.reveal(),
                            "domain": {"name": self.domain},
                        }
                    },
                },
                "scope": {"project": scope},
            }
        }
        from wizard.cloud.http import requests_session, unreachable_kind

        session = self.session or requests_session()
        url = self.iam_endpoint.rstrip("/") + "/v3/auth/tokens?nocatalog=true"
        data = json.dumps(body).encode()
        try:
            response = session.request(
                "POST",
                url,
                data=data,
                headers={"Content-Type": "application/json"},
                timeout=self.timeout,
                verify=self.verify,
            )
        except OSError as exc:  # no answer (requests' exceptions are OSErrors too)
            raise CloudUnreachable("iam", "POST", url, type(exc).__name__, unreachable_kind(exc)) from None
        if response.status_code != 201:
            raise error_from_response("iam", response, secrets=[self.password])
        value = response.headers.get("X-Subject-Token", "")
        token = (response.json() or {}).get("token", {})
        return _Token(
            value=Secret(value),
            expires_at=_parse_time(token.get("expires_at")) or self.wall_clock() + 3600,
            project_id=(token.get("project") or {}).get("id"),
        )


def _parse_time(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
