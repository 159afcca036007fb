"""The contract suite: our API client (wizard.cloud) against the emulator over real loopback HTTP.

Every test runs against both emulated clouds (``profile``: ``otc`` and ``hwc``, see
:mod:`wizard.sim.profiles`). Clients are built the way a user builds them: the variables
``ecs-wizard sim serve --profile P`` exports -> ``wizard.config.resolve`` -> ``build_clients``. The
emulator's clock is frozen (speed 0) and moved with ``clock.advance``; the client's retry sleeps are
recorded, not slept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from wizard.cloud.client import Clients, build_clients
from wizard.config import Settings, resolve
from wizard.sim import DEMO, BackgroundServer, Emulator, export_lines
from wizard.sim.profiles import PROFILES

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
    """``resolve()`` reading the real process environment, holding only ``variables`` + the endpoint
    (``url`` for every service, unless ``variables`` name each service's)."""
    with pytest.MonkeyPatch.context() as mp:
        import os

        for name in list(os.environ):
            if name.startswith(("HUAWEICLOUD_", "OS_", "ECS_WIZARD_")):
                mp.delenv(name)
        per_service = any(name.startswith("ECS_WIZARD_ENDPOINT_") for name in variables)
        for name, value in {**variables, **({} if per_service else {"ECS_WIZARD_ENDPOINT": url})}.items():
            mp.setenv(name, value)
        nowhere = Path("/nonexistent-ecs-wizard-contract")
        return resolve(home=nowhere, cwd=nowhere)


def exported(url: str, profile: str) -> dict[str, str]:
    """The variables ``eval "$(ecs-wizard sim serve --profile PROFILE)"`` sets in a shell."""
    env = {}
    for line in export_lines(url, PROFILES[profile]):
        name, _, value = line.removeprefix("export ").partition("=")
        env[name] = value.split("#")[0].strip()
    return env


def cloud_env(emu: Emulator, url: str, variables: dict[str, str] | None) -> dict[str, str]:
    """``variables`` in the emulator's region (both families' region variables: each reads its own),
    or by default what its ``sim serve`` exports."""
    if variables is None:
        return exported(url, emu.profile.name)
    region = emu.profile.region
    return {"OS_REGION_NAME": region, "HUAWEICLOUD_SDK_REGION": region, **variables}


def served(emu: Emulator, url: str, env: dict[str, str] | None = None) -> Cloud:
    """A :class:`Cloud` for an emulator served at ``url``, its clients built from ``env`` (see cloud_env)."""
    sleeps: list[float] = []
    return Cloud(emu, url, clients_from_env(url, cloud_env(emu, url, env), sleep=sleeps.append), sleeps)


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

    @property
    def profile(self) -> str:
        return self.emu.profile.name

    def connect(self, variables: dict[str, str] | None = None) -> Clients:
        """Another set of clients (other credentials) against the same emulator; same sleep recorder."""
        return clients_from_env(self.url, cloud_env(self.emu, self.url, variables), sleep=self.sleeps.append)

    def requests(self, method: str, path_start: str) -> list[tuple[str, str, int]]:
        """What the emulator received (method, path, status; status 0 = answer lost)."""
        return [r for r in self.emu.request_log if r[0] == method and r[1].startswith(path_start)]

    def pid_path(self, suffix: str) -> str:
        return f"/v1/{DEMO.project_id}{suffix}"


@pytest.fixture(scope="module", params=sorted(PROFILES))
def profile(request: pytest.FixtureRequest) -> str:
    """The emulated cloud: every contract test runs against each (pytest groups a module's tests by it)."""
    return str(request.param)


@pytest.fixture
def open_cloud(profile: str) -> Iterator:
    """Factory: ``open_cloud(scenario=..., scenario_params=..., env=...)`` -> a served :class:`Cloud`."""
    servers: list[BackgroundServer] = []

    def make(scenario: str = "demo", scenario_params: dict | None = None, env: dict[str, str] | None = None) -> Cloud:
        emu = Emulator(scenario=scenario, speed=0, scenario_params=scenario_params, profile=profile)
        server = BackgroundServer(emu)
        url = server.__enter__()
        servers.append(server)
        return served(emu, url, env)

    yield make
    for server in servers:
        server.__exit__(None, None, None)


@pytest.fixture
def cloud(open_cloud) -> Cloud:
    """A fresh demo emulator for tests that change state or add faults."""
    return open_cloud()


@pytest.fixture(scope="module")
def shared_cloud(profile: str) -> Iterator[Cloud]:
    """One demo emulator per module and profile for read-only tests (no faults, no clock moves, no writes)."""
    emu = Emulator(scenario="demo", speed=0, profile=profile)
    with BackgroundServer(emu) as url:
        yield served(emu, url)
