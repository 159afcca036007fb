"""``wizard.sim``: an offline IMS/CBR/CSBS/ECS/IAM (+ minimal VPC) cloud emulator.

It imports only the standard library (its HTTP server, :mod:`wizard.sim.server`, is the standard
library's, keeping connections alive; in process the emulator answers through :mod:`wizard.sim.wsgi`)
and requests (for :meth:`Emulator.session` alone), never the rest of ``wizard``: the emulator and the
client are independent readings of the same API documents.

Public API::

    from wizard.sim import Emulator, DEMO, FaultRule, InProcessAdapter, serve, export_lines

    emu = Emulator(scenario="demo", speed=0)
    session = emu.session()            # requests.Session reaching the emulator at DEMO.endpoint
    transport = emu.transport()        # the same without requests (what the demo's clients use)
    emu.clock.advance(60)              # virtual time; statuses are computed from it when read
    emu.add_fault(FaultRule.parse("ims.create_whole_image:first=1:status=500"))

Demo credentials (:data:`DEMO`): AK ``DEMOAK0000000000WIZ``, SK
``DEMOSK0000000000000000000000000000WIZARD``, project ``5ca1ab1e0000400080000000000de000``, region
``eu-de``; IAM password auth with user ``demo-user``, password ``demo-password``, domain
``demo-domain``. Durations: :mod:`wizard.sim.durations`. Scenarios and ``emu.ids`` keys:
:mod:`wizard.sim.scenarios`. Fault syntax and operation names: :mod:`wizard.sim.faults`.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Names resolve on first use, so that reading DEMO (the settings do, for --demo) does not import
# the whole emulator before the first screen is painted.
_HOMES = {
    "DEMO": "account",
    "DemoAccount": "account",
    "VirtualClock": "clock",
    "Emulator": "emulator",
    "ApiError": "errors",
    "LostResponse": "errors",
    "OPERATIONS": "faults",
    "FaultRule": "faults",
    "all_operations": "faults",
    "BackgroundServer": "server",
    "export_lines": "server",
    "make_http_server": "server",
    "serve": "server",
    "InProcessAdapter": "requests_adapter",
    "InProcessTransport": "transport",
}
# Spelled out (not list(_HOMES)) so that linters and type checkers see the re-exports below.
__all__ = [
    "DEMO",
    "DemoAccount",
    "VirtualClock",
    "Emulator",
    "ApiError",
    "LostResponse",
    "OPERATIONS",
    "FaultRule",
    "all_operations",
    "BackgroundServer",
    "export_lines",
    "make_http_server",
    "serve",
    "InProcessAdapter",
    "InProcessTransport",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'wizard.sim' has no attribute {name!r}")
    value = getattr(import_module(f"wizard.sim.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from wizard.sim.account import DEMO, DemoAccount
    from wizard.sim.clock import VirtualClock
    from wizard.sim.emulator import Emulator
    from wizard.sim.errors import ApiError, LostResponse
    from wizard.sim.faults import OPERATIONS, FaultRule, all_operations
    from wizard.sim.requests_adapter import InProcessAdapter
    from wizard.sim.server import BackgroundServer, export_lines, make_http_server, serve
    from wizard.sim.transport import InProcessTransport
