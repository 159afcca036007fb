"""A raw-requests AK/SK signer written for the tests, independently of wizard.sim.signing."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import requests

from wizard.sim import DEMO, Emulator


def _pct(s: str) -> str:
    out = []
    for ch in s.encode("utf-8"):
        c = chr(ch)
        if c.isascii() and (c.isalnum() or c in "-_.~"):
            out.append(c)
        else:
            out.append(f"%{ch:02X}")
    return "".join(out)


def signature_for(method: str, url: str, headers: dict[str, str], body: bytes, sk: str, signed: list[str]) -> str:
    parts = urlsplit(url)
    path = "/".join(_pct(seg) for seg in unquote(parts.path).split("/"))
    if not path.endswith("/"):
        path += "/"
    pairs = sorted(parse_qsl(parts.query, keep_blank_values=True))
    query = "&".join(_pct(k) + "=" + _pct(v) for k, v in pairs)
    low = {k.lower(): str(v).strip() for k, v in headers.items()}
    block = "".join(f"{h}:{low[h]}\n" for h in signed)
    canonical = f"{method}\n{path}\n{query}\n{block}\n{';'.join(signed)}\n{hashlib.sha256(body).hexdigest()}"
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"SDK-HMAC-SHA256\n{low['x-sdk-date']}\n{digest}"
    return hmac.new(sk.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


class Signer(requests.auth.AuthBase):
    """Signs every header present (like the SDK) or only ``only`` headers; ``skew`` shifts the date."""

    def __init__(
        self,
        ak: str = DEMO.ak,
        sk: str = DEMO.sk,
        only: list[str] | None = None,
        skew: float = 0.0,
        date: str | None = None,
    ) -> None:
        self.ak, self.sk, self.only, self.skew, self.date = ak, sk, only, skew, date

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["X-Sdk-Date"] = self.date or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() + self.skew))
        r.headers.setdefault("Host", urlsplit(r.url).netloc)
        body = r.body or b""
        body = body.encode() if isinstance(body, str) else body
        signed = self.only or sorted(
            h.lower() for h in r.headers if h.lower() not in ("authorization", "content-length")
        )
        sig = signature_for(r.method, r.url, dict(r.headers), body, self.sk, signed)
        r.headers["Authorization"] = (
            f"SDK-HMAC-SHA256 Access={self.ak}, SignedHeaders={';'.join(signed)}, Signature={sig}"
        )
        return r


class Api:
    """Signed JSON calls against an emulator (in-process by default, or any base URL)."""

    def __init__(
        self, emu: Emulator, base: str | None = None, session: requests.Session | None = None, auth: Any = None
    ) -> None:
        self.emu = emu
        self.base = base or DEMO.endpoint
        self.s = session or (emu.session() if base is None else requests.Session())
        self.auth = auth or Signer()
        self.pid = DEMO.project_id

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> requests.Response:
        path = path.replace("{pid}", self.pid)
        return self.s.request(method, self.base + path, json=body, params=params or None, auth=self.auth, timeout=10)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.call("GET", path, **params)

    def post(self, path: str, body: Any) -> requests.Response:
        return self.call("POST", path, body)

    def ok(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        r = self.call(method, path, body, **params)
        assert r.status_code < 300, (r.status_code, r.text)
        return r.json() if r.content else None

    def err(self, method: str, path: str, body: Any = None, **params: Any) -> tuple[int, str, str]:
        """(status, code, message) of an error answer, whatever the service's body format."""
        r = self.call(method, path, body, **params)
        data = r.json()
        if "error" in data:
            return r.status_code, data["error"]["code"], data["error"]["message"]
        if "error_code" in data:
            return r.status_code, data["error_code"], data["error_msg"]
        return r.status_code, data["code"], data["message"]


CSBS_PROVIDER = "fc4d5750-22e7-4798-8a46-f48f62c4c1da"


def server_body(emu: Emulator, image: str, name: str = "tmp", **over: Any) -> dict[str, Any]:
    server = {
        "imageRef": image,
        "flavorRef": emu.ids["flavor_medium"],
        "name": name,
        "vpcid": emu.ids["vpc_id"],
        "nics": [{"subnet_id": emu.ids["subnet_id"]}],
        "root_volume": {"volumetype": "SAS"},
        "count": 1,
    }
    server.update(over)
    return {"server": server}


def vault_body(name: str, size: int, servers: list[str]) -> dict[str, Any]:
    return {
        "vault": {
            "name": name,
            "resources": [{"id": s, "type": "OS::Nova::Server"} for s in servers],
            "billing": {
                "consistent_level": "crash_consistent",
                "object_type": "server",
                "protect_type": "backup",
                "size": size,
            },
        }
    }


def checkpoint_body(vault_id: str, server: str, incremental: bool = False) -> dict[str, Any]:
    return {
        "checkpoint": {
            "vault_id": vault_id,
            "parameters": {"resources": [server], "name": "bk", "incremental": incremental},
        }
    }


def protect_body(incremental: bool = False) -> dict[str, Any]:
    return {"protect": {"backup_name": "bk", "incremental": incremental, "resource_type": "OS::Nova::Server"}}
