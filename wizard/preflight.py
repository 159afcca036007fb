"""Preflight before the first billable step (issue 10 item 7): the answers that make an ECS (the
temporary ECS of path 2, a test launch) are checked before anything is made.

First against the cloud's own lists: the availability zones (``GET /v2.1/{project_id}/os-availability-zone``,
OTC-ECS ``native_openstack_nova_apis/az/querying_azs.rst``), the flavors offered in that zone
(``GET /v1/{project_id}/cloudservers/flavors?availability_zone=``), the VPCs and their subnets, and the
disk types (EVS ``GET /v2/{project_id}/types``, OTC-EVS ``querying_evs_disk_types``). Then, for an
ECS whose image exists already, by sending the create itself with ``"dry_run": true``: ECS only
checks the request (image, flavor, network, quota, permission) and answers 202 when it would accept
it, or the error it would give (OTC-ECS ``apis_recommended/lifecycle_management/creating_ecss.rst``).

A wrong answer becomes a :class:`Problem` whose message names the valid choices (names and ids,
shortened when there are many) and the option that changes the answer; the runner fails the run
with it before its first step, so nothing is made (``wizard.runner``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wizard.cloud.errors import CloudError, CloudUnreachable, DryRunIgnored
from wizard.ownership import mark
from wizard.remedy import SERVER_OPTIONS, Action, Remedy, StepError
from wizard.status import StepStatus
from wizard.steps import CreateTempServer

if TYPE_CHECKING:
    from wizard.cloud.client import Clients
    from wizard.plan import Plan
    from wizard.steps import Step

SERVER_STEPS = ("create_temp_server", "test_launch")
SHOWN = 8  # valid choices listed before "and N more"


@dataclass(frozen=True)
class Problem:
    """One answer the cloud would refuse, for the step that would use it."""

    step: str  # the step's name
    key: str  # one of remedy.SERVER_OPTIONS, or "request" (the dry run refused the request as a whole)
    message: str
    code: str | None = None  # the cloud's code, when the dry run refused
    remedy: Remedy | None = None  # else: nothing was made; change the answer on resume, or give the run up

    def error(self) -> StepError:
        question = self.key if self.key in SERVER_OPTIONS else None
        remedy = self.remedy or Remedy(Action.CHANGE_ON_RESUME, "Nothing was made", question=question)
        return StepError(self.message, remedy, self.code, service="ecs" if self.code else None)


def choices(items: Iterable[str], shown: int = SHOWN) -> str:
    """``a, b, c`` or ``a, b, ... and 12 more``."""
    items = list(items)
    if not items:
        return "none"
    head = ", ".join(items[:shown])
    return head if len(items) <= shown else f"{head} and {len(items) - shown} more"


def servers_to_check(plan: Plan) -> list[Step]:
    """The steps that will make an ECS and have not started yet."""
    from wizard.change import started

    return [s for s in plan.steps if s.kind in SERVER_STEPS and not started(s) and s.status != StepStatus.SKIPPED]


def check(
    clients: Clients,
    plan: Plan,
    resolve: Callable[[Any], Any] | None = None,
    note: Callable[[str], None] = lambda text: None,
) -> list[Problem]:
    """Every problem with the ECSs the plan will make (at most one per step: the first found);
    ``note`` hears what else happened (a region that ignored the dry run, and what was done about it)."""
    steps = servers_to_check(plan)
    if not steps:
        return []
    resolve = resolve or plan.resolve
    lists = _Lists(clients)
    problems = []
    for step in steps:
        i = {k: resolve(v) for k, v in step.inputs.items()}
        problem = _against_lists(lists, step.name, i) or _dry_run(clients, step, resolve, plan.run_id, note)
        if problem is not None:
            problems.append(problem)
    return problems


class _Lists:
    """The cloud's lists, each read once, when first needed. A list the cloud does not give (no
    permission to read it, an outage) is None: that check is left to the create itself."""

    def __init__(self, clients: Clients):
        self.clients = clients
        self._cache: dict[str, Any] = {}

    def get(self, name: str, read: Callable[[], Any]) -> Any:
        if name not in self._cache:
            try:
                self._cache[name] = read()
            except (CloudError, CloudUnreachable):
                self._cache[name] = None
        return self._cache[name]

    def zones(self) -> list[str] | None:
        return self.get("zones", self.clients.ecs.list_availability_zones)

    def flavors(self, zone: str | None) -> list[Any] | None:
        return self.get(f"flavors {zone}", lambda: self.clients.ecs.list_flavors(availability_zone=zone))

    def vpcs(self) -> list[Any] | None:
        return self.get("vpcs", self.clients.vpc.list_vpcs)

    def subnets(self) -> list[Any] | None:
        return self.get("subnets", self.clients.vpc.list_subnets)

    def volume_types(self) -> list[Any] | None:
        return self.get("volume types", self.clients.evs.list_volume_types)


@dataclass(frozen=True)
class Offered:
    """The cloud's valid choices for an ECS in ``zone``, from the lists the checks read; None where the
    cloud does not give a list (that answer is then checked by the create itself)."""

    zones: list[str] | None
    flavors: list[Any] | None  # offered in the zone
    volume_types: list[str] | None  # available in the zone


def offered(clients: Clients, zone: str | None) -> Offered:
    lists = _Lists(clients)
    types = lists.volume_types()
    return Offered(
        lists.zones(),
        lists.flavors(zone),
        None if types is None else [t.name for t in types if not zone or t.available_in(zone)],
    )


def _against_lists(lists: _Lists, step: str, i: dict[str, Any]) -> Problem | None:
    for check in (_zone, _flavor, _network, _volume_type):
        problem = check(lists, step, i)
        if problem is not None:
            return problem
    return None


def _zone(lists: _Lists, step: str, i: dict[str, Any]) -> Problem | None:
    zone, zones = i.get("availability_zone"), lists.zones()
    if zone and zones is not None and zone not in zones:
        return Problem(step, "az", f"The availability zone {zone} does not exist here. Valid zones: {choices(zones)}.")
    return None


def _flavor(lists: _Lists, step: str, i: dict[str, Any]) -> Problem | None:
    zone, flavors = i.get("availability_zone"), lists.flavors(i.get("availability_zone"))
    if flavors is None or i["flavor_id"] in {f.id for f in flavors}:
        return None
    where = f" in {zone}" if zone else ""
    valid = choices(f"{f.id} ({f.vcpus} vCPU, {(f.ram_mb or 0) // 1024} GB)" for f in flavors)
    return Problem(step, "flavor", f"The flavor {i['flavor_id']} is not offered{where}. Valid flavors: {valid}.")


def _network(lists: _Lists, step: str, i: dict[str, Any]) -> Problem | None:
    vpcs, subnets = lists.vpcs(), lists.subnets()
    if vpcs is None:
        return None
    vpc = next((v for v in vpcs if v.id == i["vpc_id"]), None)
    if vpc is None:
        valid = choices(f"{v.name} ({v.id})" for v in vpcs)
        return Problem(step, "vpc", f"The VPC {i['vpc_id']} does not exist. Valid VPCs: {valid}.")
    if subnets is None:
        return None
    inside = [s for s in subnets if s.vpc_id == vpc.id]
    if i["subnet_id"] not in {s.id for s in inside}:
        valid = choices(f"{s.name} ({s.id}, {s.cidr})" for s in inside)
        return Problem(
            step, "subnet", f"The subnet {i['subnet_id']} is not in VPC {vpc.name} ({vpc.id}). Its subnets: {valid}."
        )
    return None


def _volume_type(lists: _Lists, step: str, i: dict[str, Any]) -> Problem | None:
    zone, types = i.get("availability_zone"), lists.volume_types()
    if types is None:
        return None
    names = [t.name for t in types if not zone or t.available_in(zone)]
    if i["volume_type"] in names:
        return None
    where = f" in {zone}" if zone else ""
    return Problem(
        step,
        "volume_type",
        f"The disk type {i['volume_type']} is not offered{where}. Valid disk types: {choices(names)}.",
    )


def _dry_run(
    clients: Clients, step: Step, resolve: Callable[[Any], Any], run_id: str, note: Callable[[str], None]
) -> Problem | None:
    """The create itself, sent with ``dry_run``, for an ECS whose image exists (a test launch's image
    is made later in the run: its answers were checked against the lists only)."""
    if step.kind != "create_temp_server":
        return None
    spec = CreateTempServer().spec(step, resolve, mark(run_id))  # the very request the create sends, tags too
    try:
        clients.ecs.check_create_server(spec)
    except DryRunIgnored as ignored:
        return _delete_what_it_made(clients, step, ignored, note)
    except CloudUnreachable:
        # No answer: the create itself will tell. Had the region made a server anyway, it carries the
        # run's mark, and the sweep after the create deletes it as surplus.
        return None
    except CloudError as error:
        if error.transient:
            return None
        return Problem(step.name, "request", f"ECS would refuse to create it: {error.message}", error.code)
    return None


def _delete_what_it_made(
    clients: Clients, step: Step, ignored: DryRunIgnored, note: Callable[[str], None]
) -> Problem | None:
    """The region ignored ``dry_run`` and started making the server: delete that one (it carries the
    run's mark, so a sweep or an abandon would find it too) and say so; the lists were checked."""
    made = ", ".join(ignored.resource_ids) or "a server"
    try:
        if ignored.resource_ids:
            clients.ecs.delete_servers(ignored.resource_ids)
    except (CloudError, CloudUnreachable) as error:
        return Problem(
            step.name,
            "request",
            f"This region ignored dry_run and started creating ECS {made}, which could not be deleted ({error}); "
            "it is billed while it exists",
            remedy=Remedy(Action.ABANDON, "It carries this run's mark"),
        )
    note(f"preflight: this region ignored dry_run and started creating ECS {made}; it was deleted again at once")
    return None
