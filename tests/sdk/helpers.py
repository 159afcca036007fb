"""Building official-SDK clients against a served emulator, and checking what they received.

Imported only by test modules that have already called ``pytest.importorskip`` for the SDK packages.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from huaweicloudsdkcbr.v1 import CbrClient
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.http.http_handler import HttpHandler
from huaweicloudsdkecs.v2 import EcsClient
from huaweicloudsdkims.v2 import ImsClient

from wizard.sim import DEMO

SIGNED_HEADERS = re.compile(r"SignedHeaders=([^,\s]+)")

# Fields the emulator sends although the SDK 3.1.219 model has no attribute for them: each one is
# in the API documentation the emulator follows (the SDK then just drops it).
KNOWN_EXTRAS = {
    ("ImageInfo", "__whole_image"),  # IMS image attribute (reference §1.3); absent from the SDK model
    ("GlanceShowImageResponse", "__whole_image"),
    ("BackupExtendInfo", "incremental"),  # CBR backup extend_info.incremental (reference §3)
}


@dataclass
class Sdk:
    """Official SDK clients for one served emulator, and the header names of every request they signed."""

    ims: Any
    ecs: Any
    cbr: Any
    signed: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    """(method, url, signed header names) per request, taken from the Authorization header."""


def connect(url: str, ak: str = DEMO.ak, sk: str = DEMO.sk, project_id: str = DEMO.project_id) -> Sdk:
    """IMS, ECS and CBR clients built the documented way: ``BasicCredentials`` + ``with_endpoints``."""
    signed: list[tuple[str, str, tuple[str, ...]]] = []

    def record(request: Any = None, **_: Any) -> None:
        match = SIGNED_HEADERS.search(request.header_params.get("Authorization", ""))
        signed.append((request.method, request.url, tuple(match.group(1).split(";")) if match else ()))

    def build(client_type: Any) -> Any:
        config = HttpConfig.get_default_config()
        config.timeout = (5, 10)
        return (
            client_type.new_builder()
            .with_credentials(BasicCredentials(ak, sk, project_id))
            .with_endpoints([url])
            .with_http_config(config)
            .with_http_handler(HttpHandler().add_request_handler(record))
            .build()
        )

    return Sdk(build(ImsClient), build(EcsClient), build(CbrClient), signed)


def sdk_error(call: Callable[[], Any]) -> ClientRequestException:
    """The ``ClientRequestException`` the SDK raised for a 4xx answer."""
    with pytest.raises(ClientRequestException) as caught:
        call()
    return caught.value


def assert_fits_model(response: Any) -> None:
    """Every field of the raw answer is one the SDK's response model declares, with that JSON type.

    An unknown field name or a wrong type is what a real client would silently lose or mis-read."""
    package = importlib.import_module(type(response).__module__.rsplit(".", 1)[0])
    data = json.loads(response.raw_content) if response.raw_content else None
    problems = misfits(data, type(response).__name__, package)
    assert problems == [], f"{type(response).__name__}: the answer does not fit the SDK model:\n" + "\n".join(problems)


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "datetime": (str,),
    "date": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
}


def misfits(data: Any, type_name: str, package: Any, where: str = "$") -> list[str]:
    if data is None or type_name == "object":
        return []
    if type_name.startswith("list["):
        if not isinstance(data, list):
            return [f"{where}: a list expected, got {type(data).__name__}"]
        return [p for n, item in enumerate(data) for p in misfits(item, type_name[5:-1], package, f"{where}[{n}]")]
    if type_name.startswith("dict("):
        value_type = type_name[5:-1].split(", ", 1)[1]
        if not isinstance(data, dict):
            return [f"{where}: an object expected, got {type(data).__name__}"]
        return [p for k, v in data.items() for p in misfits(v, value_type, package, f"{where}.{k}")]
    if type_name in _JSON_TYPES:
        wanted = _JSON_TYPES[type_name]
        wrong = not isinstance(data, wanted) or (type_name in ("int", "float") and isinstance(data, bool))
        return [f"{where}: {type_name} expected, got {type(data).__name__} {data!r}"] if wrong else []
    model = getattr(package, type_name)
    if not model.openapi_types:  # an enumeration: the SDK keeps the plain value
        return []
    if not isinstance(data, dict):
        return [f"{where}: a {type_name} object expected, got {type(data).__name__}"]
    attribute_of = {wire: attr for attr, wire in model.attribute_map.items()}
    problems = []
    for key, value in data.items():
        if key not in attribute_of:
            if (type_name, key) not in KNOWN_EXTRAS:
                problems.append(f"{where}.{key}: not a field of {type_name}")
            continue
        problems += misfits(value, model.openapi_types[attribute_of[key]], package, f"{where}.{key}")
    return problems


def call(method: Callable[[Any], Any], request: Any) -> Any:
    """``method(request)``, checking that the answer fits the SDK's response model."""
    response = method(request)
    assert_fits_model(response)
    return response
