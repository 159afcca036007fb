"""The errors and call records of the cloud client, importable without the HTTP stack.

Front ends and the engine catch these; keeping them apart from ``http.py`` means importing the
wizard's core does not import ``requests`` until a client is actually built (faster start-up).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
THROTTLE_CODES = frozenset({"APIGW.0308"})
"""API Gateway's "the throttling threshold has been reached", whatever status carries it."""


def is_throttle(status: int, code: str | None) -> bool:
    """Is this answer the cloud's rate limit (HTTP 429, or API Gateway's throttling code)?"""
    return status == 429 or code in THROTTLE_CODES


class CloudError(Exception):
    """A cloud API call that answered with an error.

    Both body shapes the services use become this one type: nested ``{"error": {"code",
    "message"}}`` (IMS, ECS) and flat ``{"error_code", "error_msg"}`` (CBR, CSBS), plus
    ``errorCode/errorMsg``, ``code/message`` and non-JSON error pages.
    """

    def __init__(self, service: str, status: int, code: str, message: str, request_id: str | None = None):
        self.service = service
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        super().__init__(str(self))

    def __str__(self) -> str:
        rid = f" (request id {self.request_id})" if self.request_id else ""
        return f"{self.service.upper()} {self.code or self.status}: {self.message}{rid}"

    def __repr__(self) -> str:
        return (
            f"CloudError(service={self.service!r}, status={self.status}, code={self.code!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "request_id": self.request_id,
        }

    @property
    def transient(self) -> bool:
        return self.status in RETRYABLE_STATUS or self.throttled

    @property
    def throttled(self) -> bool:
        return is_throttle(self.status, self.code)


MALFORMED_URL = "Malformed request url"
"""Huawei Cloud's message, with a 401 in an ``unauthorized`` object, for a CBR backup or restore point
that does not exist (huaweicloud/terraform-provider-huaweicloud huaweicloud/services/cbr/
resource_huaweicloud_cbr_checkpoint.go ``parseBackupError`` reads it as a 404)."""


def is_malformed_url(error: CloudError) -> bool:
    """Huawei Cloud's 401 "Malformed request url": a look-up of something that does not exist."""
    return error.status == 401 and error.code == "401" and error.message == MALFORMED_URL


def as_not_found(error: CloudError) -> CloudError:
    """Huawei Cloud's "Malformed request url" answer as the 404 it means."""
    message = f"{MALFORMED_URL} (Huawei Cloud's answer for something that does not exist)"
    return CloudError(error.service, 404, error.code, message, error.request_id)


BACKUP_RUNNING = frozenset({"BackupService.0002", "BackupService.6125", "CSBS.1001", "CSBS.1002", "CSBS.6030"})
"""The codes with which CBR and CSBS refuse a backup because one of the same server is already
running: CBR 500 ``BackupService.0002`` "Resources are being backed up" and 400 ``6125`` "A backup task
is in progress" (opentelekomcloud-docs/cloud-backup-recovery api-ref/source/appendix/error_codes.rst);
CSBS 500 ``CSBS.1001`` (a manual backup is being executed), ``CSBS.1002`` (the server is being backed
up) and ``CSBS.6030`` (an automatic backup is being executed) (opentelekomcloud-docs/
cloud-server-backup-service api-ref/source/appendixes/error_codes.rst). A refusal, not a lost answer:
the create did nothing, even when the status is a 500."""


def is_backup_running(error: CloudError) -> bool:
    """Whether the cloud refused a backup because one of the same server is already running."""
    return error.code in BACKUP_RUNNING


class CloudUnreachable(Exception):
    """No answer at all (connection refused, DNS, timeout) after the retries allowed.

    ``kind`` says why in one word, so that a front end can say it in words: ``refused`` (nothing
    listens there), ``dns`` (the host name does not resolve), ``timeout``, ``tls`` (the certificate
    was not accepted), ``proxy``, ``dropped`` (the connection broke before the answer) or ``other``.
    """

    def __init__(self, service: str, method: str, url: str, reason: str, kind: str = "other"):
        self.service, self.method, self.url, self.reason, self.kind = service, method, url, reason, kind
        super().__init__(f"{service.upper()} did not answer {method} {url}: {reason}")


class AnswerLost(CloudUnreachable):
    """A create call was sent but its answer never came: it may or may not have happened."""


class DryRunIgnored(Exception):
    """A create sent with ``"dry_run": true`` was carried out anyway (the cloud answered with a job):
    the caller must tell the user and delete what it made."""

    def __init__(self, service: str, job_id: str, resource_ids: list[str]):
        self.service, self.job_id, self.resource_ids = service, job_id, resource_ids
        made = ", ".join(resource_ids) or "(ids not given)"
        super().__init__(f"{service.upper()} ignored dry_run and started creating {made} (job {job_id})")


@dataclass
class CallRecord:
    """What one API call did, for the journal and the report (never bodies with secrets)."""

    service: str
    method: str
    path: str
    status: int | None
    request_id: str | None
    attempts: int
    seconds: float
