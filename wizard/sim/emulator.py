"""The :class:`Emulator`: one emulated project behind one WSGI app."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from wizard.sim.account import DEMO
from wizard.sim.app import SimApp
from wizard.sim.clock import VirtualClock
from wizard.sim.faults import Effects, FaultRule, FaultSet
from wizard.sim.profiles import DEFAULT, profile_named
from wizard.sim.scenarios import seed as seed_scenario
from wizard.sim.state import State
from wizard.sim.transport import InProcessTransport

if TYPE_CHECKING:
    import requests


class Emulator:
    """An offline IMS/CBR/CSBS/ECS/IAM (+ minimal VPC) cloud.

    ``speed``           virtual seconds per real second (0 freezes time: move it with ``clock.advance``)
    ``faults``          initial :class:`FaultRule` list (or rule strings)
    ``scenario_params`` e.g. ``{"n": 1000}`` for ``large``; ``image_quota``/``server_quota`` for any
    ``credentials``     extra AK -> SK pairs accepted besides the demo pair
    ``wall_clock``      real time used to check ``X-Sdk-Date`` (injectable for tests)
    ``start``           virtual epoch at creation (default: the real time now)
    ``seed``            seeds resource ids and the fault RNG (runs repeat exactly)
    ``profile``         which cloud it is: ``otc`` (default) or ``hwc`` (:mod:`wizard.sim.profiles`)
    """

    def __init__(
        self,
        scenario: str = "demo",
        speed: float = 60.0,
        faults: Iterable[FaultRule | str] = (),
        scenario_params: dict[str, Any] | None = None,
        *,
        credentials: dict[str, str] | None = None,
        wall_clock: Callable[[], float] = time.time,
        start: float | None = None,
        seed: int = 0,
        profile: str = DEFAULT,
    ) -> None:
        self.profile = profile_named(profile)
        self.clock = VirtualClock(speed=speed, start=start)
        self.state = State(
            clock=self.clock.now,
            project_id=DEMO.project_id,
            region=self.profile.region,
            seed=seed,
            availability_zones=list(self.profile.availability_zones),
        )
        self.ids: dict[str, str] = seed_scenario(self.state, scenario, scenario_params)
        self.scenario = scenario
        self.world_id = uuid.uuid4().hex  # not seeded: two emulators of one scenario are different worlds
        self.generation = 0  # how many times this world was saved (wizard.sim.snapshot)
        self.faults = FaultSet([FaultRule.parse(f) if isinstance(f, str) else f for f in faults], seed=seed)
        self.credentials: dict[str, str] = {DEMO.ak: DEMO.sk, **(credentials or {})}
        self.wall_clock = wall_clock
        self.request_log: list[tuple[str, str, int]] = []
        self.app = SimApp(self)

    def add_fault(self, rule: FaultRule | str) -> FaultRule:
        rule = FaultRule.parse(rule) if isinstance(rule, str) else rule
        with self.app.lock:
            self.faults.add(rule)
        return rule

    def clear_faults(self) -> None:
        with self.app.lock:
            self.faults.clear()

    def faults_effects(self, service: str, operation: str) -> Effects:
        with self.app.lock:
            return self.faults.effects(service, operation)

    def transport(self) -> InProcessTransport:
        """A transport for the cloud client whose requests to ``DEMO.endpoint`` reach this emulator in
        process (the demo's clients use it: it needs no ``requests``)."""
        return InProcessTransport(self.app, DEMO.endpoint)

    def session(self) -> requests.Session:
        """A ``requests.Session`` whose requests to ``DEMO.endpoint`` reach this emulator in-process."""
        import requests

        from wizard.sim.requests_adapter import InProcessAdapter

        session = requests.Session()
        # No proxy can stand between a client and an emulator in its own process, so the proxy
        # variables are not read: requests would scan the environment on every call.
        session.trust_env = False
        session.mount(DEMO.endpoint, InProcessAdapter(self.app))
        return session

    def __repr__(self) -> str:
        return f"Emulator(scenario={self.scenario!r}, profile={self.profile.name!r}, clock={self.clock!r})"
