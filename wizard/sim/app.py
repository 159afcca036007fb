"""The WSGI application: routing, authentication, fault effects and the handlers.

One base URL serves every service. Error bodies follow each service: IMS/ECS/IAM nest
``{"error": {"code", "message"}}``, CBR/CSBS are flat ``{"error_code", "error_msg"}``, VPC is
``{"code", "message"}``; the API gateway's own refusals (authentication, unknown path) are flat
``{"error_code", "error_msg", "request_id"}`` with ``APIGW.*`` codes. Every response carries
``X-Request-Id``.

Emulator-specific choices (no document gives them): an unknown job id answers 404 with code
``SIM.0404``; a wrong method answers 405 with code ``SIM.0405`` and an ``Allow`` header.
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from calendar import timegm
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from wizard.sim import actions, views
from wizard.sim import durations as D
from wizard.sim.clock import iso_ms_z
from wizard.sim.errors import ApiError, LostResponse
from wizard.sim.faults import CREATING_OPERATIONS, MUTATING_OPERATIONS, Effects, FaultRule
from wizard.sim.profiles import MALFORMED_URL
from wizard.sim.signing import SignatureError, verify
from wizard.sim.state import VOLUME_TYPES, Job, LateAction, State
from wizard.sim.wsgi import MethodNotAllowed, RouteNotFound, Routes, SimRequest, environ_for, http_date, respond

if TYPE_CHECKING:
    from wizard.sim.emulator import Emulator

ROUTES = Routes(
    [
        ("/v3/auth/tokens", ("POST",), "iam.create_token"),
        ("/v3", ("GET",), "iam.get_version"),
        ("/v3/", ("GET",), "iam.get_version"),
        ("/", ("GET",), "ims.list_versions"),
        ("/v2/cloudimages", ("GET",), "ims.list_images"),
        ("/v2/images/<image_id>", ("GET",), "ims.get_image"),
        ("/v2/images/<image_id>", ("DELETE",), "ims.delete_image"),
        ("/v1/cloudimages/wholeimages/action", ("POST",), "ims.create_whole_image"),
        ("/v1/cloudimages/job/<job_id>", ("GET",), "ims.get_job_progress"),
        ("/v1/cloudimages/quota", ("GET",), "ims.get_quota"),
        ("/v1/<pid>/jobs/<job_id>", ("GET",), "jobs.get_job"),
        ("/v3/<pid>/vaults", ("GET",), "cbr.list_vaults"),
        ("/v3/<pid>/vaults", ("POST",), "cbr.create_vault"),
        ("/v3/<pid>/vaults/<vault_id>", ("GET",), "cbr.get_vault"),
        ("/v3/<pid>/vaults/<vault_id>", ("DELETE",), "cbr.delete_vault"),
        ("/v3/<pid>/vault/resource_instances/action", ("POST",), "cbr.list_vaults_by_tags"),
        ("/v3/<pid>/vaults/<vault_id>/addresources", ("POST",), "cbr.add_resources"),
        ("/v3/<pid>/checkpoints", ("POST",), "cbr.create_checkpoint"),
        ("/v3/<pid>/checkpoints/<checkpoint_id>", ("GET",), "cbr.get_checkpoint"),
        ("/v3/<pid>/backups", ("GET",), "cbr.list_backups"),
        ("/v3/<pid>/backups/<backup_id>", ("GET",), "cbr.get_backup"),
        ("/v3/<pid>/backups/<backup_id>", ("DELETE",), "cbr.delete_backup"),
        ("/v3/<pid>/operation-logs", ("GET",), "cbr.list_tasks"),
        ("/v3/<pid>/operation-logs/<task_id>", ("GET",), "cbr.get_task"),
        ("/v1/<pid>/providers/<provider_id>/resources/action", ("POST",), "csbs.check_protectable"),
        ("/v1/<pid>/providers/<provider_id>/resources/<server_id>/action", ("POST",), "csbs.protect"),
        ("/v1/<pid>/providers/<provider_id>/checkpoints/<checkpoint_id>", ("DELETE",), "csbs.delete_backup"),
        ("/v1/<pid>/csbs_backup/resource_instances/action", ("POST",), "csbs.list_backups_by_tags"),
        ("/v1/<pid>/checkpoint_items", ("GET",), "csbs.list_backups"),
        ("/v1/<pid>/checkpoint_items/<backup_id>", ("GET",), "csbs.get_backup"),
        ("/v1/<pid>/cloudservers", ("POST",), "ecs.create_server"),
        ("/v1/<pid>/cloudservers/detail", ("GET",), "ecs.list_servers"),
        ("/v1/<pid>/cloudservers/flavors", ("GET",), "ecs.list_flavors"),
        ("/v1/<pid>/cloudservers/limits", ("GET",), "ecs.get_limits"),
        ("/v2.1/<pid>/os-availability-zone", ("GET",), "ecs.list_availability_zones"),
        ("/v2/<pid>/types", ("GET",), "evs.list_volume_types"),
        ("/v1/<pid>/cloudservers/delete", ("POST",), "ecs.delete_servers"),
        ("/v1/<pid>/cloudservers/<server_id>", ("GET",), "ecs.get_server"),
        ("/v1/<pid>/vpcs", ("GET",), "vpc.list_vpcs"),
        ("/v1/<pid>/subnets", ("GET",), "vpc.list_subnets"),
        ("/_sim/state", ("GET",), "admin.state"),
        ("/_sim/faults", ("GET", "POST", "DELETE"), "admin.faults"),
        ("/_sim/clock", ("GET", "POST"), "admin.clock"),
    ]
)

JSON = "application/json;charset=UTF-8"


@dataclass
class Reply:
    """A handler's answer before it is written: status, JSON body (None for none), extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] | None = None


