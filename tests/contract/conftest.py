"""The contract suite: our API client (wizard.cloud) against the emulator over real loopback HTTP.

Clients are built the way a user builds them: environment variables -> ``wizard.config.resolve``
-> ``build_clients``. The emulator's clock is frozen (speed 0) and moved with ``clock.advance``;
the client's retry sleeps are recorded, not slept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from wizard.cloud.client import Clients, build_clients
from wizard.config import Settings, resolve
from wizard.sim import DEMO, BackgroundServer, Emulator

AKSK_ENV = {
    "HUAWEICLOUD_SDK_AK": DEMO.ak,
    "HUAWEICLOUD_SDK_SK": DEMO.sk,
    "HUAWEICLOUD_SDK_PROJECT_ID": DEMO.project_id,
}
PASSWORD_ENV = {
    "OS_USERNAME": DEMO.user,
    "OS_PASSWORD": DEMO.password,
    "OS_USER_DOMAIN_NAME": DEMO.domain,
}


def settings_from_env(url: str, variables: dict[str, str]) -> Settings:
    """``resolve()`` reading the real process environment, holding only ``variables`` + the endpoint."""
    with pytest.MonkeyPatch.context() as mp:
        import os

        for name in list(os.environ):
            if name.startswith(("HUAWEICLOUD_", "OS_", "ECS_WIZARD_")):
                mp.delenv(name)
        for name, value in {**variables, "ECS_WIZARD_ENDPOINT": url}.items():
            mp.setenv(name, value)
        nowhere = Path("/nonexistent-ecs-wizard-contract")
        return resolve(home=nowhere, cwd=nowhere)


def clients_from_env(url: str, variables: dict[str, str], **options: Any) -> Clients:
    """Clients built the way the wizard builds them, from ``settings_from_env(url, variables)``."""
    settings = settings_from_env(url, variables)
    return build_clients(settings, settings.require_credentials(), **options)


@dataclass
class Cloud:
    """One emulator served on loopback, and clients built against it."""

    emu: Emulator
    url: str
    clients: Clients
    sleeps: list[float] = field(default_factory=list)

    @property
    def ids(self) -> dict[str, str]:
        return self.emu.ids

    def connect(self, variables: dict[str, str] | None = None) -> Clients:
        """Another set of clients (other credentials) against the same emulator; same sleep recorder."""
        return clients_from_env(self.url, AKSK_ENV if variables is None else variables, sleep=self.sleeps.append)

    def requests(self, method: str, path_start: str) -> list[tuple[str, str, int]]:
        """What the emulator received (method, path, status; status 0 = answer lost)."""
        return [r for r in self.emu.request_log if r[0] == method and r[1].startswith(path_start)]

    def pid_path(self, suffix: str) -> str:
        return f"/v1/{DEMO.project_id}{suffix}"


@pytest.fixture
def open_cloud() -> Iterator:
    """Factory: ``open_cloud(scenario=..., scenario_params=..., env=...)`` -> a served :class:`Cloud`."""
    servers: list[BackgroundServer] = []

    def make(scenario: str = "demo", scenario_params: dict | None = None, env: dict[str, str] | None = None) -> Cloud:
        emu = Emulator(scenario=scenario, speed=0, scenario_params=scenario_params)
        server = BackgroundServer(emu)
        url = server.__enter__()
        servers.append(server)
        sleeps: list[float] = []
        clients = clients_from_env(url, AKSK_ENV if env is None else env, sleep=sleeps.append)
        return Cloud(emu, url, clients, sleeps)

    yield make
    for server in servers:
        server.__exit__(None, None, None)


@pytest.fixture
def cloud(open_cloud) -> Cloud:
    """A fresh demo emulator for tests that change state or add faults."""
    return open_cloud()


@pytest.fixture(scope="module")
def shared_cloud() -> Iterator[Cloud]:
    """One demo emulator per module for read-only tests (no faults, no clock moves, no writes)."""
    emu = Emulator(scenario="demo", speed=0)
    with BackgroundServer(emu) as url:
        sleeps: list[float] = []
        clients = clients_from_env(url, AKSK_ENV, sleep=sleeps.append)
        yield Cloud(emu, url, clients, sleeps)
