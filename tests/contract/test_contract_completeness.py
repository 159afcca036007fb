"""Guard: a public client method added later must get its contract tests here too."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from wizard.cloud.cbr import CbrClient
from wizard.cloud.csbs import CsbsClient
from wizard.cloud.ecs import EcsClient, EvsClient, VpcClient
from wizard.cloud.ims import ImsClient

HERE = Path(__file__).parent


def test_every_public_service_client_method_is_called_by_the_contract_suite():
    sources = "\n".join(p.read_text() for p in HERE.glob("test_contract_*.py") if p.name != Path(__file__).name)
    sources += (HERE / "helpers.py").read_text()
    methods = [
        f"{cls.__name__}.{name}"
        for cls in (ImsClient, CbrClient, CsbsClient, EcsClient, VpcClient, EvsClient)
        for name, _ in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    ]
    assert len(methods) >= 30
    untested = [m for m in methods if not re.search(rf"\.{m.split('.')[1]}\(", sources)]
    assert untested == []