def error_body(service: str, code: str, message: str, request_id: str) -> dict[str, Any]:
    if service in ("ims", "ecs", "jobs", "evs"):
        return {"error": {"message": message, "code": code}}
    if service == "iam":
        return {
            "error": {"code": code, "message": message, "title": "Unauthorized" if code == "401" else "Bad Request"}
        }
    if service in ("cbr", "csbs"):
        return {"error_code": code, "error_msg": message}
    if service == "vpc":
        return {"code": code, "message": message}
    return {"error_code": code, "error_msg": message, "request_id": request_id}


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")  # Python's json reads NaN and Infinity; the cloud does not


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


def _truthy(value: str | None) -> bool | None:
    if value is None:
        return None
    text = value.strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    return None


def _int_arg(args: Any, name: str, default: int, code: str, minimum: int = 0, maximum: int | None = None) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, code, f"Invalid parameter {name}: {raw!r} is not an integer.") from None
    if value < minimum or (maximum is not None and value > maximum):
        raise ApiError(400, code, f"Invalid parameter {name}: {value} is out of range.")
    return value


def _offset_limit(args: Any, code: str, *, offset: int = 0, limit: int = 1000) -> tuple[int, int]:
    """A list's ``offset`` (from 0) and ``limit`` (1 to 1000) parameters, with their defaults; a value
    that is not a whole number in range is refused with the service's ``code``."""
    return _int_arg(args, "offset", offset, code), _int_arg(args, "limit", limit, code, 1, 1000)


def _unknown_project_code(service: str) -> str:
    """The emulator's not-found code for a project id it does not serve (no document gives one)."""
    if service in ("ims", "ecs"):
        return "SIM.0404"
    return f"{'BackupService' if service == 'cbr' else service.upper()}.0404"


_TIME_OPERATORS: dict[str, Callable[[int, int], bool]] = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "eq": lambda a, b: a == b,
    "neq": lambda a, b: a != b,
}


def _time_condition(name: str, condition: str) -> Callable[[float], bool]:
    """IMS ``created_at``/``updated_at`` filters: ``<op>:<UTC time>``, op one of gt, gte, lt, lte,
    eq, neq; the time ``YYYY-MM-DDThh:mm:ssZ`` or ``YYYY-MM-DD hh:mm:ss``. Compared in whole seconds,
    the resolution the image shows."""
    op, _, text = condition.partition(":")
    compare = _TIME_OPERATORS.get(op.strip().lower())
    moment = None
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S"):
        try:
            moment = timegm(time.strptime(text.strip(), fmt))
            break
        except ValueError:
            continue
    if compare is None or moment is None:
        raise ApiError(
            400,
            "IMG.0001",
            f"Invalid parameter {name}: {condition!r} (expected <gt|gte|lt|lte|eq|neq>:<YYYY-MM-DDThh:mm:ssZ>).",
        )
    return lambda t: compare(int(t), moment)


def _tag_query(body: Any, resources: list[Any], tags_of: Callable[[Any], list[dict[str, str]]], code: str) -> list[Any]:
    """The ``resource_instances/action`` filter of CBR and CSBS: ``tags`` (each key with one of its
    values, all keys), ``tags_any``, ``not_tags``, ``not_tags_any``; ``[{"key", "values"}]``."""
    if not isinstance(body, dict) or body.get("action") not in ("filter", "count"):
        raise ApiError(400, code, "action is mandatory: filter or count.")

    def wanted(field: str) -> list[tuple[str, set[str]]]:
        items = body.get(field) or []
        if not isinstance(items, list) or not all(isinstance(t, dict) and t.get("key") for t in items):
            raise ApiError(400, code, f"{field} must be a list of {{key, values}} objects.")
        return [(str(t["key"]), {str(v) for v in t.get("values") or []}) for t in items]

    def has(resource: Any, key: str, values: set[str]) -> bool:
        return any(t.get("key") == key and (not values or t.get("value") in values) for t in tags_of(resource))

    tags, tags_any, not_tags, not_tags_any = (wanted(f) for f in ("tags", "tags_any", "not_tags", "not_tags_any"))
    out = []
    for r in resources:
        if tags and not all(has(r, k, v) for k, v in tags):
            continue
        if tags_any and not any(has(r, k, v) for k, v in tags_any):
            continue
        if not_tags and all(has(r, k, v) for k, v in not_tags):
            continue
        if not_tags_any and any(has(r, k, v) for k, v in not_tags_any):
            continue
        out.append(r)
    return out


def _resources_by_tags(body: Any, resources: list[Any], detail: Callable[[Any], Any], code: str) -> Reply:
    """The answer of a ``resource_instances/action`` call: the matches (``resource_id``, ``resource_name``,
    ``resource_detail``, ``tags``), a page of them, or with ``action: count`` only ``total_count``."""
    matched = _tag_query(body, resources, lambda r: r.tags, code)
    if body["action"] == "count":
        return Reply(200, {"total_count": len(matched)})
    offset, limit = _offset_limit(body, code)
    page = [
        {"resource_id": r.id, "resource_name": r.name, "resource_detail": detail(r), "tags": list(r.tags)}
        for r in matched[offset : offset + limit]
    ]
    return Reply(200, {"resources": page, "total_count": len(matched)})


