"""The emulator's own verification of "SDK-HMAC-SHA256" AK/SK signatures (reference §5.2).

Canonical request::

    METHOD \\n CANONICAL_URI \\n CANONICAL_QUERY \\n CANONICAL_HEADERS \\n SIGNED_HEADERS \\n PAYLOAD_HASH

* canonical URI: URL-decoded path, each segment percent-encoded (unreserved + ``~`` safe), with a
  trailing ``/`` appended when missing (the wire path has none);
* canonical query: pairs sorted by key then value, key and value percent-encoded (space -> ``%20``);
* canonical headers: ``name:value.strip()\\n`` for every signed header (so the block ends with a
  newline and the canonical request has a blank line after it);
* payload hash: hex SHA-256 of the body, or the literal ``UNSIGNED-PAYLOAD`` when the request says so
  in ``X-Sdk-Content-Sha256``.

String to sign = ``SDK-HMAC-SHA256\\n<X-Sdk-Date>\\n<hex sha256(canonical request)>``; the signature
is hex HMAC-SHA256 keyed with the SK bytes. The server side accepts whatever header set the client
chose to sign, as long as it includes ``host`` and ``x-sdk-date``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from calendar import timegm
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_SKEW_SECONDS = 15 * 60
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"

_AUTH_RE = re.compile(
    r"^\s*SDK-HMAC-SHA256\s+Access=(?P<ak>[^,\s]+)\s*,\s*SignedHeaders=(?P<sh>[^,\s]+)\s*,\s*Signature=(?P<sig>[0-9a-fA-F]+)\s*$"
)


def _enc(text: str) -> str:
    return quote(text, safe="-_.~")


def canonical_uri(path: str) -> str:
    segments = unquote(path).split("/")
    uri = "/".join(_enc(s) for s in segments)
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(pairs: Sequence[tuple[str, str]]) -> str:
    return "&".join(f"{_enc(k)}={_enc(v)}" for k, v in sorted(pairs))


def canonical_headers(headers: Mapping[str, str], signed: Sequence[str]) -> str:
    lowered = {k.lower(): v for k, v in headers.items()}
    return "".join(f"{name}:{lowered.get(name, '').strip()}\n" for name in signed)


def canonical_request(
    method: str,
    path: str,
    query_pairs: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    signed: Sequence[str],
    payload_hash: str,
) -> str:
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query(query_pairs),
            canonical_headers(headers, signed),
            ";".join(signed),
            payload_hash,
        ]
    )


def payload_hash(body: bytes, headers: Mapping[str, str]) -> str:
    lowered = {k.lower(): v for k, v in headers.items()}
    if lowered.get("x-sdk-content-sha256", "").strip() == UNSIGNED_PAYLOAD:
        return UNSIGNED_PAYLOAD
    return hashlib.sha256(body).hexdigest()


def string_to_sign(sdk_date: str, canonical: str) -> str:
    return f"{ALGORITHM}\n{sdk_date}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"


def sign(sk: str, sdk_date: str, canonical: str) -> str:
    return hmac.new(sk.encode("utf-8"), string_to_sign(sdk_date, canonical).encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class AuthHeader:
    """The parts of an ``Authorization: SDK-HMAC-SHA256 ...`` header."""

    access: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str) -> AuthHeader | None:
    match = _AUTH_RE.match(value or "")
    if not match:
        return None
    signed = tuple(h.strip().lower() for h in match.group("sh").split(";") if h.strip())
    return AuthHeader(match.group("ak"), signed, match.group("sig").lower())


class SignatureError(Exception):
    """Why a signed request was refused (the message goes into the 401 body)."""


def parse_sdk_date(value: str) -> float:
    """Seconds since the epoch of ``YYYYMMDDTHHMMSSZ`` (:data:`DATE_FORMAT`), read by hand:
    ``time.strptime`` builds its locale tables and compiles its patterns on first use, which a
    demo's first call would pay."""
    text = value.strip()
    try:
        if len(text) != 16 or text[8] != "T" or text[15] != "Z" or not (text[:8] + text[9:15]).isdigit():
            raise ValueError(text)
        moment = datetime(
            int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[9:11]), int(text[11:13]), int(text[13:15])
        )
        return float(timegm(moment.timetuple()))
    except ValueError:
        raise SignatureError(f"X-Sdk-Date {value!r} is not in the format YYYYMMDDTHHMMSSZ") from None


def verify(
    *,
    method: str,
    path: str,
    query_pairs: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
    credentials: Mapping[str, str],
    wall_now: float,
    max_skew: float = MAX_SKEW_SECONDS,
) -> str:
    """Check an AK/SK-signed request; return the AK, or raise :class:`SignatureError`."""
    lowered = {k.lower(): v for k, v in headers.items()}
    auth = parse_authorization(lowered.get("authorization", ""))
    if auth is None:
        raise SignatureError("Authorization header is not a valid SDK-HMAC-SHA256 header")
    if auth.access not in credentials:
        raise SignatureError(f"access key {auth.access} does not exist")
    for required in ("host", "x-sdk-date"):
        if required not in auth.signed_headers:
            raise SignatureError(f"signed headers must include {required}")
    missing = [h for h in auth.signed_headers if h not in lowered]
    if missing:
        raise SignatureError(f"signed header(s) absent from the request: {', '.join(missing)}")
    sdk_date = lowered["x-sdk-date"].strip()
    signed_at = parse_sdk_date(sdk_date)
    if abs(wall_now - signed_at) > max_skew:
        raise SignatureError("X-Sdk-Date is more than 15 minutes away from the server time (check the clock)")
    canonical = canonical_request(method, path, query_pairs, lowered, auth.signed_headers, payload_hash(body, lowered))
    expected = sign(credentials[auth.access], sdk_date, canonical)
    if not hmac.compare_digest(expected, auth.signature):
        raise SignatureError("verify aksk signature fail")
    return auth.access
