"""Build every service client from resolved settings, sharing one auth and call recorder.

This package imports nothing else from ``wizard`` (an import-linter contract): what it needs of the
settings is described by the two protocols below, which ``wizard.config`` satisfies, and saying
what to do when credentials are missing is the caller's job.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from wizard.cloud.auth import AkSkAuth, PasswordAuth
from wizard.cloud.cbr import CbrClient
from wizard.cloud.csbs import CsbsClient
from wizard.cloud.ecs import EcsClient, EvsClient, VpcClient
from wizard.cloud.http import CallRecord, HttpClient, RetryPolicy, Transport, requests_session
from wizard.cloud.ims import ImsClient
from wizard.cloud.secrets import Secret


class CloudCredentials(Protocol):
    """Who calls: AK/SK (``kind`` "aksk") or an IAM user's password (any other ``kind``)."""

    @property
    def kind(self) -> str: ...
    @property
    def ak(self) -> str | None: ...
    @property
    def sk(self) -> Secret | None: ...
    @property
    def security_token(self) -> Secret | None: ...
    @property
    def user(self) -> str | None: ...
    @property
    def password(self) -> Secret | None: ...
    @property
    def domain(self) -> str | None: ...


class CloudTarget(Protocol):
    """Where the calls go: the region, the project and one base URL per service."""

    @property
    def region(self) -> str: ...
    @property
    def project_id(self) -> str | None: ...
    @property
    def project_name(self) -> str | None: ...
    @property
    def endpoints(self) -> Mapping[str, str]: ...
    @property
    def verify_tls(self) -> bool: ...


@dataclass
class Clients:
    """Every service's client for one project, sharing one auth and one record of the calls made."""

    ims: ImsClient
    cbr: CbrClient
    csbs: CsbsClient
    ecs: EcsClient
    vpc: VpcClient
    evs: EvsClient
    project_id: str
    calls: list[CallRecord] = field(default_factory=list, repr=False)

    @contextlib.contextmanager
    def throttles_to(self, callback: Callable[[float | None], None]) -> Iterator[None]:
        """Within the block, ``callback`` sees every throttled answer of every service, with the
        Retry-After it named (None when it named none or no sane number)."""
        https = [c.http for c in (self.ims, self.cbr, self.csbs, self.ecs, self.vpc)]
        before = [h.on_throttle for h in https]
        for h in https:
            h.on_throttle = callback
        try:
            yield
        finally:
            for h, previous in zip(https, before, strict=True):
                h.on_throttle = previous


def build_clients(
    target: CloudTarget,
    credentials: CloudCredentials,
    *,
    session_factory: Callable[[], Transport] = requests_session,
    sleep: Callable[[float], None] = time.sleep,
    retry: RetryPolicy | None = None,
) -> Clients:
    """One transport per service client, as the foundation issue asks: a ``requests`` session each
    for a real cloud, or what ``session_factory`` makes (the emulator's in-process transport).

    With a password and no project id, this asks IAM for a token at once: the token names the project.
    """
    calls: list[CallRecord] = []
    auth: AkSkAuth | PasswordAuth
    if credentials.kind == "aksk":
        auth = AkSkAuth(
            credentials.ak or "",
            credentials.sk or Secret(""),
            project_id=target.project_id,
            security_token=credentials.security_token,
        )
        secrets = tuple(s for s in (credentials.sk, credentials.security_token) if s)
        project_id = target.project_id or ""
    else:
        auth = PasswordAuth(
            iam_endpoint=target.endpoints["iam"],
            user=credentials.user or "",
            password=credentials.password or Secret(""),
            domain=credentials.domain or "",
            project_id=target.project_id,
            project_name=target.project_name or target.region,
            session=session_factory(),
            verify=target.verify_tls,
        )
        secrets = tuple(s for s in (credentials.password,) if s)
        project_id = target.project_id or auth.resolved_project_id() or ""

    def http(service: str) -> HttpClient:
        return HttpClient(
            service=service,
            endpoint=target.endpoints[service],
            auth=auth,
            session=session_factory(),
            verify=target.verify_tls,
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
        evs=EvsClient(http("evs"), project_id),
        project_id=project_id,
        calls=calls,
    )