CATALOG: tuple[tuple[str, str, str], ...] = (
    ("image", "glance", ""),
    ("ecs", "ecs", "/v1/{project_id}"),
    ("compute", "nova", "/v2.1/{project_id}"),
    ("cbr", "cbr", "/v3/{project_id}"),
    ("data-protect", "karbor", "/v1/{project_id}"),
    ("identity", "keystone", "/v3"),
    ("network", "neutron", ""),
    ("vpc", "vpc", "/v1/{project_id}"),
    ("volumev2", "evs", "/v2/{project_id}"),
)
"""The token's catalog, (type, name, path), as OTC lists its endpoints (opentelekomcloud-docs/
image-management-service doc/public-images/source/index.rst, "API Endpoints"): ``ecs`` is the ECS API at
``/v1/{project_id}`` (the type gophertelekomcloud's ``NewComputeV1`` asks for), ``nova`` the OpenStack
compute API at ``/v2.1/{project_id}``, ``vpc`` at ``/v1/{project_id}`` and ``neutron`` the bare host."""

IMS_VERSIONS = (
    ("v2.2", "CURRENT"),
    ("v2.1", "SUPPORTED"),
    ("v2.0", "SUPPORTED"),
    ("v1.1", "DEPRECATED"),
    ("v1.0", "DEPRECATED"),
)
IDENTITY_MEDIA_TYPE = {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}
UNAUTHENTICATED = frozenset({"iam.get_version", "ims.list_versions"})
"""Version discovery: OpenStack clients ask for it before they have a token."""


def _version(version_id: str, status: str, href: str, media_type: dict[str, str] | None = None) -> dict[str, Any]:
    """One entry of a version document: its id, status and self link (keystone adds media types)."""
    entry: dict[str, Any] = {"id": version_id, "status": status, "links": [{"href": href, "rel": "self"}]}
    if media_type is not None:
        entry.update({"updated": "2016-04-04T00:00:00Z", "media-types": [media_type]})
    return entry


