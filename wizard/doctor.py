"""``ecs-wizard doctor``: is this configuration ready for a repair? Read-only checks, one function
per check, each returning a :class:`Row` (DESIGN.md, "wizard/doctor.py").

Nothing is created. The calls are list calls, the two quota reads and one ECS create sent with
``"dry_run": true``, which ECS only checks ("no instances will be created"; it answers 202 when the
request is valid, OTC-ECS ``apis_recommended/lifecycle_management/creating_ecss.rst``). Should a
region ignore the dry run and start a server anyway, the check deletes it at once and says so.

Verdicts follow the answers: ``fail`` only where an answer proves that a repair would stop (a
refused signature, an unknown project, a denied call, a used-up quota, an endpoint that does not
answer); ``unknown``, with the reason, where the cloud does not tell (most creates have no dry run).
A check that raises is isolated into a ``crash`` row, as flutter doctor does, and the rest still run.

The same words serve the front ends: :func:`connection_row` is the credentials check on one service
(one signed call), which the welcome screen, plain mode and the CLI use before they say "connected".
"""

from __future__ import annotations

import time
from calendar import timegm
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from wizard.cloud.errors import CloudError, CloudUnreachable, DryRunIgnored

if TYPE_CHECKING:
    from wizard.cloud.client import Clients
    from wizard.config import Settings


class Status(StrEnum):
    PASS = "pass"
    UNKNOWN = "unknown"
    FAIL = "fail"
    CRASH = "crash"

    @property
    def icon(self) -> str:
        return {"pass": "✓", "unknown": "?", "fail": "✗", "crash": "☠"}[self.value]

    @property
    def rank(self) -> int:
        return list(Status).index(self)


def worst(statuses: Iterable[Status]) -> Status:
    return max(statuses, key=lambda s: s.rank, default=Status.PASS)


@dataclass
class Finding:
    """One thing a check looked at: a service, an API, a quota."""

    name: str
    status: Status
    detail: str
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": str(self.status), "detail": self.detail, "fix": self.fix}


@dataclass
class Row:
    """One check's result: its verdict, a one-line summary, what to do when it did not pass, and
    what it looked at."""

    check: str
    status: Status
    summary: str
    fix: str = ""
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "status": str(self.status),
            "summary": self.summary,
            "fix": self.fix,
            "findings": [f.to_dict() for f in self.findings],
        }


# -- the calls ---------------------------------------------------------------------------------------

SIGNATURE_WINDOW = 15 * 60  # AK/SK: X-Sdk-Date more than 15 minutes from the cloud's clock is refused
NO_SUCH_JOB = "0" * 32  # a job id no cloud has: its answer shows whether the path exists
DRY_RUN_NAME = "ecs-wizard-doctor-dry-run"
EVERY_STATUS = range(100, 600)  # the probe reads every answer itself
SERVICE_NAMES = {"iam": "IAM", "ims": "IMS", "ecs": "ECS", "cbr": "CBR", "csbs": "CSBS", "vpc": "VPC"}

IDENTITY_CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "ims": ("/v2/cloudimages", {"__imagetype": "private", "limit": 1}),
    "ecs": ("/v1/{project_id}/cloudservers/detail", {"limit": 1}),
    "cbr": ("/v3/{project_id}/vaults", {"object_type": "server", "limit": 1}),
    "csbs": ("/v1/{project_id}/checkpoint_items", {"limit": 1}),
    "vpc": ("/v1/{project_id}/subnets", {"limit": 1}),
}
"""One cheap signed read per service: the list call the repair itself makes first."""

OPTIONAL = {"csbs"}  # CBR is the recommended path; some regions offer no CSBS


@dataclass
class Answer:
    """What one call got back: an HTTP status (None: no answer), the error the cloud gave, the
    parsed body of a success, and the cloud's clock (the ``Date`` header) beside ours."""

    service: str
    call: str
    status: int | None = None
    error: CloudError | None = None
    unreachable: CloudUnreachable | None = None
    data: Any = None
    cloud_time: float | None = None
    our_time: float | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def answered(self) -> bool:
        return self.status is not None

    @property
    def no_such_api(self) -> bool:
        """The API gateway does not know the path (``APIGW.0101``): not this service's API here."""
        return self.status in (404, 405) and self.error is not None and self.error.code in ("APIGW.0101", "SIM.0405")

    @property
    def blocked_by_iam(self) -> bool:
        """The call was never sent: getting an IAM token (password credentials) failed first."""
        origin = self.error.service if self.error else self.unreachable.service if self.unreachable else None
        return self.service != "iam" and origin == "iam"

    @property
    def cloud_says(self) -> str:
        """The cloud's own code and message, for the detail column."""
        if self.error is None:
            return f"HTTP {self.status}"
        # without the message's own full stop: it is quoted inside a sentence that ends with one
        return f"{self.error.code or self.error.status}: {self.error.message.rstrip('. ')}"


