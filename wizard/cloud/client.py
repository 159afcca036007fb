"""Build every service client from resolved settings, sharing one auth and call recorder."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from wizard.cloud.auth import AkSkAuth, PasswordAuth
from wizard.cloud.cbr import CbrClient
from wizard.cloud.csbs import CsbsClient
from wizard.cloud.ecs import EcsClient, VpcClient
from wizard.cloud.http import CallRecord, HttpClient, RetryPolicy
from wizard.cloud.ims import ImsClient
from wizard.cloud.services import SERVICES  # noqa: F401  (re-exported)


@dataclass
class Clients:
    ims: ImsClient
    cbr: CbrClient
    csbs: CsbsClient
    ecs: EcsClient
    vpc: VpcClient
    project_id: str
    calls: list[CallRecord] = field(default_factory=list, repr=False)


def build_clients(
    settings: Settings,
    *,
    session_factory: Callable[[], requests.Session] = requests.Session,
    sleep: Callable[[float], None] = time.sleep,
    retry: RetryPolicy | None = None,
) -> Clients:
    """One requests session per service client, as the foundation issue asks."""
    from wizard.config import Settings  # noqa: F401  (type only; avoids an import cycle)

    creds = settings.credentials
    calls: list[CallRecord] = []
    if creds is None:
        from wizard.errors import ConfigError

        raise ConfigError(
            "No cloud credentials were found.",
            "Run 'ecs-wizard config show' to see what is missing, or try 'ecs-wizard demo'.",
        )
    if creds.kind == "aksk":
        auth = AkSkAuth(creds.ak or "", creds.sk, project_id=settings.project_id, security_token=creds.security_token)
        secrets = tuple(s for s in (creds.sk, creds.security_token) if s)
        project_id = settings.project_id or ""
    else:
        auth = PasswordAuth(
            iam_endpoint=settings.endpoints["iam"],
            user=creds.user or "",
            password=creds.password,
            domain=creds.domain or "",
            project_id=settings.project_id,
            project_name=settings.project_name or settings.region,
            session=session_factory(),
            verify=settings.verify_tls,
        )
        secrets = (creds.password,)
        project_id = settings.project_id or auth.resolved_project_id() or ""

    def http(service: str) -> HttpClient:
        return HttpClient(
            service=service,
            endpoint=settings.endpoints[service],
            auth=auth,
            session=session_factory(),
            verify=settings.verify_tls,
            sleep=sleep,
            retry=retry or RetryPolicy(),
            on_call=calls.append,
            secrets=secrets,
        )

    return Clients(
        ims=ImsClient(http("ims"), project_id),
        cbr=CbrClient(http("cbr"), project_id),
        csbs=CsbsClient(http("csbs"), project_id),
        ecs=EcsClient(http("ecs"), project_id),
        vpc=VpcClient(http("vpc"), project_id),
        project_id=project_id,
        calls=calls,
    )