class SimApp:
    """WSGI callable bound to one :class:`Emulator`."""

    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator
        self.lock = threading.RLock()

    # ---- WSGI --------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = SimRequest(environ)
        request_id = uuid.uuid4().hex
        reply, service, lost = self._dispatch(request, request_id)
        status = reply.status
        with self.lock:
            self.emu.request_log.append((request.method, request.path, 0 if lost else status))
        if lost:
            raise LostResponse(f"{request.method} {request.path}: the answer is lost (fault injection)")
        # Date from the emulator's wall clock, as a real server's: clients read their clock skew from it.
        headers = {
            "X-Request-Id": request_id,
            "Date": http_date(self.emu.wall_clock()),
            **(reply.headers or {}),
        }
        body = None if reply.body is None else json.dumps(reply.body).encode()
        return respond(start_response, status, headers, body, JSON)

    def _published(self, match: tuple[str, Mapping[str, Any]]) -> tuple[str, Mapping[str, Any]]:
        """A route this cloud publishes; the IMS job percentage path only where the profile has it."""
        if match[0] == "ims.get_job_progress" and not self.emu.profile.job_progress_path:
            raise RouteNotFound(match[0])
        return match

    def _dispatch(self, request: SimRequest, request_id: str) -> tuple[Reply, str, bool]:
        try:
            endpoint, args = self._published(ROUTES.match(request.method, request.path))
        except MethodNotAllowed as exc:
            allowed = exc.allowed
            body = error_body(
                "gateway",
                "SIM.0405",
                f"Method {request.method} is not allowed on {request.path}; allowed: {', '.join(allowed)}",
                request_id,
            )
            return Reply(405, body, {"Allow": ", ".join(allowed)}), "gateway", False
        except RouteNotFound:
            body = error_body(
                "gateway",
                "APIGW.0101",
                "The API does not exist or has not been published in the environment",
                request_id,
            )
            return Reply(404, body), "gateway", False
        service, operation = self._operation(endpoint, request)
        self._perform_due_late_actions()
        if service == "admin":
            return self._admin(operation, request), service, False
        if service != "iam" and endpoint not in UNAUTHENTICATED:
            refusal = self._authenticate(request, request_id)
            if refusal is not None:
                return refusal, "gateway", False
        if service == "jobs":
            with self.lock:
                job = self.state.jobs.get(args["job_id"])
            service = job.service if job is not None else "ims"
        effects: Effects = self.emu.faults_effects(service, operation)
        if effects.latency:
            time.sleep(effects.latency)
        if effects.error is not None:
            status, code, message = effects.error
            headers = {"Retry-After": f"{effects.retry_after:g}"} if effects.retry_after is not None else None
            return Reply(status, error_body(service, code, message, request_id), headers), service, False
        if effects.late is not None and f"{service}.{operation}" in MUTATING_OPERATIONS:
            self._defer(request, service, operation, args, effects)
            return Reply(200), service, True
        try:
            with self.lock:
                if "pid" in args and args["pid"] != self.state.project_id:
                    raise ApiError(
                        404,
                        _unknown_project_code(service),
                        f"Project {args['pid']} does not exist in this emulator (it serves {self.state.project_id}).",
                    )
                reply = self._handle(request, service, operation, args, effects)
        except ApiError as exc:
            return Reply(exc.status, error_body(service, exc.code, exc.message, request_id)), service, False
        return reply, service, effects.lost

    def _handle(
        self, request: SimRequest, service: str, operation: str, args: Mapping[str, Any], effects: Effects
    ) -> Reply:
        """Run the operation's handler; what a creating operation makes is listed only from
        ``visible_after`` seconds on (the handlers' new resources are the ones created just now)."""
        before = self.state.now()
        if effects.visible_after is None or f"{service}.{operation}" not in CREATING_OPERATIONS:
            return getattr(self, f"_{service}_{operation}")(request, args, effects)
        known = {id(r) for r in self.state.all_resources()}
        reply = getattr(self, f"_{service}_{operation}")(request, args, effects)
        for resource in self.state.all_resources():
            if id(resource) not in known:
                resource.listed_from = before + effects.visible_after
        return reply

    def _defer(
        self, request: SimRequest, service: str, operation: str, args: Mapping[str, Any], effects: Effects
    ) -> None:
        """Fault ``late``: keep the request to perform it ``late`` virtual seconds from now."""
        with self.lock:
            self.state.late_actions.append(
                LateAction(
                    due=self.state.now() + (effects.late or 0.0),
                    service=service,
                    operation=operation,
                    method=request.method,
                    path=request.path,
                    query=request.environ.get("QUERY_STRING", ""),
                    body=request.get_data(cache=True),
                    args=dict(args),
                    fail=effects.fail,
                    visible_after=effects.visible_after,
                )
            )

    def _perform_due_late_actions(self) -> None:
        """Perform every late action whose time has come, each at its own moment of virtual time
        (statuses are computed from start times, so a backup started late finishes late). Their
        errors reach no one, as with a request whose caller has gone."""
        with self.lock:
            now = self.state.now()
            due = sorted((a for a in self.state.late_actions if a.due <= now), key=lambda a: a.due)
            if not due:
                return
            self.state.late_actions = [a for a in self.state.late_actions if a.due > now]
            clock = self.state.clock
            try:
                for action in due:
                    self.state.clock = partial(float, action.due)  # the moment the action was due
                    environ = environ_for(action.method, action.path, action.query, action.body)
                    effects = Effects(fail=action.fail, visible_after=action.visible_after)
                    try:
                        self._handle(SimRequest(environ), action.service, action.operation, action.args, effects)
                    except ApiError:
                        pass
            finally:
                self.state.clock = clock

    # ---- authentication -------------------------------------------------------------------------
    def _authenticate(self, request: SimRequest, request_id: str) -> Reply | None:
        def refuse(code: str, message: str) -> Reply:
            return Reply(
                401, error_body("gateway", code, f"Incorrect IAM authentication information: {message}", request_id)
            )

        token = request.headers.get("X-Auth-Token")
        authorization = request.headers.get("Authorization")
        if token:
            with self.lock:
                known = self.state.tokens.get(token)
                now = self.emu.clock.now()
            if known is None:
                return refuse("APIGW.0301", "the token is invalid")
            if now >= known.expires:
                return refuse("APIGW.0307", "the token has expired")
            return None
        if authorization:
            headers = {k.lower(): v for k, v in request.headers.items()}
            try:
                verify(
                    method=request.method,
                    path=request.path,
                    query_pairs=parse_qsl(request.environ.get("QUERY_STRING", ""), keep_blank_values=True),
                    headers=headers,
                    body=request.get_data(cache=True),
                    credentials=self.emu.credentials,
                    wall_now=self.emu.wall_clock(),
                )
            except SignatureError as exc:
                return refuse("APIGW.0301", str(exc))
            return None
        return refuse("APIGW.0301", "no X-Auth-Token or Authorization header")

    # ---- helpers -----------------------------------------------------------------------------------
    @staticmethod
    def _json(request: SimRequest, code: str) -> Any:
        data = request.get_data(cache=True)
        if not data:
            return {}
        try:
            return json.loads(data, parse_constant=_not_json, parse_float=_finite_float)
        except (ValueError, RecursionError):
            raise ApiError(400, code, "The request body is not valid JSON.") from None

    @property
    def state(self) -> State:
        return self.emu.state

    # ---- IAM --------------------------------------------------------------------------------------
    def _iam_create_token(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        from wizard.sim.account import DEMO

        body = self._json(request, "400")
        token = actions.issue_token(self.state, body, user=DEMO.user, password=DEMO.password, domain=DEMO.domain)
        base = request.host_url.rstrip("/")
        pid = self.state.project_id
        catalog = [
            {
                "type": t,
                "name": n,
                "id": uuid.uuid5(uuid.NAMESPACE_URL, n).hex,
                "endpoints": [
                    {
                        "id": uuid.uuid5(uuid.NAMESPACE_URL, n + "e").hex,
                        "interface": "public",
                        "region": self.state.region,
                        "region_id": self.state.region,
                        "url": base + suffix.format(project_id=pid),
                    }
                ],
            }
            for t, n, suffix in CATALOG
        ]
        out: dict[str, Any] = {
            "token": {
                "methods": ["password"],
                "expires_at": iso_ms_z(token.expires),
                "issued_at": iso_ms_z(token.issued),
                "user": {
                    "id": "0c6c8d5e8a0f4a3e9d5b1c7a2e4f6a8b",
                    "name": token.user_name,
                    "domain": {"id": "5ca1ab1e00004000800000000d0a1000", "name": DEMO.domain},
                    "password_expires_at": "",
                },
                "project": {
                    "id": pid,
                    "name": self.state.region,
                    "domain": {"id": "5ca1ab1e00004000800000000d0a1000", "name": DEMO.domain},
                },
                "roles": [{"id": "0", "name": "te_admin"}, {"id": "1", "name": "op_gated_lld"}],
                "catalog": [] if _truthy(request.args.get("nocatalog")) else catalog,
            }
        }
        return Reply(201, out, {"X-Subject-Token": token.value})

    def _iam_get_version(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        """``GET /v3``: keystone's version document, asked without a token (opentelekomcloud-docs/
        identity-access-management api-ref/source/apis/version_information_management/
        querying_information_about_keystone_api_version_3.0.rst)."""
        return Reply(200, {"version": _version("v3.6", "stable", request.host_url + "v3/", IDENTITY_MEDIA_TYPE)})

    # ---- IMS --------------------------------------------------------------------------------------
    def _ims_list_versions(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        """``GET /``: 300 with the image API's versions, as OpenStack's version discovery expects
        (opentelekomcloud-docs/image-management-service api-ref/source/native_openstack_apis/
        api_version_query_native_openstack_api/querying_api_versions_native_openstack_api.rst)."""
        versions = [_version(v, status, f"{request.host_url}{v[:2]}/") for v, status in IMS_VERSIONS]
        return Reply(300, {"versions": versions})

    def _ims_list_images(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        q = request.args
        images = [i for i in self.state.visible_images() if self.state.listed(i)]
        if tag := q.get("tag"):
            # OTC-IMS querying_images.rst: "tag=key=value" also finds the older "key.value" tags.
            tag_key, _, tag_value = tag.partition("=")
            images = [i for i in images if tag in i.tags or f"{tag_key}.{tag_value}" in i.tags]
        if t := q.get("__imagetype"):
            images = [i for i in images if i.imagetype == t]
        whole = _truthy(q.get("__whole_image"))
        if whole is not None:
            images = [i for i in images if i.whole_image == whole]
        for key, attr in (
            ("id", "id"),
            ("name", "name"),
            ("owner", "owner"),
            ("__backup_id", "backup_id"),
            ("__os_type", "os_type"),
            ("__platform", "platform"),
        ):
            if (value := q.get(key)) is not None:
                images = [i for i in images if getattr(i, attr) == value]
        if (status := q.get("status")) is not None:
            images = [i for i in images if self.state.image_status(i) == status]
        for name, when in (
            ("created_at", lambda i: i.created),
            ("updated_at", lambda i: views.image_updated_at(self.state, i)),
        ):
            if condition := q.get(name):
                test = _time_condition(name, condition)
                images = [i for i in images if test(when(i))]
        sort_key = q.get("sort_key", "created_at")
        sort_dir = q.get("sort_dir", "desc")
        keys: dict[str, Callable[[Any], Any]] = {
            "created_at": lambda i: i.created,
            "updated_at": lambda i: views.image_updated_at(self.state, i),
            "name": lambda i: i.name,
            "id": lambda i: i.id,
            "status": lambda i: self.state.image_status(i),
            "min_disk": lambda i: i.min_disk,
            "size": lambda i: i.size,
            "__os_type": lambda i: i.os_type,
            "__platform": lambda i: i.platform,
        }
        if sort_key not in keys or sort_dir not in ("asc", "desc"):
            raise ApiError(400, "IMG.0001", f"Invalid sort_key/sort_dir: {sort_key}/{sort_dir}.")
        sort_by = keys[sort_key]
        images.sort(key=lambda i: (sort_by(i), i.id), reverse=sort_dir == "desc")
        limit = _int_arg(q, "limit", 500, "IMG.0001", 0, 1000)
        if marker := q.get("marker"):
            position = next((n for n, i in enumerate(images) if i.id == marker), None)
            if position is None:
                raise ApiError(400, "IMG.0001", f"The marker image {marker} was not found.")
            images = images[position + 1 :]
        return Reply(200, {"images": [views.image(self.state, i) for i in images[:limit]]})

    def _ims_get_image(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        """The native detail: no ``__whole_image``, which its document does not list (opentelekomcloud-docs/
        image-management-service querying_image_details_native_openstack_api.rst). An unknown image is
        400 ``IMG.0027``, the status IMS's error-code table gives every ``IMG`` code (error_codes.rst)."""
        img = self.state.image(args["image_id"])
        if img is None:
            raise ApiError(400, "IMG.0027", f"The image {args['image_id']} does not exist.")
        return Reply(200, views.image(self.state, img, native=True))

    def _ims_delete_image(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        body = self._json(request, "IMG.0001")
        img = actions.delete_image(self.state, args["image_id"])
        if img is None:
            return Reply(204)
        if isinstance(body, dict) and _truthy(str(body.get("delete_backup", "false"))) and img.whole_image:
            for store in (self.state.cbr_backups, self.state.csbs_backups):
                if img.backup_id in store:
                    self.state.delete_backup(store[img.backup_id])
        return Reply(204)

    def _ims_create_whole_image(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        job = actions.create_whole_image(self.state, self._json(request, "IMG.0001"), fail=effects.fail)
        return Reply(200, {"job_id": job.id})

    def _job_or_404(self, job_id: str, service: str | None = None) -> Job:
        job = self.state.jobs.get(job_id)
        if job is None or (service is not None and job.service != service):
            raise ApiError(404, "SIM.0404", f"The job {job_id} does not exist.")
        return job

    def _ims_get_job(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        return Reply(200, views.job(self.state, self._job_or_404(args["job_id"])))

    _ecs_get_job = _ims_get_job

    def _ims_get_job_progress(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        return Reply(200, views.job(self.state, self._job_or_404(args["job_id"], "ims"), progress=True))

    def _ims_get_quota(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        return Reply(200, views.image_quota(self.state))

    # ---- CBR --------------------------------------------------------------------------------------
    def _cbr_list_vaults(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        q = request.args
        vaults = sorted((v for v in self.state.vaults.values() if self.state.listed(v)), key=lambda v: v.created)
        if t := q.get("object_type"):
            vaults = [v for v in vaults if v.object_type == t]
        if name := q.get("name"):
            vaults = [v for v in vaults if name in v.name]
        if rids := q.get("resource_ids"):
            wanted = {r.strip() for r in rids.split(",") if r.strip()}
            vaults = [v for v in vaults if wanted & {r.server_id for r in self.state.vault_resources(v)}]
        offset, limit = _offset_limit(q, "BackupService.0004")
        return Reply(
            200, {"vaults": [views.vault(self.state, v) for v in vaults[offset : offset + limit]], "count": len(vaults)}
        )

    def _cbr_list_vaults_by_tags(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        """``POST /v3/{pid}/vault/resource_instances/action`` (OTC-CBR ``tags/querying_vault_resources.rst``):
        the vault list has no tag filter; this call is CBR's way to find vaults by tag. ``resource_detail``
        is an array of vaults (the table says so, as does the SDK's ``TagResource``)."""
        vaults = [v for v in self.state.vaults.values() if self.state.listed(v)]
        body = self._json(request, "BackupService.0004")
        return _resources_by_tags(body, vaults, lambda v: [views.vault(self.state, v)], "BackupService.0004")

    def _cbr_delete_vault(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        actions.delete_vault(self.state, args["vault_id"])
        return Reply(204)

    def _cbr_delete_backup(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        actions.delete_cbr_backup(self.state, args["backup_id"])
        return Reply(204)

    def _cbr_get_vault(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        return Reply(200, {"vault": views.vault(self.state, actions.get_vault(self.state, args["vault_id"]))})

    def _cbr_create_vault(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        vault = actions.create_vault(self.state, self._json(request, "BackupService.0004"))
        return Reply(200, {"vault": views.vault(self.state, vault)})

    def _cbr_add_resources(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        added = actions.add_resources(self.state, args["vault_id"], self._json(request, "BackupService.0004"))
        return Reply(200, {"add_resource_ids": added})

    def _cbr_create_checkpoint(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        checkpoint, _ = actions.create_checkpoint(
            self.state, self._json(request, "BackupService.0004"), fail=effects.fail
        )
        return Reply(200, {"checkpoint": checkpoint})

    def _cbr_get_checkpoint(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        """``GET /v3/{project_id}/checkpoints/{checkpoint_id}`` (OTC-CBR ``cbr_apis/restore_points/
        querying_a_restore_point.rst``): the restore point, from the backups it made."""
        now = self.state.now()
        checkpoint_id = args["checkpoint_id"]
        backups = [b for b in self.state.cbr_backups.values() if b.checkpoint_id == checkpoint_id and not b.gone(now)]
        if not backups:
            if self.emu.profile.cbr_missing_is_401:
                return Reply(401, MALFORMED_URL)
            raise ApiError(404, "BackupService.6217", "The backup restore point does not exist.")
        return Reply(200, {"checkpoint": views.cbr_checkpoint(self.state, backups)})

    def _cbr_list_backups(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        q = request.args
        now = self.state.now()
        backups = [b for b in self.state.cbr_backups.values() if not b.gone(self.state.now()) and self.state.listed(b)]
        for key in ("checkpoint_id", "resource_id", "vault_id", "name", "resource_name"):
            if (value := q.get(key)) is not None:
                backups = [b for b in backups if getattr(b, key) == value]
        if statuses := q.getlist("status"):
            backups = [b for b in backups if b.status(now) in statuses]
        if (rtype := q.get("resource_type")) and rtype != "OS::Nova::Server":
            backups = []
        backups.sort(key=lambda b: (b.progression.start, b.id), reverse=True)
        count = len(backups)
        if marker := q.get(
            "marker"
        ):  # "ID of the last record displayed on the previous page" (querying_all_backups.rst)
            position = next((n for n, b in enumerate(backups) if b.id == marker), None)
            if position is None:
                raise ApiError(400, "BackupService.0004", f"The marker {marker} was not found.")
            backups = backups[position + 1 :]
        offset, limit = _offset_limit(q, "BackupService.0004")
        return Reply(
            200,
            {
                "backups": [views.cbr_backup(self.state, b) for b in backups[offset : offset + limit]],
                "count": count,
            },
        )

    def _cbr_get_backup(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        backup = self.state.cbr_backup(args["backup_id"])
        if backup is None:
            if self.emu.profile.cbr_missing_is_401:
                return Reply(401, MALFORMED_URL)
            raise ApiError(404, "BackupService.6200", f"The backup {args['backup_id']} does not exist.")
        return Reply(200, {"backup": views.cbr_backup(self.state, backup)})

    def _cbr_list_tasks(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        """``GET /v3/{pid}/operation-logs``: only backup tasks exist here (one per backup), newest first."""
        q = request.args
        now = self.state.now()
        backups = [b for b in self.state.cbr_backups.values() if not b.gone(self.state.now())]
        if q.get("operation_type", "backup") != "backup":
            backups = []
        for key in ("resource_id", "vault_id", "resource_name"):
            if (value := q.get(key)) is not None:
                backups = [b for b in backups if getattr(b, key) == value]
        if (status := q.get("status")) is not None:
            backups = [b for b in backups if views.CBR_TASK_STATUS[b.status(now)] == status]
        backups.sort(key=lambda b: (b.progression.start, b.id), reverse=True)
        offset, limit = _offset_limit(q, "BackupService.0004")
        page = backups[offset : offset + limit]
        return Reply(
            200,
            {
                "operation_logs": [views.cbr_task(self.state, b) for b in page],
                "count": len(backups),
                "offset": offset,
                "limit": limit,
            },
        )

    def _cbr_get_task(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        backup = self.state.cbr_task(args["task_id"])
        if backup is None:
            # The documents give no code for an unknown task; the emulator's generic not-found code stands in.
            raise ApiError(404, "BackupService.0404", f"The task {args['task_id']} does not exist.")
        return Reply(200, {"operation_log": views.cbr_task(self.state, backup)})

    # ---- CSBS -------------------------------------------------------------------------------------
    def _check_provider(self, args: dict[str, str]) -> None:
        from wizard.sim.state import CSBS_PROVIDER_ID

        if args["provider_id"] != CSBS_PROVIDER_ID:
            raise ApiError(
                404, "CSBS.1002", f"The provider {args['provider_id']} does not exist (use {CSBS_PROVIDER_ID})."
            )

    def _csbs_check_protectable(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        self._check_provider(args)
        return Reply(200, {"protectable": actions.check_protectable(self.state, self._json(request, "CSBS.1001"))})

    def _csbs_protect(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        self._check_provider(args)
        checkpoint, _ = actions.protect(
            self.state, args["server_id"], self._json(request, "CSBS.1001"), fail=effects.fail
        )
        return Reply(200, {"checkpoint": checkpoint})

    def _csbs_list_backups(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        q = request.args
        now = self.state.now()
        items = [b for b in self.state.csbs_backups.values() if not b.gone(self.state.now()) and self.state.listed(b)]
        for key in ("checkpoint_id", "resource_id"):
            if (value := q.get(key)) is not None:
                items = [b for b in items if getattr(b, key) == value]
        if (name := q.get("name")) is not None:  # "fuzzy search" (backup_management/querying_all_backups.rst)
            items = [b for b in items if name in b.name]
        if status := q.get("status"):
            items = [b for b in items if b.status(now) == status]
        items.sort(key=lambda b: (b.progression.start, b.id), reverse=True)
        if marker := q.get("marker"):
            position = next((n for n, b in enumerate(items) if b.id == marker), None)
            if position is None:
                raise ApiError(400, "CSBS.1001", f"The marker {marker} was not found.")
            items = items[position + 1 :]
        offset, limit = _offset_limit(q, "CSBS.1001")
        return Reply(
            200,
            {
                "checkpoint_items": [views.csbs_backup(self.state, b) for b in items[offset : offset + limit]],
                "count": len(items),
            },
        )

    def _csbs_list_backups_by_tags(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        """``POST /v1/{pid}/csbs_backup/resource_instances/action`` (OTC-CSBS
        ``tag_management/querying_backup_resources_by_tag.rst``): backups by the tags ``protect`` gave them."""
        items = [b for b in self.state.csbs_backups.values() if not b.gone(self.state.now()) and self.state.listed(b)]
        body = self._json(request, "CSBS.1001")
        return _resources_by_tags(body, items, lambda b: views.csbs_backup(self.state, b), "CSBS.1001")

    def _csbs_delete_backup(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        self._check_provider(args)
        actions.delete_csbs_checkpoint(self.state, args["checkpoint_id"])
        return Reply(200)

    def _csbs_get_backup(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        backup = self.state.csbs_backup(args["backup_id"])
        if backup is None:
            raise ApiError(404, "CSBS.3001", f"The backup {args['backup_id']} does not exist.")
        return Reply(200, {"checkpoint_item": views.csbs_backup(self.state, backup)})

    # ---- ECS --------------------------------------------------------------------------------------
    def _ecs_get_server(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        server = self.state.server(args["server_id"])
        if server is None or self.state.now() < server.build.start + D.SERVER_UNREGISTERED:
            raise ApiError(404, "Ecs.0114", f"Instance[{args['server_id']}] could not be found.")
        return Reply(200, {"server": views.server(self.state, server)})

    def _ecs_list_servers(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        q = request.args
        now = self.state.now()
        servers = sorted(
            (s for s in self.state.visible_servers() if self.state.listed(s)),
            key=lambda s: (s.build.start, s.id),
            reverse=True,
        )
        if tags := q.get("tags"):
            # OTC-ECS querying_details_about_ecss.rst: "tags" (String) "obtains the ECSs with specified tags";
            # servers show them as "key=value"; several are comma-separated, all must match.
            wanted = [t.strip() for t in tags.split(",") if t.strip()]
            servers = [s for s in servers if all(t in s.tags for t in wanted)]
        if not_tags := q.get("not-tags"):
            unwanted = {t.strip() for t in not_tags.split(",") if t.strip()}
            servers = [s for s in servers if not unwanted & set(s.tags)]
        if name := q.get("name"):
            servers = [s for s in servers if name in s.name]
        if status := q.get("status"):
            servers = [s for s in servers if s.status(now) == status]
        if flavor := q.get("flavor"):
            servers = [s for s in servers if s.flavor_id == flavor]
        offset, limit = _offset_limit(q, "Ecs.0005", offset=1, limit=25)
        page = max(1, offset)  # ECS: offset is a page number; 0 means 1
        chosen = servers[(page - 1) * limit : page * limit]
        return Reply(200, {"count": len(servers), "servers": [views.server(self.state, s) for s in chosen]})

    def _ecs_list_flavors(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        az = request.args.get("availability_zone")
        if az and az not in self.state.availability_zones:
            return Reply(200, {"flavors": []})
        zones = [az] if az else self.state.availability_zones
        return Reply(200, {"flavors": [views.flavor(f, zones) for f in self.state.flavors.values()]})

    def _ecs_get_limits(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        return Reply(200, views.server_limits(self.state))

    @classmethod
    def _operation(cls, endpoint: str, request: SimRequest) -> tuple[str, str]:
        """(service, operation); a create with ``"dry_run": true`` is ``ecs.check_create_server``: a rule
        on ``ecs.create_server`` meets it only when it refuses (``FaultRule.matches``)."""
        service, operation = endpoint.split(".", 1)
        if endpoint != "ecs.create_server":
            return service, operation
        try:
            body = cls._json(request, "Ecs.0005")
        except ApiError:
            return service, operation  # the create itself says the body is not JSON
        return service, "check_create_server" if isinstance(body, dict) and body.get("dry_run") is True else operation

    def _ecs_create_server(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        job = actions.create_server(self.state, self._json(request, "Ecs.0005"), fail=effects.fail)
        assert job is not None  # not a dry run: _dispatch names that check_create_server
        return Reply(200, {"job_id": job.id, "serverIds": list(job.server_ids)})

    def _ecs_check_create_server(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        """``"dry_run": true``: the create's own checks, nothing made; 202 when it would be accepted."""
        job = actions.create_server(self.state, self._json(request, "Ecs.0005"), fail=effects.fail, dry_run=True)
        if job is not None:  # a region that ignores dry_run (tests make one): it answers as a create
            return Reply(200, {"job_id": job.id, "serverIds": list(job.server_ids)})
        return Reply(
            202, {"error": {"code": "Ecs.0000", "message": "The dry run passed: the request would have been accepted."}}
        )

    def _ecs_list_availability_zones(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        zones = [
            {"zoneName": z, "zoneState": {"available": True}, "hosts": None} for z in self.state.availability_zones
        ]
        return Reply(200, {"availabilityZoneInfo": zones})

    # ---- EVS --------------------------------------------------------------------------------------
    def _evs_list_volume_types(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        zones = ",".join(self.state.availability_zones)
        return Reply(200, {"volume_types": [views.volume_type(name, zones) for name in VOLUME_TYPES]})

    def _ecs_delete_servers(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        job = actions.delete_servers(self.state, self._json(request, "Ecs.0005"), fail=effects.fail)
        return Reply(200, {"job_id": job.id})

    # ---- VPC --------------------------------------------------------------------------------------
    def _vpc_list_vpcs(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        vpcs = list(self.state.vpcs.values())
        if vid := request.args.get("id"):
            vpcs = [v for v in vpcs if v.id == vid]
        return Reply(200, {"vpcs": [views.vpc(v, self.state.project_id) for v in vpcs]})

    def _vpc_list_subnets(self, request: SimRequest, args: dict[str, str], effects: Effects) -> Reply:
        subnets = list(self.state.subnets.values())
        if vid := request.args.get("vpc_id"):
            subnets = [s for s in subnets if s.vpc_id == vid]
        return Reply(200, {"subnets": [views.subnet(s, self.state.project_id) for s in subnets]})

    # ---- admin (no authentication) ---------------------------------------------------------------
    def _admin(self, operation: str, request: SimRequest) -> Reply:
        try:
            body = self._json(request, "SIM.0400") if request.method == "POST" else {}
            with self.lock:
                if operation == "state":
                    summary = self.state.summary()
                    summary["speed"] = self.emu.clock.speed
                    summary["faults"] = [r.to_dict() for r in self.emu.faults.rules]
                    summary["requests"] = len(self.emu.request_log)
                    return Reply(200, summary)
                if operation == "faults":
                    if request.method == "DELETE":
                        self.emu.clear_faults()
                        return Reply(204)
                    if request.method == "POST":
                        items = (
                            body
                            if isinstance(body, list)
                            else body.get("rules", [body])
                            if isinstance(body, dict)
                            else []
                        )
                        for item in items:
                            rule = (
                                FaultRule.parse(item)
                                if isinstance(item, str)
                                else FaultRule.from_dict(item if isinstance(item, dict) else {})
                            )
                            self.emu.add_fault(rule)
                        return Reply(201, {"faults": [r.to_dict() for r in self.emu.faults.rules]})
                    return Reply(200, {"faults": [r.to_dict() for r in self.emu.faults.rules]})
                if operation == "clock":
                    if request.method == "POST" and isinstance(body, dict):
                        if "advance" in body:
                            self.emu.clock.advance(body["advance"])
                        if "speed" in body:
                            self.emu.clock.speed = body["speed"]
                    now = self.emu.clock.now()
                    return Reply(200, {"now": now, "now_iso": iso_ms_z(now), "speed": self.emu.clock.speed})
        except (ValueError, TypeError) as exc:
            return Reply(400, {"error_code": "SIM.0400", "error_msg": str(exc)})
        except ApiError as exc:
            return Reply(exc.status, {"error_code": exc.code, "error_msg": exc.message})
        return Reply(404, {"error_code": "SIM.0404", "error_msg": "unknown admin operation"})