class Probe:
    """The calls the checks share: each service's identity call is made once and read by several
    checks (endpoints, credentials, project, clock, permissions)."""

    def __init__(
        self,
        settings: Settings,
        connect: Callable[[], Clients],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self._connect = connect
        self.clock = clock
        self._clients: Clients | None = None
        self._setup_failure: Answer | None = None  # building the clients failed (an IAM token refused)
        self._identity: dict[str, Answer] = {}

    def clients(self) -> Clients | None:
        if self._clients is None and self._setup_failure is None:
            try:
                self._clients = self._connect()
            except (CloudError, CloudUnreachable) as exc:
                self._setup_failure = _failed("iam", "POST /v3/auth/tokens", exc)
        return self._clients

    @property
    def services(self) -> list[str]:
        """The services a repair calls (IAM only where a password is turned into a token)."""
        password = self.settings.credentials is not None and self.settings.credentials.kind != "aksk"
        return (["iam"] if password else []) + list(IDENTITY_CALLS)

    def identity(self, service: str) -> Answer:
        if service == "iam":
            return self._token_answer()
        if service not in self._identity:
            path, params = IDENTITY_CALLS[service]
            self._identity[service] = self.call(service, "GET", path, params=params)
        return self._identity[service]

    def call(self, service: str, method: str, path: str, *, params: dict[str, Any] | None = None) -> Answer:
        """One read, never raising for what the cloud (or the network) answered."""
        shown = f"{method} {path}"
        clients = self.clients()
        if clients is None:
            assert self._setup_failure is not None
            return replace(self._setup_failure, service=service, call=shown)
        # One retry at most: a doctor should say quickly that nothing answers.
        http = getattr(clients, service).http
        http = replace(http, retry=replace(http.retry, max_attempts=2))
        sent = self.clock()
        try:
            response = http.request(
                method,
                path.format(project_id=clients.project_id),
                params=params,
                ok=EVERY_STATUS,
            )
        except (CloudError, CloudUnreachable) as exc:  # an IAM token refused, or no answer at all
            return _failed(service, shown, exc)
        received = self.clock()
        from wizard.cloud.http import error_from_response

        answer = Answer(service, shown, response.status_code, our_time=(sent + received) / 2)
        if not answer.ok:
            answer.error = error_from_response(service, response, http.secrets)
        elif response.content:
            try:
                answer.data = response.json()
            except ValueError:
                answer.data = None
        answer.cloud_time = _http_date(response.headers.get("Date"))
        return answer

    def blocked(self) -> str | None:
        """Why nothing more can be asked, when the identity calls already show it: no endpoint
        answers, the credentials were refused everywhere, or no service knows the project."""
        answers = [self.identity(s) for s in self.services]
        if "iam" in self.services and not self.identity("iam").ok:
            return "IAM gave no token (see credentials)"
        if all(a.unreachable is not None for a in answers):
            return "no endpoint answers (see endpoints)"
        if not any(a.ok for a in answers) and any(a.status == 401 for a in answers):
            return "the credentials were refused (see credentials)"
        scoped = [a for a in answers if "{project_id}" in a.call]
        if scoped and all(_project_unknown(a) for a in scoped):
            return "the project is unknown (see project)"
        return None

    def _token_answer(self) -> Answer:
        """Password credentials: the IAM token (asked for by the first call, or by building the clients)."""
        clients = self.clients()
        if clients is None:
            assert self._setup_failure is not None
            return self._setup_failure
        auth = clients.ims.http.auth
        token = getattr(auth, "token", None)
        try:
            if callable(token):
                token()
        except (CloudError, CloudUnreachable) as exc:
            return _failed("iam", "POST /v3/auth/tokens", exc)
        return Answer("iam", "POST /v3/auth/tokens", 201)


def _project_unknown(answer: Answer) -> bool:
    return answer.status == 404 and "{project_id}" in answer.call and not answer.no_such_api


def _failed(service: str, call: str, exc: CloudError | CloudUnreachable) -> Answer:
    if isinstance(exc, CloudError):
        return Answer(service, call, exc.status, error=exc)
    return Answer(service, call, unreachable=exc)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _http_date(value: str | None) -> float | None:
    """Seconds since the epoch of an HTTP ``Date``: the usual form (``Wed, 02 Dec 2026 07:49:26 GMT``)
    read by hand, any other by :mod:`email.utils`, imported only then (it costs a demo's connection
    check more than the check does)."""
    if not value:
        return None
    parts = value.split()
    if len(parts) == 6 and parts[5] == "GMT" and parts[2] in _MONTHS and parts[4].count(":") == 2:
        try:
            hour, minute, second = (int(n) for n in parts[4].split(":"))
            moment = datetime(int(parts[3]), _MONTHS.index(parts[2]) + 1, int(parts[1]), hour, minute, second)
            return float(timegm(moment.timetuple()))
        except ValueError:
            return None
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


# -- saying what is wrong ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """What is wrong, in words, and what to do; ``settings_wrong`` when the fix is in the settings
    (the CLI's exit code 2) rather than in the network or the cloud (1)."""

    text: str
    fix: str
    settings_wrong: bool = False


UNREACHABLE_WORDS = {
    "refused": "nothing listens at {url} (connection refused)",
    "dns": "the host name of {url} does not resolve",
    "timeout": "{url} did not answer in time",
    "tls": "the TLS certificate of {url} was not accepted",
    "proxy": "the proxy on the way to {url} failed",
    "dropped": "{url} closed the connection without an answer",
    "other": "{url} could not be reached",
}


def explain(answer: Answer, settings: Settings) -> Problem | None:
    """Why ``answer`` shows a configuration that cannot work, or None when it does not."""
    service = SERVICE_NAMES.get(answer.service, answer.service.upper())
    url = settings.endpoints.get(answer.service, "")
    sources = settings.sources
    if answer.unreachable is not None:
        return unreachable_problem(answer.unreachable, settings)
    if answer.error is None:
        return None
    said = answer.cloud_says
    if answer.status == 401:
        if "clock" in answer.error.message.lower() or "x-sdk-date" in answer.error.message.lower():
            return Problem(
                f"{service} refused the request's time ({said})",
                f"Set this computer's clock right (turn on time sync); signatures more than "
                f"{SIGNATURE_WINDOW // 60} minutes off are refused.",
            )
        if answer.error.service == "iam":
            where = sources.get("credentials", "your settings")
            return Problem(
                f"IAM refused the user name, password or domain ({said})",
                f"Check the user, password and domain in {where}.",
                settings_wrong=True,
            )
        creds = settings.credentials
        temporary = creds is not None and creds.security_token is not None
        where = sources.get("credentials", "your settings")
        return Problem(
            f"{service} refused the credentials ({said})",
            f"Check the access key and secret key ({where}): the SK must be the one issued with this AK, "
            "without spaces or quotes, and the key must be enabled in IAM"
            + ("; temporary credentials expire: get a new AK, SK and security token." if temporary else "."),
            settings_wrong=True,
        )
    if answer.no_such_api:
        return Problem(
            f"{url} answers, but not with the {service} API ({said})",
            f"Check the {service} endpoint ({sources.get(f'endpoint.{answer.service}', 'region template')}); "
            "'ecs-wizard config show' lists every endpoint.",
            settings_wrong=True,
        )
    if answer.status == 404 and "{project_id}" in answer.call:
        project = settings.project_id or "(from the IAM token)"
        return Problem(
            f"{service} does not know project {project} in region {settings.region} ({said})",
            f"Check the project id ({sources.get('project', 'your settings')}) and the region "
            f"({settings.region}, {sources.get('region', 'your settings')}): a project id belongs to one region; "
            "'ecs-wizard config show' shows both.",
            settings_wrong=True,
        )
    if answer.status == 403:
        return Problem(
            f"{service} denied the call {answer.call} ({said})",
            "Ask your administrator for the permission (IAM policy) for this call in this project.",
        )
    return None


def unreachable_problem(exc: CloudUnreachable, settings: Settings | None = None) -> Problem:
    """No answer at all, in words: where nothing answered and why (``exc.kind``), and what to check.
    Without ``settings`` the endpoint is not named."""
    service = SERVICE_NAMES.get(exc.service, exc.service.upper())
    url = settings.endpoints.get(exc.service, "") if settings else ""
    words = UNREACHABLE_WORDS.get(exc.kind, UNREACHABLE_WORDS["other"])
    text = f"{service}: " + (words.format(url=url) if url else words.format(url=f"the {service} endpoint"))
    return Problem(text, _unreachable_fix(exc.kind, exc.service, settings), exc.kind in ("dns", "refused"))


def _unreachable_fix(kind: str, service: str, settings: Settings | None) -> str:
    source = settings.sources.get(f"endpoint.{service}", "the region template") if settings else "its setting"
    if kind == "tls":
        return (
            "If your network inspects TLS, point REQUESTS_CA_BUNDLE at its CA certificate; "
            "--insecure turns verification off (not recommended)."
        )
    if kind in ("timeout", "proxy"):
        return "Check the network, a firewall, or the proxy settings (HTTPS_PROXY, NO_PROXY), then try again."
    if kind == "dns":
        region = f" ({settings.region})" if settings else ""
        return f"Check the region{region} and the endpoint ({source}); 'ecs-wizard config show' lists them."
    return (
        f"Check the endpoint ({source}) and that the service behind it runs "
        "(for a local emulator: ecs-wizard sim serve); 'ecs-wizard config show' lists the endpoints."
    )


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# -- the checks --------------------------------------------------------------------------------------


def check_endpoints(probe: Probe) -> Row:
    """Each service's endpoint answers, over HTTPS with the certificate verified."""
    settings = probe.settings
    findings = []
    others_answer = any(probe.identity(s).answered for s in probe.services if s not in OPTIONAL)
    for service in probe.services:
        answer = probe.identity(service)
        url = settings.endpoints.get(service, "")
        name = SERVICE_NAMES[service]
        if answer.blocked_by_iam:
            findings.append(Finding(name, Status.UNKNOWN, f"{url}: not reached (IAM gave no token, see credentials)"))
            continue
        problem = explain(answer, settings) if (answer.unreachable or answer.no_such_api) else None
        if problem is not None:
            optional = service in OPTIONAL and others_answer
            detail = _without(name, problem.text) + (
                " (CSBS is optional: CBR is the recommended path)" if optional else ""
            )
            findings.append(Finding(name, Status.UNKNOWN if optional else Status.FAIL, detail, problem.fix))
            continue
        if settings.is_demo:
            findings.append(Finding(name, Status.PASS, "the built-in emulator answers (in this process, no network)"))
        else:
            findings.append(_tls_finding(name, url, settings.verify_tls))
    reached = sum(f.status is Status.PASS for f in findings)
    status = worst(f.status for f in findings)
    if status is not Status.PASS:
        summary = f"{reached} of {len(findings)} endpoints answer as they should"
    elif settings.is_demo:
        summary = "the built-in emulator answers for every service"
    else:
        summary = f"all {len(findings)} endpoints answer" + (
            ", TLS verified" if all(urlsplit(settings.endpoints[s]).scheme == "https" for s in probe.services) else ""
        )
    return Row("endpoints", status, summary, _first_fix(findings), findings)


def _tls_finding(name: str, url: str, verify: bool) -> Finding:
    scheme = urlsplit(url).scheme
    if scheme == "https" and verify:
        return Finding(name, Status.PASS, f"{url} answers (TLS certificate verified)")
    if scheme == "https":
        return Finding(
            name,
            Status.FAIL,
            f"{url} answers, but its certificate is not verified (--insecure)",
            "Drop --insecure (and ECS_WIZARD_INSECURE); if the certificate is refused then, "
            "point REQUESTS_CA_BUNDLE at the CA that signed it.",
        )
    if _is_loopback(url):
        return Finding(name, Status.PASS, f"{url} answers (plain HTTP on this machine: a local emulator)")
    return Finding(
        name,
        Status.FAIL,
        f"{url} answers over plain HTTP: requests and answers travel unencrypted",
        "Use the service's https:// endpoint.",
    )


def check_credentials(probe: Probe, services: Sequence[str] | None = None) -> Row:
    """One signed call per service: which accept the credentials."""
    blocked = probe.blocked()
    if blocked and "endpoint" in blocked:
        return Row("credentials", Status.UNKNOWN, f"not checked: {blocked}")
    findings = []
    for service in services or probe.services:
        answer = probe.identity(service)
        name = SERVICE_NAMES[service]
        if answer.blocked_by_iam:
            findings.append(Finding(name, Status.UNKNOWN, "not checked: IAM gave no token"))
        elif answer.status == 401:
            problem = explain(answer, probe.settings)
            assert problem is not None
            findings.append(Finding(name, Status.FAIL, _without(name, problem.text), problem.fix))
        elif answer.ok or answer.status in (403, 404):
            findings.append(Finding(name, Status.PASS, "accepted"))
        elif answer.unreachable is not None:
            findings.append(Finding(name, Status.UNKNOWN, "not checked: no answer (see endpoints)"))
        else:
            findings.append(Finding(name, Status.UNKNOWN, f"not told: {answer.call} answered {answer.cloud_says}"))
    refused = [f.name for f in findings if f.status is Status.FAIL]
    status = worst(f.status for f in findings)
    if refused:
        summary = f"refused by {_names(refused, len(findings))}"
    elif status is Status.PASS:
        summary = "accepted by " + _names([f.name for f in findings], len(findings))
    else:
        summary = "accepted where an answer came: " + ", ".join(f.name for f in findings if f.status is Status.PASS)
    return Row("credentials", status, summary, _first_fix(findings), findings)


def check_project(probe: Probe) -> Row:
    """The project answers in each service whose paths name it (a wrong project id, or a project of
    another region, answers 404 everywhere)."""
    blocked = probe.blocked()
    if blocked and "project" not in blocked:
        return Row("project", Status.UNKNOWN, f"not checked: {blocked}")
    findings = []
    for service in IDENTITY_CALLS:
        answer = probe.identity(service)
        if "{project_id}" not in answer.call:
            continue
        name = SERVICE_NAMES[service]
        problem = explain(answer, probe.settings) if answer.status == 404 and not answer.no_such_api else None
        if problem is not None:
            findings.append(Finding(name, Status.FAIL, _without(name, problem.text), problem.fix))
        elif answer.ok or answer.status == 403:
            findings.append(Finding(name, Status.PASS, "knows the project"))
        else:
            findings.append(Finding(name, Status.UNKNOWN, "not checked (see endpoints and credentials)"))
    if any(f.status is Status.PASS for f in findings):  # the project exists: an optional service may lack it
        for f in findings:
            if f.status is Status.FAIL and f.name in (SERVICE_NAMES[s] for s in OPTIONAL):
                f.status, f.detail = Status.UNKNOWN, f.detail + " (CSBS is optional: CBR is the recommended path)"
    clients = probe.clients()
    project = (clients.project_id if clients else None) or probe.settings.project_id or "(unknown)"
    status = worst(f.status for f in findings)
    unknown_to = [f.name for f in findings if f.status is Status.FAIL]
    if unknown_to:
        summary = f"project {project} is unknown to {_names(unknown_to, len(findings))}"
    elif status is Status.PASS:
        summary = f"project {project} in region {probe.settings.region} answers"
    else:
        summary = f"project {project}: not every service could be asked"
    return Row("project", status, summary, _first_fix(findings), findings)


def check_clock(probe: Probe) -> Row:
    """This computer's clock against the cloud's (the ``Date`` header): AK/SK signatures carry the
    time and are refused when it is more than 15 minutes off."""
    answers = [probe.identity(s) for s in probe.services]
    skews = [a.cloud_time - a.our_time for a in answers if a.cloud_time is not None and a.our_time is not None]
    refused = next((a for a in answers if a.status == 401 and explain(a, probe.settings) is not None), None)
    clock_refused = refused is not None and "time" in (explain(refused, probe.settings) or Problem("", "")).text
    if not skews:
        if clock_refused:
            assert refused is not None
            problem = explain(refused, probe.settings)
            assert problem is not None
            return Row("clock", Status.FAIL, problem.text, problem.fix)
        blocked = probe.blocked()
        reason = f"not checked: {blocked}" if blocked else "no answer carried the cloud's time (a Date header)"
        return Row("clock", Status.UNKNOWN, reason)
    import statistics

    skew = statistics.median(skews)
    off = abs(skew)
    side = "behind" if skew > 0 else "ahead of"
    said = f"this computer's clock is {_duration(off)} {side} the cloud's"
    if off > SIGNATURE_WINDOW or clock_refused:
        return Row(
            "clock",
            Status.FAIL,
            f"{said}: signed requests are refused beyond {SIGNATURE_WINDOW // 60} minutes",
            "Set the clock right: turn on time sync (for example 'timedatectl set-ntp true'), then run doctor again.",
        )
    if off < 2:
        return Row("clock", Status.PASS, "this computer's clock agrees with the cloud's (within a second or two)")
    return Row("clock", Status.PASS, f"{said} (signatures are accepted up to {SIGNATURE_WINDOW // 60} minutes)")


WRITES_WITHOUT_DRY_RUN = (
    "create a CBR vault, back up with CBR or CSBS, create a full-ECS image, delete an ECS or an image: "
    "these calls have no dry run, so the cloud tells only when the repair makes them"
)


def check_permissions(probe: Probe) -> Row:
    """Each API the repair needs: the list calls, and an ECS create with ``"dry_run": true``."""
    if blocked := probe.blocked():
        return Row("permissions", Status.UNKNOWN, f"not checked: {blocked}")
    reads = [
        ("IMS: list images", probe.identity("ims")),
        ("ECS: list servers", probe.identity("ecs")),
        ("ECS: list flavors", probe.call("ecs", "GET", "/v1/{project_id}/cloudservers/flavors")),
        ("VPC: list subnets", probe.identity("vpc")),
        ("CBR: list vaults", probe.identity("cbr")),
        ("CBR: list backups", probe.call("cbr", "GET", "/v3/{project_id}/backups", params={"limit": 1})),
        ("CSBS: list backups", probe.identity("csbs")),
    ]
    findings = [_permission(name, answer, probe.settings) for name, answer in reads]
    findings.append(_dry_run_create(probe))
    findings.append(Finding("creates and deletes", Status.UNKNOWN, WRITES_WITHOUT_DRY_RUN))
    denied = [f.name for f in findings if f.status is Status.FAIL]
    allowed = sum(f.status is Status.PASS for f in findings)
    status = worst(f.status for f in findings)
    summary = (
        f"denied: {'; '.join(denied)}"
        if denied
        else f"{allowed} of {len(findings)} allowed; the rest cannot be told before the repair runs"
    )
    return Row("permissions", status, summary, _first_fix(findings), findings)


def _permission(name: str, answer: Answer, settings: Settings) -> Finding:
    if answer.ok:
        return Finding(name, Status.PASS, f"allowed ({answer.call})")
    if answer.status == 403:
        problem = explain(answer, settings)
        assert problem is not None
        return Finding(name, Status.FAIL, problem.text, problem.fix)
    return Finding(name, Status.UNKNOWN, f"not told ({answer.call}: {_why_not(answer)})")


def _why_not(answer: Answer) -> str:
    if answer.unreachable is not None:
        return "no answer"
    if answer.status == 401:
        return "credentials refused"
    if answer.status == 404 and "{project_id}" in answer.call and not answer.no_such_api:
        return "project unknown"
    return answer.cloud_says


def _dry_run_create(probe: Probe) -> Finding:
    """``POST /v1/{project_id}/cloudservers`` with ``"dry_run": true``, for a small server from a
    private image of the project on its first subnet: ECS checks it and creates nothing."""
    name = "ECS: create a server (dry run)"
    clients = probe.clients()
    if clients is None:
        return Finding(name, Status.UNKNOWN, "not tried: no IAM token (see credentials)")
    spec = _dry_run_spec(probe)
    if isinstance(spec, str):
        return Finding(name, Status.UNKNOWN, f"not tried: {spec}")
    from wizard.cloud.errors import AnswerLost

    try:
        clients.ecs.check_create_server(spec)
    except DryRunIgnored as exc:
        return _delete_what_the_dry_run_made(clients, name, exc.resource_ids)
    except AnswerLost:
        made = [s.id for s in _servers_named(clients, DRY_RUN_NAME)]
        if made:
            return _delete_what_the_dry_run_made(clients, name, made)
        return Finding(name, Status.UNKNOWN, "not told: the answer to the dry run was lost (and no server was made)")
    except CloudUnreachable:
        return Finding(name, Status.UNKNOWN, "not told: no answer")
    except CloudError as exc:
        answer = Answer("ecs", "POST /v1/{project_id}/cloudservers", exc.status, error=exc)
        if exc.status == 403:
            return _permission(name, answer, probe.settings)
        return Finding(
            name,
            Status.UNKNOWN,
            f"the dry run was refused for another reason ({answer.cloud_says}); "
            "whether a real create would be allowed is not told",
        )
    return Finding(name, Status.PASS, "allowed: the dry run was accepted (202), nothing was created")


def _dry_run_spec(probe: Probe) -> Any:
    """What the dry run asks for, from the project's own lists, or why it cannot be tried."""
    from wizard.cloud.ecs import ServerSpec
    from wizard.cloud.models import Flavor, Image, Network

    images = probe.call("ims", "GET", "/v2/cloudimages", params={"__imagetype": "private", "limit": 1})
    found = [Image.from_api(i) for i in ((images.data or {}).get("images") or []) if images.ok]
    subnets = probe.identity("vpc")
    networks = [Network.from_api(s) for s in ((subnets.data or {}).get("subnets") or []) if subnets.ok]
    flavors_answer = probe.call("ecs", "GET", "/v1/{project_id}/cloudservers/flavors")
    flavors = [Flavor.from_api(f) for f in ((flavors_answer.data or {}).get("flavors") or []) if flavors_answer.ok]
    if not found:
        return "the project has no private image to try it with"
    if not networks or not networks[0].vpc_id:
        return "the project has no subnet to try it with"
    image = found[0]
    min_ram = int(image.raw.get("min_ram") or 0)
    fitting = sorted((f for f in flavors if (f.ram_mb or 0) >= min_ram), key=lambda f: (f.vcpus or 0, f.ram_mb or 0))
    if not fitting:
        return "no flavor fits the project's image"
    subnet = networks[0]
    return ServerSpec(
        name=DRY_RUN_NAME,
        image_id=image.id,
        flavor_id=fitting[0].id,
        vpc_id=subnet.vpc_id or "",
        subnet_id=subnet.id,
        root_volume_type="SAS",
        root_volume_size=image.min_disk,
    )


def _servers_named(clients: Clients, name: str) -> Iterator[Any]:
    try:
        yield from (s for s in clients.ecs.list_servers(name=name) if s.name == name)
    except (CloudError, CloudUnreachable):
        return


def _delete_what_the_dry_run_made(clients: Clients, name: str, server_ids: list[str]) -> Finding:
    """The region ignored dry_run: delete the server it started (only that one) and say so."""
    made = ", ".join(server_ids) or "a server"
    try:
        if server_ids:
            clients.ecs.delete_servers(server_ids)
    except (CloudError, CloudUnreachable) as exc:
        return Finding(
            name,
            Status.FAIL,
            f"this region ignored dry_run and started creating ECS {made}; deleting it failed ({exc})",
            f"Delete ECS {made} (named {DRY_RUN_NAME}) in the ECS console: it is billed while it exists.",
        )
    return Finding(
        name,
        Status.FAIL,
        f"this region ignored dry_run and started creating ECS {made}; it was deleted again at once",
        f"Check in the ECS console that {DRY_RUN_NAME} is gone, and report the region: "
        "its create API does not honour dry_run.",
    )


def check_quotas(probe: Probe) -> Row:
    """Room for what a repair makes: ECSs (a temporary one, a test launch), a private image, vault capacity."""
    if blocked := probe.blocked():
        return Row("quotas", Status.UNKNOWN, f"not checked: {blocked}")
    findings = [_ecs_quota(probe), _image_quota(probe), *_vault_capacity(probe)]
    status = worst(f.status for f in findings)
    short = [f.name for f in findings if f.status is Status.FAIL]
    if short:
        summary = "used up: " + ", ".join(short)
    elif status is Status.PASS:
        summary = "room for a repair: " + "; ".join(f"{f.name} {f.detail}" for f in findings)
    else:
        summary = "room where the cloud tells: " + ", ".join(f.name for f in findings if f.status is Status.PASS)
    return Row("quotas", status, summary, _first_fix(findings), findings)


def _ecs_quota(probe: Probe) -> Finding:
    """``GET /v1/{project_id}/cloudservers/limits`` (OTC-ECS ``apis_recommended/tenant_quota_management/
    querying_tenant_quotas.rst``): ``absolute.maxTotalInstances`` and ``totalInstancesUsed``, -1 unlimited."""
    name = "ECS servers"
    answer = probe.call("ecs", "GET", "/v1/{project_id}/cloudservers/limits")
    absolute = (answer.data or {}).get("absolute") if answer.ok and isinstance(answer.data, dict) else None
    if not isinstance(absolute, dict):
        return Finding(name, Status.UNKNOWN, f"not told ({answer.call}: {_why_not(answer)})")
    limit, used = absolute.get("maxTotalInstances"), absolute.get("totalInstancesUsed")
    if not isinstance(limit, int) or not isinstance(used, int):
        return Finding(name, Status.UNKNOWN, "not told (the answer gives no maxTotalInstances/totalInstancesUsed)")
    return _room(
        Finding(name, Status.PASS, _cores_and_ram(absolute)),
        used,
        limit,
        "no room for a temporary ECS or a test launch",
        "Delete an ECS you do not need, or ask for a higher ECS quota.",
    )


def _room(finding: Finding, used: int, limit: int, short_of: str, fix: str) -> Finding:
    """A quota's finding: ``used`` of ``limit`` (-1: no limit), a failure with ``short_of`` and ``fix``
    when it is used up; ``finding.detail`` (such as the vCPUs and RAM in use) follows the counts."""
    extra = finding.detail
    if limit < 0:
        return replace(finding, detail=f"{used} used, no limit{extra}")
    if used >= limit:
        return replace(finding, status=Status.FAIL, detail=f"{used} of {limit} used{extra}: {short_of}", fix=fix)
    return replace(finding, detail=f"{used} of {limit} used{extra}")


def _cores_and_ram(absolute: dict[str, Any]) -> str:
    parts = []
    for label, used_key, max_key, unit in (
        ("vCPUs", "totalCoresUsed", "maxTotalCores", 1),
        ("GB RAM", "totalRAMUsed", "maxTotalRAMSize", 1024),
    ):
        used, limit = absolute.get(used_key), absolute.get(max_key)
        if isinstance(used, int) and isinstance(limit, int) and limit >= 0:
            parts.append(f"{used // unit} of {limit // unit} {label}")
    return f" ({', '.join(parts)})" if parts else ""


def _image_quota(probe: Probe) -> Finding:
    """``GET /v1/cloudimages/quota`` (OTC-IMS ``ims_apis/image_quota/querying_the_image_quota.rst``):
    ``quotas.resources[]`` with ``type`` ``image`` (private images), ``used`` and ``quota``."""
    name = "private images"
    answer = probe.call("ims", "GET", "/v1/cloudimages/quota")
    resources = ((answer.data or {}).get("quotas") or {}).get("resources") if answer.ok else None
    image = next((r for r in resources or [] if isinstance(r, dict) and r.get("type") == "image"), None)
    if image is None or not isinstance(image.get("quota"), int) or not isinstance(image.get("used"), int):
        return Finding(
            name, Status.UNKNOWN, f"not told ({answer.call}: {_why_not(answer) if image is None else 'no used/quota'})"
        )
    return _room(
        Finding(name, Status.PASS, ""),
        image["used"],
        image["quota"],
        "the new image cannot be made (IMG.0015)",
        "Delete a private image you do not need, or ask for a higher image quota.",
    )


def _vault_capacity(probe: Probe) -> list[Finding]:
    """CBR server backup vaults: ``billing.size`` (GB) against ``billing.used`` (MB) (OTC-CBR
    ``cbr_apis/vaults/querying_the_vault_list.rst``). A full vault fails the backup of an ECS in it
    (``BackupService.6114``); which ECS a repair backs up is not known here, so that is ``unknown``."""
    answer = probe.call("cbr", "GET", "/v3/{project_id}/vaults", params={"object_type": "server", "limit": 1000})
    if not answer.ok:
        return [Finding("CBR vault capacity", Status.UNKNOWN, f"not told ({answer.call}: {_why_not(answer)})")]
    from wizard.cloud.models import Vault

    vaults = [Vault.from_api(v) for v in (answer.data or {}).get("vaults") or []]
    if not vaults:
        return [
            Finding(
                "CBR vault capacity",
                Status.PASS,
                "no server backup vault yet: a CBR repair creates one, sized for the ECS (billable, asks first)",
            )
        ]
    findings = []
    for vault in vaults:
        name = f"CBR vault {vault.name}"
        if vault.size_gb is None or vault.used_mb is None:
            findings.append(Finding(name, Status.UNKNOWN, "its size or use is not given"))
        elif vault.used_mb >= vault.size_gb * 1024:
            findings.append(
                Finding(
                    name,
                    Status.UNKNOWN,
                    f"full ({vault.used_mb / 1024:.1f} of {vault.size_gb} GB): a backup of an ECS in it would fail "
                    "(BackupService.6114)",
                    "Expand the vault in the CBR console if the ECS to repair is in it.",
                )
            )
        else:
            findings.append(Finding(name, Status.PASS, f"{vault.used_mb / 1024:.1f} of {vault.size_gb} GB used"))
    return findings


def check_api_variants(probe: Probe) -> Row:
    """Which variants of the APIs this region answers: the documented IMS job path the wizard polls,
    the IMS progress extension it reads percentages from, and whether CSBS is offered at all."""
    if blocked := probe.blocked():
        return Row("api variants", Status.UNKNOWN, f"not checked: {blocked}")
    jobs = probe.call("ims", "GET", f"/v1/{{project_id}}/jobs/{NO_SUCH_JOB}")
    progress = probe.call("ims", "GET", f"/v1/cloudimages/job/{NO_SUCH_JOB}")
    csbs = probe.identity("csbs")
    findings = []
    if jobs.no_such_api:
        findings.append(
            Finding(
                "IMS job status",
                Status.FAIL,
                f"{jobs.call} is not offered here ({jobs.cloud_says}): the wizard could not follow image creation",
                "Check the IMS endpoint; the documented path is GET /v1/{project_id}/jobs/{job_id}.",
            )
        )
    elif jobs.answered and jobs.status not in (401, 403):
        findings.append(
            Finding("IMS job status", Status.PASS, f"{jobs.call} answers (image creation is followed there)")
        )
    else:
        findings.append(Finding("IMS job status", Status.UNKNOWN, f"not told ({jobs.call}: {_why_not(jobs)})"))
    if progress.answered and not progress.no_such_api and progress.status not in (401, 403):
        findings.append(Finding("IMS job progress", Status.PASS, "offered: image creation shows a percentage"))
    elif progress.no_such_api or progress.status == 403:
        findings.append(
            Finding("IMS job progress", Status.PASS, "not offered here: image creation shows the time taken instead")
        )
    else:
        findings.append(Finding("IMS job progress", Status.UNKNOWN, f"not told ({_why_not(progress)})"))
    if csbs.answered and not csbs.no_such_api and csbs.status not in (401, 404):
        findings.append(Finding("CSBS", Status.PASS, "offered: the CBR and the CSBS repair paths are both possible"))
    elif csbs.unreachable is not None or csbs.no_such_api:
        findings.append(Finding("CSBS", Status.PASS, "not offered here: use the CBR path (recommended)"))
    else:
        findings.append(Finding("CSBS", Status.UNKNOWN, f"not told ({_why_not(csbs)})"))
    status = worst(f.status for f in findings)
    summary = "; ".join(f"{f.name} {f.status.icon}" for f in findings)
    return Row("api variants", status, summary, _first_fix(findings), findings)


CHECKS: tuple[Callable[[Probe], Row], ...] = (
    check_endpoints,
    check_credentials,
    check_project,
    check_clock,
    check_permissions,
    check_quotas,
    check_api_variants,
)

CHECK_NAMES = ("endpoints", "credentials", "project", "clock", "permissions", "quotas", "api variants")


def run_checks(probe: Probe, *, on_check: Callable[[str], None] | None = None) -> list[Row]:
    """Every check in order. A check that raises becomes a ``crash`` row, and the others still run."""
    rows = []
    for check, name in zip(CHECKS, CHECK_NAMES, strict=True):
        if on_check:
            on_check(name)
        try:
            rows.append(check(probe))
        except Exception as exc:  # noqa: BLE001 - isolated into its row, as flutter doctor isolates a validator
            from wizard.cloud.secrets import mask_text

            secrets = (
                [probe.settings.credentials.sk, probe.settings.credentials.password]
                if probe.settings.credentials
                else []
            )
            message = mask_text(f"{type(exc).__name__}: {exc}", list(secrets))
            rows.append(
                Row(
                    name,
                    Status.CRASH,
                    f"the check itself failed: {message}",
                    "This is a bug in ecs-wizard: please report it with the output of 'ecs-wizard doctor --json'.",
                )
            )
    return rows


def passed(rows: Sequence[Row]) -> bool:
    """Nothing failed or crashed (``unknown`` says what could not be told; it is not a failure)."""
    return all(r.status in (Status.PASS, Status.UNKNOWN) for r in rows)


def connection_problem(probe: Probe) -> Problem | None:
    """The credentials check on ECS alone: one signed call to a path that names the project, so that
    a wrong SK, a wrong project id and a stopped endpoint each show, in words. None once the call
    succeeded: only then do the front ends say "connected"."""
    answer = probe.identity("ecs")
    if answer.ok:
        return None
    return explain(answer, probe.settings) or Problem(
        f"ECS answered {answer.cloud_says} to {answer.call}",
        "Try again in a moment; 'ecs-wizard doctor' checks every service.",
    )


# -- helpers ---------------------------------------------------------------------------------------


def _without(name: str, text: str) -> str:
    """A problem's words without the service's name in front (the finding names it)."""
    for prefix in (f"{name}: ", f"{name} "):
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def _first_fix(findings: Sequence[Finding]) -> str:
    for status in (Status.FAIL, Status.UNKNOWN):
        for f in findings:
            if f.status is status and f.fix:
                return f.fix
    return ""


def _names(names: Sequence[str], total: int) -> str:
    if len(names) == total and total > 2:
        return f"every service ({', '.join(names)})"
    return ", ".join(names)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
